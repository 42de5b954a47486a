"""Signed manual packs: a library built once on a workstation, carried to devices, installed whole.

A ``.fkpack`` is a tar of ``pack.json`` (the manifest: pack name and revision, build date, fieldkit
version, embedder, each manual with its sha256, revision and effectivity, and the sha256 of every file),
``pack.sig`` (Ed25519 over the exact bytes of pack.json), ``library/`` (catalog, vectors, figures) and
``manuals/`` (the source files). Installing verifies the signature and every hash in a staging folder
before anything is replaced, then points ``FIELDKIT_HOME/library`` at the new library with one atomic
rename of a symlink; the library it replaces is kept for ``rollback``. A crash at any moment leaves
either the old library or the new one in place, never a mix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from fieldkit import __version__
from fieldkit.errors import FieldkitError
from fieldkit.library.records import HealthCheck
from fieldkit.library.schema import SCHEMA_VERSION
from fieldkit.library.vectors import fsync_dir as _fsync_dir

MANIFEST, SIGNATURE, FORMAT = "pack.json", "pack.sig", 1
LIBRARIES, PREVIOUS = "libraries", "previous"  # under FIELDKIT_HOME: every installed library; the one before


class PackError(FieldkitError):
    """A pack that cannot be built, verified or installed; the installed library is unchanged."""

    exit_code = 6


@dataclass(frozen=True)
class PackInfo:
    name: str
    revision: str
    built: str  # ISO date the library was built: the manuals are as of then
    manuals: tuple[dict, ...]
    embedder: str
    fieldkit: str

    def as_of(self) -> str:
        return f"manuals as of {self.built[:10]}, pack {self.name} {self.revision}"

    @classmethod
    def from_manifest(cls, m: dict) -> "PackInfo":
        return cls(m["name"], m["revision"], m["built"], tuple(m["manuals"]), m["embedder"], m["fieldkit"])


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- keys -----------------------------------------------------------------------------------------

def generate_key(path: Path) -> Path:
    """An Ed25519 key pair: ``path`` (private, mode 0600, keep it on the build machine) and
    ``path.pub`` (give it to devices). Returns the public key's path."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path.exists():
        raise PackError(f"{path} exists; choose another name (an existing key is never overwritten)")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private)
    public = Path(f"{path}.pub")
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return public


def _load_key(path: Path, private: bool):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    kind = "private" if private else "public"
    try:
        data = Path(path).read_bytes()
        key = (serialization.load_pem_private_key(data, password=None) if private
               else serialization.load_pem_public_key(data))
    except (OSError, ValueError, TypeError) as exc:
        raise PackError(f"{path}: not a readable Ed25519 {kind} key ({exc}); make one with `fieldkit pack keygen`") from exc
    if not isinstance(key, Ed25519PrivateKey if private else Ed25519PublicKey):
        raise PackError(f"{path}: not an Ed25519 {kind} key; make one with `fieldkit pack keygen`")
    return key


# ---- build ----------------------------------------------------------------------------------------

def write_pack(library_root: Path, documents: list[dict], out: Path, name: str, revision: str, key: Path) -> PackInfo:
    """The pack of the library at ``library_root``; ``documents``: each manual's catalog facts and its
    ``source`` file. Written to a temporary name and renamed: ``out`` is whole or absent."""
    signer = _load_key(key, private=True)
    payload: dict[str, Path] = {}
    for path in sorted(p for p in library_root.rglob("*") if p.is_file()):
        rel = path.relative_to(library_root).as_posix()
        if not rel.startswith(("catalog.db-", "lock")):  # WAL side files are checkpointed before this
            payload[f"library/{rel}"] = path
    manuals = []
    for doc in documents:
        arcname = f"manuals/{doc['name']}"
        payload[arcname] = Path(doc["source"])
        manuals.append({k: doc.get(k) for k in ("name", "sha256", "revision", "effectivity", "pages", "title")}
                       | {"file": arcname})
    manifest = {
        "format": FORMAT, "name": name, "revision": revision,
        "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "fieldkit": __version__, "schema_version": SCHEMA_VERSION,
        "embedder": json.loads((library_root / "manifest.json").read_text())["embedder"],
        "manuals": manuals, "files": {arc: sha256(p) for arc, p in payload.items()},
    }
    body = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with tarfile.open(tmp, "w") as tar:
            _add_bytes(tar, MANIFEST, body)
            _add_bytes(tar, SIGNATURE, signer.sign(body))
            for arc, path in payload.items():
                tar.add(path, arcname=arc, recursive=False)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return PackInfo.from_manifest(manifest)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o644
    tar.addfile(info, io.BytesIO(data))


