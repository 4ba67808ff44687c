"""``scimcore export`` and ``scimcore import``: a directory's users and groups as JSON lines.

Owns: the two commands and their summaries.  Must not: hold the format (:mod:`scimcore.transfer` does).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import click

from scimcore.cli.runtime import (
    SCIM_PREFIX,
    _emit,
    database_option,
    open_store,
)
from scimcore.directories import DirectoryManager, DirectoryStore
from scimcore.schema.registry import SchemaRegistry
from scimcore.store.port import DEFAULT_DIRECTORY, Store


def _transfer_store(database: str, directory_id: str, *, create: bool) -> tuple[Store, bool]:
    """The store for export/import, and whether ``directory_id`` is a directory that import must create."""
    if database == "memory":
        raise click.ClickException("a memory database is empty at start: use --database sqlite:///... or postgresql://")
    store = open_store(database)
    if directory_id == DEFAULT_DIRECTORY or not isinstance(store, DirectoryStore):
        return store, False
    if store.get_directory(directory_id) is not None:
        return store, False
    if not create:
        raise click.ClickException(f"no directory {directory_id} (see `scimcore directories list`)")
    return store, True


@click.command("export")
@database_option
@click.option("--directory", "directory_id", default=DEFAULT_DIRECTORY, show_default=True, help="The directory id.")
@click.option(
    "--output", "output", type=click.File("w", encoding="utf-8", lazy=True), default="-",
    help="The file to write (default: standard output).",
)
def export_command(database: str, directory_id: str, output: Any) -> None:
    """Write a directory's users, then its groups with members, as JSON lines (ids and versions kept)."""
    from scimcore.transfer import count_resources, export_lines

    store, _ = _transfer_store(database, directory_id, create=False)
    registry = SchemaRegistry.default()
    total = sum(count_resources(store, directory_id, registry).values())
    with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
        for line in export_lines(store, directory_id, registry=registry, progress=bar.update):
            output.write(line)
    output.flush()
    click.echo(f"exported {total} resources of directory {directory_id}", err=True)


@click.command("import")
@database_option
@click.option("--directory", "directory_id", default=DEFAULT_DIRECTORY, show_default=True, help="The directory id.")
@click.option("--name", default=None, help="Name of the directory when the import creates it (default: its id).")
@click.option("--allow-partial", is_flag=True, help="Accept an export holding fewer resources than its header says.")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def import_command(database: str, directory_id: str, name: str | None, allow_partial: bool, source: Any) -> None:
    """Load an export (FILE, or - for standard input) into an empty or new directory; prints a JSON summary.

    A directory id that does not exist yet is created, and its first token is printed once.  An export cut
    short (fewer resources than its header announces) fails unless --allow-partial accepts it.
    """
    from scimcore.transfer import IncompleteImport, TransferError, ensure_empty, import_lines, read_header

    store, created = _transfer_store(database, directory_id, create=True)
    first = source.readline()
    try:
        header = read_header(first)
        ensure_empty(store, directory_id)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from None
    counts = header.get("counts") or {}
    total = sum(n for n in counts.values() if isinstance(n, int))

    def rest() -> Iterator[str]:
        yield first
        yield from source

    token: str | None = None
    if created and isinstance(store, DirectoryStore):
        _, token = DirectoryManager(store).create(name or directory_id, directory_id=directory_id)
    try:
        with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
            result = import_lines(store, rest(), directory_id, progress=bar.update, allow_partial=allow_partial)
    except IncompleteImport as exc:
        _emit(_import_summary(directory_id, exc.result.counts, token))  # the token is shown even so, once
        raise click.ClickException(str(exc)) from None
    except TransferError as exc:
        raise click.ClickException(str(exc)) from None
    _emit(_import_summary(directory_id, result.counts, token))


def _import_summary(directory_id: str, counts: dict[str, int], token: str | None) -> dict[str, Any]:
    summary: dict[str, Any] = {"directory": directory_id, "imported": counts}
    if token is not None:
        summary |= {"created": True, "token": token, "scim_path": f"{SCIM_PREFIX}/{directory_id}"}
    return summary
