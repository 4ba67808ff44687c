"""``scimcore recorder``: what each directory's identity provider sent, from the flight recorder.

Owns: the recorder commands and the replay file they write.  Must not: record anything (``scimcore serve`` does,
with ``--record``) or show a secret (the recorder never keeps one).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from scimcore.adapters.recorder import export_lines
from scimcore.cli.events import _known_directory
from scimcore.cli.runtime import _directory_store, database_option
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.store.ports import Recorder


@click.group()
def recorder() -> None:
    """The flight recorder: each directory's last requests, redacted, as its identity provider sent them."""


def _recorder(database: str, directory_id: str) -> Recorder:
    store = _directory_store(database)
    _known_directory(store, directory_id)
    if not isinstance(store, Recorder):
        raise click.ClickException("this store keeps no recorded requests")
    return store


@recorder.command("list")
@database_option
@click.option("--directory", "directory_id", default=DEFAULT_DIRECTORY, show_default=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
def recorder_list(database: str, directory_id: str, limit: int) -> None:
    """Print the directory's last requests as JSON lines, oldest first."""
    for entry in _recorder(database, directory_id).recorded_requests(directory_id, limit=limit):
        click.echo(json.dumps(asdict(entry), ensure_ascii=False))


@recorder.command("export")
@database_option
@click.argument("directory_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The replay file to write (JSON lines), for `scimcore check --replay`.")
@click.option("--limit", default=10_000, show_default=True, type=click.IntRange(min=1))
def recorder_export(database: str, directory_id: str, output: Path, limit: int) -> None:
    """Write the directory's recorded requests as a replay file."""
    entries = _recorder(database, directory_id).recorded_requests(directory_id, limit=limit)
    output.write_text("".join(line + "\n" for line in export_lines(directory_id, entries)), encoding="utf-8")
    click.echo(f"wrote {len(entries)} requests of directory {directory_id} to {output}", err=True)