# ---- install --------------------------------------------------------------------------------------

def verify_pack(pack: Path, public_key: Path, staging: Path) -> dict:
    """Unpack ``pack`` into ``staging`` and check it whole: signature, then every file's hash, no file
    missing or extra, a catalog SQLite can read. Returns the manifest; raises PackError saying why not."""
    verifier = _load_key(public_key, private=False)
    _unpack(pack, staging)
    body_path, sig_path = staging / MANIFEST, staging / SIGNATURE
    if not body_path.is_file():
        raise PackError(f"{pack}: no {MANIFEST} inside; not a fieldkit pack (build one with `fieldkit pack build`)")
    if not sig_path.is_file():
        raise PackError(f"{pack}: unsigned (no {SIGNATURE}); refused: install only packs signed by your fleet's key")
    body = body_path.read_bytes()
    from cryptography.exceptions import InvalidSignature

    try:
        verifier.verify(sig_path.read_bytes(), body)
    except InvalidSignature:
        raise PackError(f"{pack}: signature does not verify with {public_key}: the pack was changed after signing "
                        "or signed by another key; refused") from None
    manifest = json.loads(body)
    if manifest.get("format") != FORMAT or manifest.get("schema_version", 0) > SCHEMA_VERSION:
        raise PackError(f"{pack}: built by a newer fieldkit ({manifest.get('fieldkit')}); update fieldkit on this device")
    listed = manifest["files"]
    present = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()} - {MANIFEST, SIGNATURE}
    if present - set(listed):
        raise PackError(f"{pack}: holds files its manifest does not list ({', '.join(sorted(present - set(listed))[:3])}); refused")
    for arc, digest in listed.items():
        path = staging / arc
        if not path.is_file():
            raise PackError(f"{pack}: {arc} is listed in the manifest but missing; refused")
        if sha256(path) != digest:
            raise PackError(f"{pack}: {arc} does not match its sha256 in the signed manifest (changed or damaged); refused")
    try:
        with sqlite3.connect(f"file:{staging / 'library' / 'catalog.db'}?mode=ro", uri=True) as db:
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise PackError(f"{pack}: its catalog fails SQLite's quick_check; refused")
    except sqlite3.Error as exc:
        raise PackError(f"{pack}: its catalog cannot be read ({exc}); refused") from exc
    return manifest


def _unpack(pack: Path, staging: Path) -> None:
    """Regular files and folders only, every name inside ``staging`` (no links, devices, absolute
    paths or ``..``)."""
    try:
        with tarfile.open(pack, "r:*") as tar:
            for member in tar:
                target = (staging / member.name).resolve()
                if not (member.isfile() or member.isdir()) or not target.is_relative_to(staging.resolve()):
                    raise PackError(f"{pack}: entry {member.name!r} is not a plain file inside the pack; refused")
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise PackError(f"{pack}: not a readable pack ({exc}); copy it again") from exc


