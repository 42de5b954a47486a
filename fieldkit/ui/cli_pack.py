"""`fieldkit pack`: signed manual packs (keygen, build on a workstation, install/rollback on a device)."""

from __future__ import annotations

from pathlib import Path

import click

from fieldkit.ui.cli_support import _err, _print_json, handle_errors


@click.group("pack")
def pack_group():
    """Signed manual packs: a whole library built once, installed on devices with no network."""


@pack_group.command("keygen")
@click.argument("key", type=click.Path(dir_okay=False))
@handle_errors
def pack_keygen(key):
    """Make an Ed25519 key pair: KEY (private: keep it on the build machine) and KEY.pub (for devices)."""
    from fieldkit.library.packs import generate_key

    public = generate_key(Path(key))
    _err(f"private key {key} (keep it secret), public key {public} (copy it to the devices)")


@pack_group.command("build")
@click.argument("folder", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The pack file to write (.fkpack).")
@click.option("--key", required=True, type=click.Path(dir_okay=False), help="The private key that signs it.")
@click.option("--name", help="The pack's name (default: the output file's name).")
@click.option("--revision", default="1", show_default=True, help="The pack's revision, shown with every answer.")
@click.option("--embedder", "embedder_name", type=click.Choice(["minilm", "multilingual"]), default="minilm",
              show_default=True)
@click.option("--ray", "ray_address", metavar="ADDRESS",
              help="Read, OCR and embed on Ray Data (pip install 'fieldkit[cluster]'): `local` starts a private Ray "
                   "on this machine; else a running cluster's head (host:6379, ray://host:10001 or auto), whose "
                   "nodes see FOLDER at the same path. This process alone writes the pack.")
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default="one per core, up to 4",
              help="Manuals read at once in worker processes on this machine (without --ray).")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def pack_build(folder, output, key, name, revision, embedder_name, ray_address, workers, as_json):
    """Ingest every manual in FOLDER into a new library and write it as one signed pack."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from fieldkit.ingest.pack_build import build_pack
    from fieldkit.models.embedder import BACKENDS, load_embedder

    embedder = load_embedder(BACKENDS[embedder_name])
    out = Path(output)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        tasks: dict[str, int] = {}

        def report(doc: str, stage: str, done: int, total: int) -> None:
            if doc not in tasks:
                tasks[doc] = progress.add_task(doc, total=total)
            progress.update(tasks[doc], description=f"{doc}: {stage}", completed=done, total=total)

        info = build_pack(Path(folder), out, name or out.stem, revision, Path(key), embedder, progress=report,
                          ray_address=ray_address, workers=workers)
    if as_json:
        _print_json({"pack": str(out), "name": info.name, "revision": info.revision, "built": info.built,
                     "manuals": list(info.manuals)})
    else:
        _err(f"{out}: pack {info.name} {info.revision}, {len(info.manuals)} manuals, built {info.built}")


@pack_group.command("install")
@click.argument("pack", type=click.Path(dir_okay=False))
@click.option("--key", required=True, type=click.Path(dir_okay=False), help="The fleet's public key (KEY.pub).")
@handle_errors
def pack_install(pack, key):
    """Verify PACK (signature, every file's sha256) and switch the library to it; the current one is kept for rollback."""
    from fieldkit import paths
    from fieldkit.library.packs import install_pack

    info = install_pack(Path(pack), Path(key), paths.home())
    _err(f"installed: {info.as_of()} ({len(info.manuals)} manuals); `fieldkit pack rollback` returns to the previous library")


@pack_group.command("rollback")
@handle_errors
def pack_rollback():
    """Go back to the library in use before the last install (run again to undo)."""
    from fieldkit import paths
    from fieldkit.library.packs import rollback

    info = rollback(paths.home())
    _err(f"rolled back: now {info.as_of() if info else 'the library built on this device'}")


@pack_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def pack_status(as_json):
    """Which pack the library came from, and its manuals with revision and effectivity."""
    from fieldkit import paths
    from fieldkit.library.packs import installed

    info = installed(paths.library_dir())
    if as_json:
        _print_json({"pack": None if info is None else {"name": info.name, "revision": info.revision,
                                                        "built": info.built, "manuals": list(info.manuals)}})
        return
    if info is None:
        click.echo("the library was built on this device (no pack installed)")
        return
    click.echo(info.as_of())
    for m in info.manuals:
        click.echo(f"  {m['name']}  rev {m.get('revision') or '-'}  {m.get('effectivity') or ''}  sha256 {m['sha256'][:16]}")
