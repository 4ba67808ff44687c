"""``scimcore db``: database maintenance (``upgrade`` creates or upgrades the schema).

Owns: the db commands.  Must not: hold migrations (:mod:`scimcore.store.sql.schema` does).
"""

from __future__ import annotations

import click

from scimcore.cli.runtime import (
    DEFAULT_DATABASE,
    database_error,
    open_store,
)


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True, envvar="SCIMCORE_DATABASE")
def db_upgrade(database: str) -> None:
    """Create or upgrade the database schema (also done by serve on start)."""
    from scimcore.store.sql import SqlStore

    store = open_store(database, migrate=False)
    if not isinstance(store, SqlStore):
        raise click.ClickException("only SQL databases have a schema to upgrade")
    try:
        before, after = store.upgrade()
    except Exception as exc:  # noqa: BLE001 - the connection is made here, not in open_store
        raise database_error(database, exc) from None
    store.close()
    click.echo(f"database schema at version {after} (was {before})")