def install_pack(pack: Path, public_key: Path, home: Path) -> PackInfo:
    """Verify ``pack`` and make its library the one ``home/library`` points at; the one it replaces
    becomes the rollback target. Nothing is replaced unless every check passes."""
    pack = Path(pack)
    if not pack.is_file():
        raise PackError(f"{pack}: no such pack file")
    finish_interrupted(home)
    libraries = home / LIBRARIES
    libraries.mkdir(parents=True, exist_ok=True)
    staging = libraries / f".staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        manifest = verify_pack(pack, public_key, staging)
        info = PackInfo.from_manifest(manifest)
        folder = libraries / f"{_safe(info.name)}-{_safe(info.revision)}-{uuid.uuid4().hex[:6]}"
        library = staging / "library"
        os.replace(staging / "manuals", library / "manuals")
        shutil.copy2(staging / MANIFEST, library / MANIFEST)
        carry_ask_log(home / "library" / "catalog.db", library / "catalog.db")
        _fsync_tree(library)
        os.replace(library, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _switch(home, folder)
    return info


def rollback(home: Path) -> PackInfo | None:
    """Point the library back at the one before the last install (the current one becomes the
    rollback target, so a second rollback undoes the first). Returns the pack now in use, if any."""
    finish_interrupted(home)
    previous = home / LIBRARIES / PREVIOUS
    if not previous.is_symlink() or not previous.exists():
        raise PackError(f"no previous library in {home / LIBRARIES} to roll back to")
    target = previous.resolve()
    carry_ask_log(home / "library" / "catalog.db", target / "catalog.db")
    _switch(home, target)
    return installed(home / "library")


def carry_ask_log(source: Path, target: Path) -> int:
    """Copy the audit trail's answers ``target`` lacks (ids past its last) from ``source``: the
    device's log of answers outlives the library it was answered from. Returns how many."""
    if not source.is_file():
        return 0
    with closing(sqlite3.connect(target)) as db:
        db.execute("ATTACH DATABASE ? AS source", (str(source),))
        tables = {r[0] for r in db.execute("SELECT name FROM source.sqlite_master WHERE type = 'table'")}
        if "asks" not in tables:
            return 0
        mine = [r[1] for r in db.execute("PRAGMA main.table_info(asks)")]
        theirs = {r[1] for r in db.execute("PRAGMA source.table_info(asks)")}
        cols = ", ".join(c for c in mine if c in theirs)
        last = db.execute("SELECT coalesce(max(id), 0) FROM main.asks").fetchone()[0]
        moved = db.execute(f"INSERT INTO main.asks ({cols}) SELECT {cols} FROM source.asks WHERE id > ?", (last,)).rowcount
        db.commit()
        db.execute("DETACH DATABASE source")
    return moved


def installed(library_root: Path) -> PackInfo | None:
    """The pack the library at ``library_root`` came from; None for a library built on this device."""
    path = library_root / MANIFEST
    try:
        return PackInfo.from_manifest(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):  # none, or not a pack's manifest
        return None


def check_installed(library_root: Path) -> list[HealthCheck]:
    """The installed pack's files against the manifest verified at install: manuals, vectors, figures
    (the catalog is left out: it holds this device's log of answers, which grows). [] for no pack."""
    try:
        manifest = json.loads((library_root / MANIFEST).read_text())
        info = PackInfo.from_manifest(manifest)
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [HealthCheck("pack", False, f"{library_root / MANIFEST} is unreadable ({exc}); reinstall the pack")]
    changed = []
    for arc, digest in manifest["files"].items():
        if arc == "library/catalog.db":
            continue
        path = library_root / (arc.removeprefix("library/") if arc.startswith("library/") else arc)
        if not path.is_file() or sha256(path) != digest:
            changed.append(arc)
    if changed:
        return [HealthCheck("pack", False, f"{info.as_of()}: {len(changed)} file(s) missing or changed since install "
                                           f"(first: {changed[0]}); reinstall the pack or `fieldkit pack rollback`")]
    return [HealthCheck("pack", True, f"{info.as_of()}: {len(manifest['files']) - 1} files match the signed manifest")]


def _switch(home: Path, folder: Path) -> None:
    """``home/library`` -> ``folder`` in one rename; the library it pointed at becomes ``previous``.
    A library folder made by ingest on this device is first moved under libraries/ (journaled, so a
    crash between the two renames is finished by ``finish_interrupted``)."""
    libraries, link = home / LIBRARIES, home / "library"
    old = None
    if link.is_symlink():
        old = link.resolve()
    elif link.exists():
        old = libraries / f"local-{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        journal = libraries / ".moving.json"
        journal.write_text(json.dumps({"library": str(old), "next": str(folder)}))
        _fsync_dir(libraries)
        os.replace(link, old)
    _replace_symlink(link, folder)
    (libraries / ".moving.json").unlink(missing_ok=True)
    if old is not None and old != folder:
        _replace_symlink(libraries / PREVIOUS, old)
    _prune(libraries, keep={folder.resolve(), old.resolve() if old else None})


def finish_interrupted(home: Path) -> None:
    """Complete a switch a crash interrupted between moving a local library aside and linking the new one."""
    journal = home / LIBRARIES / ".moving.json"
    if not journal.exists():
        return
    link = home / "library"
    state = json.loads(journal.read_text())
    moved, new = Path(state["library"]), Path(state["next"])
    if not link.exists() and not link.is_symlink():
        _replace_symlink(link, new if new.exists() else moved)
    if moved.exists() and link.resolve() != moved.resolve():
        _replace_symlink(home / LIBRARIES / PREVIOUS, moved)  # the device's own library stays the rollback
    journal.unlink()


def _replace_symlink(link: Path, target: Path) -> None:
    tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}")
    os.symlink(os.path.relpath(target, link.parent), tmp)  # relative: FIELDKIT_HOME may be moved whole
    os.replace(tmp, link)
    _fsync_dir(link.parent)


def _prune(libraries: Path, keep: set) -> None:
    for folder in libraries.iterdir():
        if folder.is_dir() and not folder.is_symlink() and not folder.name.startswith(".") and folder.resolve() not in keep:
            shutil.rmtree(folder, ignore_errors=True)
        elif folder.name.startswith(".staging-"):
            shutil.rmtree(folder, ignore_errors=True)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:40] or "pack"


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(root)

