"""SQL stores on SQLAlchemy 2 Core: SQLite (embedded default of ``scimcore serve``) and PostgreSQL.

:class:`SqlStore` composes one part per port over one engine: resources (:mod:`~scimcore.store.sql.reads`
and :mod:`~scimcore.store.sql.writes`, on the rows of :mod:`~scimcore.store.sql.rows`), the event outbox
(:mod:`~scimcore.store.sql.outbox`), directories (:mod:`~scimcore.store.sql.directories`), the flight
recorder's requests (:mod:`~scimcore.store.sql.recorder`) and SET signing keys (:mod:`~scimcore.store.sql.keys`).
Tables and migrations are in :mod:`~scimcore.store.sql.schema`; filter push-down is :mod:`~scimcore.store.sql.compile`;
which database faults answer 507 (a full disk) and 503 with ``Retry-After`` (an outage) is
:mod:`~scimcore.store.sql.faults`.

Needs the ``sql`` extra (SQLAlchemy) and, for PostgreSQL, the ``postgres`` extra (psycopg 3).  Never imported
by ``import scimcore``.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from scimcore.errors import ScimError
from scimcore.store.sql.admins import SqlAdmins
from scimcore.store.sql.directories import SqlDirectories
from scimcore.store.sql.engine import normalise_url
from scimcore.store.sql.keys import SqlKeys
from scimcore.store.sql.links import SqlLinks
from scimcore.store.sql.outbox import SqlOutbox
from scimcore.store.sql.reads import SqlReads
from scimcore.store.sql.recorder import SqlRecorder
from scimcore.store.sql.schema import (
    LATEST,
    counts,
    directories,
    members,
    recorded,
    resources,
    schema_version,
    setup_links,
    signing_keys,
    tokens,
)
from scimcore.store.sql.schema import events as events_table
from scimcore.store.sql.writes import SqlWrites

__all__ = ["SqlStore", "normalise_url"]


class SqlStore(SqlReads, SqlWrites, SqlOutbox, SqlDirectories, SqlRecorder, SqlAdmins, SqlLinks, SqlKeys):
    """A store of every port in SQLite or PostgreSQL.

    ``SqlStore("sqlite:///scimcore.db")`` or ``SqlStore("postgresql://user@host/db")``; the schema is
    created or upgraded on open unless ``migrate=False`` (then run ``scimcore db upgrade``).

    SQL parameters are kept out of SQLAlchemy's log lines and error messages (``hide_parameters``): they hold
    webhook secrets and users' data.  Pass ``hide_parameters=False`` to see them while debugging.
    """

    def readiness(self) -> list[str]:
        """What keeps the store from serving (:class:`~scimcore.store.ports.Readiness`).

        An unreachable database, or a schema older or newer than this scimcore's.
        """
        try:
            with self._tx() as conn:
                found = conn.execute(select(func.max(schema_version.c.version))).scalar_one_or_none()
        except ScimError:
            return ["the database cannot be reached"]
        except Exception as exc:  # noqa: BLE001 - a readiness probe reports, it does not fail
            return [f"the database cannot be read ({type(exc).__name__})"]
        version = int(found or 0)
        if version != LATEST:
            return [f"the database schema is at version {version}, this scimcore uses {LATEST} (scimcore db upgrade)"]
        return []

    def delete_directory(self, directory_id: str) -> None:
        """Remove a directory and everything in it (resources, members, events, tokens), in one transaction."""
        with self._tx(write=True) as conn:
            conn.execute(delete(members).where(members.c.directory == directory_id))
            conn.execute(delete(resources).where(resources.c.directory == directory_id))
            conn.execute(delete(events_table).where(events_table.c.directory == directory_id))
            conn.execute(delete(tokens).where(tokens.c.directory_id == directory_id))
            conn.execute(delete(recorded).where(recorded.c.directory == directory_id))
            conn.execute(delete(setup_links).where(setup_links.c.directory == directory_id))
            conn.execute(delete(signing_keys).where(signing_keys.c.scope == directory_id))
            conn.execute(delete(counts).where(counts.c.directory == directory_id))
            conn.execute(delete(directories).where(directories.c.id == directory_id))
        self._forget_directory_record(directory_id)
