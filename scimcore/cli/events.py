"""``scimcore events``: a directory's event log, and replaying it.

Owns: the events commands.  Must not: deliver events (the dispatcher of ``scimcore serve`` does).
"""

from __future__ import annotations

import json
from typing import Any

import click

from scimcore.cli.runtime import (
    _directory_store,
    _emit,
    database_option,
)
from scimcore.store.port import DEFAULT_DIRECTORY


@click.group()
def events() -> None:
    """The event log of a directory."""


@events.command("list")
@database_option
@click.option("--directory", "directory_id", default=DEFAULT_DIRECTORY, show_default=True)
@click.option("--since", default=0, show_default=True, help="Only events after this sequence number.")
@click.option("--limit", default=100, show_default=True)
def events_list(database: str, directory_id: str, since: int, limit: int) -> None:
    """Print events as JSON lines: seq, status, attempts and the event."""
    store = _directory_store(database)
    _known_directory(store, directory_id)
    shown = store.list_events(directory_id, since=since, limit=limit)
    for stored in shown:
        line = {"seq": stored.seq, "status": stored.status, "attempts": stored.attempts,
                "last_error": stored.last_error, "event": stored.event.payload()}
        click.echo(json.dumps(line, ensure_ascii=False))
    if shown and len(shown) == limit and store.list_events(directory_id, since=shown[-1].seq, limit=1):
        click.echo(f"more events exist: run again with --since {shown[-1].seq}", err=True)


def _known_directory(store: Any, directory_id: str) -> None:
    """Refuse a directory id the database does not know (the default directory is always known)."""
    if directory_id != DEFAULT_DIRECTORY and store.get_directory(directory_id) is None:
        raise click.ClickException(f"no directory {directory_id}")


@events.command("replay")
@database_option
@click.option("--directory", "directory_id", required=True)
@click.option("--since", "since_time", required=True, help="An ISO time: every event from then on is sent again.")
def events_replay(database: str, directory_id: str, since_time: str) -> None:
    """Deliver a directory's events again from a point in time (the running server sends them)."""
    store = _directory_store(database)
    _known_directory(store, directory_id)
    _emit({"directory": directory_id, "requeued": store.requeue_events(directory_id, since_time=since_time)})
