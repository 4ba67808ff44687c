"""A store that provisions into the application's own tables (SQLAlchemy 2), beside scimcore's side tables.

The application declares how each resource type maps onto its tables (:mod:`~scimcore.store.mapped.mapping`);
:class:`MappedStore` then implements the resources port over those tables
(:mod:`~scimcore.store.mapped.resources`) and keeps directories, tokens, the event outbox, the flight recorder,
console accounts and setup links in scimcore's own tables (:mod:`scimcore.store.sql`, with its migrations) in
the same database — so a resource write and its events commit in one transaction.

Needs the ``sql`` extra (SQLAlchemy) and, for PostgreSQL, the ``postgres`` extra.  Never imported by
``import scimcore``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, inspect, select

from scimcore.errors import ScimError
from scimcore.schema.registry import SchemaRegistry
from scimcore.store.mapped.mapping import (
    ChildTable,
    CompiledMap,
    Field,
    JsonColumn,
    MappingError,
    MemberTable,
    ResourceMap,
    compile_map,
)
from scimcore.store.mapped.resources import MappedResources
from scimcore.store.sql.admins import SqlAdmins
from scimcore.store.sql.directories import SqlDirectories
from scimcore.store.sql.links import SqlLinks
from scimcore.store.sql.outbox import SqlOutbox
from scimcore.store.sql.recorder import SqlRecorder
from scimcore.store.sql.schema import LATEST, directories, recorded, schema_version, setup_links, tokens
from scimcore.store.sql.schema import events as events_table

__all__ = ["ChildTable", "Field", "JsonColumn", "MappedStore", "MappingError", "MemberTable", "ResourceMap"]


class MappedStore(MappedResources, SqlOutbox, SqlDirectories, SqlRecorder, SqlAdmins, SqlLinks):
    """Every port of scimcore, with users and groups in the application's own tables.

    ``MappedStore("sqlite:///app.db", [users, groups])`` with one :class:`ResourceMap` per resource type of
    ``registry`` (the default registry: User and Group).  The mappings are checked on open
    (:class:`MappingError` names what cannot work); scimcore's own tables are created or upgraded unless
    ``migrate=False``.  The application's tables are the application's: create them (``metadata.create_all``
    or its migrations) before the first request.
    """

    def __init__(
        self,
        url: str,
        maps: Sequence[ResourceMap],
        *,
        registry: SchemaRegistry | None = None,
        migrate: bool = True,
        **engine_options: Any,
    ) -> None:
        registry = registry or SchemaRegistry.default()
        compiled: dict[str, CompiledMap] = {}
        for declared in maps:
            rtype = registry.find_resource_type(declared.resource_type)
            if rtype is None:
                raise MappingError(f"a mapping for {declared.resource_type!r}, which the registry does not serve")
            if rtype.name in compiled:
                raise MappingError(f"{rtype.name} is mapped twice")
            compiled[rtype.name] = compile_map(declared, rtype)
        for rtype in registry.resource_types:
            if rtype.name not in compiled:
                raise MappingError(f"{rtype.name} has no mapping: every resource type served needs a ResourceMap")
        if sum(1 for cmap in compiled.values() if cmap.members is not None) > 1:
            raise MappingError("only one resource type may keep members")
        self.maps = compiled
        super().__init__(url, migrate=migrate, **engine_options)

    def readiness(self) -> list[str]:
        """What keeps the store from serving (:class:`~scimcore.store.ports.Readiness`).

        An unreachable database, scimcore's schema older or newer than this scimcore's, or a mapped table that
        does not exist (the application's migrations have not run).
        """
        try:
            with self._tx() as conn:
                found = conn.execute(select(func.max(schema_version.c.version))).scalar_one_or_none()
                tables = inspect(conn)
                missing = sorted({table.name for cmap in self.maps.values() for table in cmap.tables()
                                  if not tables.has_table(table.name, schema=table.schema)})
        except ScimError:
            return ["the database cannot be reached"]
        except Exception as exc:  # noqa: BLE001 - a readiness probe reports, it does not fail
            return [f"the database cannot be read ({type(exc).__name__})"]
        problems = []
        version = int(found or 0)
        if version != LATEST:
            problems.append(f"the database schema is at version {version}, this scimcore uses {LATEST} "
                            "(scimcore db upgrade)")
        if missing:
            problems.append(f"the application's tables {', '.join(missing)} do not exist")
        return problems

    def delete_directory(self, directory_id: str) -> None:
        """Remove a directory: its rows in the application's tables and scimcore's records, in one transaction."""
        with self._tx(write=True) as conn:
            self._delete_directory_rows(conn, directory_id)
            conn.execute(delete(events_table).where(events_table.c.directory == directory_id))
            conn.execute(delete(tokens).where(tokens.c.directory_id == directory_id))
            conn.execute(delete(recorded).where(recorded.c.directory == directory_id))
            conn.execute(delete(setup_links).where(setup_links.c.directory == directory_id))
            conn.execute(delete(directories).where(directories.c.id == directory_id))
        self._forget_directory_record(directory_id)
