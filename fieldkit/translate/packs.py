"""Language packs: `.argosmodel` files a user brings (no registry ships them), checked and unpacked
into a folder fieldkit owns (``$FIELDKIT_HOME/lang/packs/<from>_<to>``), never argostranslate's defaults.

A pack is a zip holding one folder with ``metadata.json`` (``from_code``, ``to_code``), a CTranslate2
model (``model/model.bin``) and a SentencePiece model. What it may unpack is bounded (entries, bytes,
no paths out of its folder, no links); it is unpacked beside its final place and renamed into it, so
an interrupted install leaves the packs as they were.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fieldkit import paths
from fieldkit.errors import BadInputError, UsageError

MAX_UNPACKED_BYTES = 1 << 30  # a real Argos pack unpacks to 100-300 MB
MAX_ENTRIES = 2000
CODE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")


@dataclass(frozen=True)
class LanguagePack:
    from_code: str
    to_code: str
    name: str  # "English → Spanish"
    version: str
    path: Path
    target_prefix: str = ""  # a token some packs put before the output (multilingual models)

    @property
    def code(self) -> str:
        return f"{self.from_code}_{self.to_code}"

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def sentencepiece_model(self) -> Path:
        return next(self.path.glob("*.model"), self.path / "sentencepiece.model")


def install(file: str | Path) -> LanguagePack:
    """Check ``file`` and unpack it; a pack for the same pair is replaced."""
    file = Path(file)
    if not file.is_file():
        raise BadInputError(file, "no such file: give the path of an .argosmodel language pack")
    if not zipfile.is_zipfile(file):
        raise BadInputError(file, "not a language pack (an .argosmodel file is a zip archive)")
    with zipfile.ZipFile(file) as archive:
        top = _check_members(file, archive.infolist())
        try:
            meta = json.loads(archive.read(f"{top}/metadata.json"))
        except (KeyError, ValueError) as exc:
            raise BadInputError(file, f"no readable {top}/metadata.json in the pack ({exc})") from None
        from_code, to_code = str(meta.get("from_code", "")), str(meta.get("to_code", ""))
        if not (CODE_RE.match(from_code) and CODE_RE.match(to_code)):
            raise BadInputError(file, "metadata.json names no language pair (from_code, to_code)")
        names = {i.filename for i in archive.infolist()}
        if f"{top}/model/model.bin" not in names or not any(re.fullmatch(rf"{re.escape(top)}/[^/]+\.model", n)
                                                             for n in names):
            raise BadInputError(file, "the pack holds no CTranslate2 model (model/model.bin) or SentencePiece model")
        root, staging_root = paths.lang_dir() / "packs", paths.lang_dir() / "staging"
        root.mkdir(parents=True, exist_ok=True)
        staging_root.mkdir(parents=True, exist_ok=True)
        final = root / f"{from_code}_{to_code}"
        staging = staging_root / f"{final.name}.installing"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            for info in archive.infolist():
                relative = PurePosixPath(info.filename).relative_to(top)
                if info.is_dir() or not relative.parts:
                    continue
                target = staging.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    old = staging_root / f"{final.name}.old"
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return _read(final)


def _check_members(file: Path, members: list[zipfile.ZipInfo]) -> str:
    """The pack's one top folder, after bounding what it would unpack."""
    if not members or len(members) > MAX_ENTRIES:
        raise BadInputError(file, f"a language pack holds 1 to {MAX_ENTRIES} files; this one holds {len(members)}")
    if sum(i.file_size for i in members) > MAX_UNPACKED_BYTES:
        raise BadInputError(file, f"the pack would unpack to more than {MAX_UNPACKED_BYTES >> 20} MB")
    tops = set()
    for info in members:
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
            raise BadInputError(file, f"the pack names a path outside its folder: {info.filename}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise BadInputError(file, f"the pack holds a link: {info.filename}")
        tops.add(name.parts[0])
    if len(tops) != 1:
        raise BadInputError(file, "a language pack holds exactly one folder")
    return tops.pop()


def _read(folder: Path) -> LanguagePack:
    p = argos_package().Package(folder)
    return LanguagePack(p.from_code, p.to_code, f"{p.from_name or p.from_code} → {p.to_name or p.to_code}",
                        p.package_version, folder, p.target_prefix or "")


def installed() -> list[LanguagePack]:
    """The installed packs, as argostranslate lists them from fieldkit's folder."""
    root = paths.lang_dir() / "packs"
    if not root.is_dir():
        return []
    return sorted((_read(p.package_path) for p in argos_package().get_installed_packages([root])),
                  key=lambda p: p.code)


def argos_package():
    """``argostranslate.package`` (it imports neither stanza nor torch), imported with its data,
    config and cache folders inside fieldkit's: at import it creates them under the user's home
    otherwise."""
    import sys

    if "argostranslate.package" not in sys.modules:
        try:
            with paths.third_party_folders(ARGOS_PACKAGES_DIR=paths.lang_dir() / "packs"):
                import argostranslate.package  # noqa: F401
        except ImportError:
            raise UsageError("translation needs argostranslate, ctranslate2 and sentencepiece: `make install` "
                             "installs them (argostranslate with --no-deps, so no torch)") from None
    return sys.modules["argostranslate.package"]


def find(from_code: str, to_code: str) -> LanguagePack | None:
    return next((p for p in installed() if (p.from_code, p.to_code) == (from_code, to_code)), None)


def remove(code: str) -> LanguagePack:
    """Remove the pack ``code`` ("en_es")."""
    pack = next((p for p in installed() if p.code == code), None)
    if pack is None:
        have = ", ".join(p.code for p in installed()) or "none"
        raise UsageError(f"no language pack {code!r} is installed (installed: {have})")
    shutil.rmtree(pack.path)
    return pack
