"""The resources port (:class:`~scimcore.store.ports.Store`) over the application's own tables (RFC 7644 §3.3–§3.6).

Every call is one transaction of :class:`~scimcore.store.sql.engine.SqlEngine` (SQLite's ``BEGIN IMMEDIATE``
for writes, ``SELECT ... FOR UPDATE`` of the resource's row on PostgreSQL), and a write appends its events
to scimcore's outbox in that same transaction.  Versions are checked against the locked row (RFC 7644
§3.14); the unique attribute is kept folded in the mapping's ``unique_key`` column, whose unique index makes
two concurrent creates of one ``userName`` give exactly one success; member changes touch only the member
rows that change.  Every row read or written is scoped by the mapping's directory column.

Owns: reads, searches (push-down by :mod:`scimcore.store.mapped.compile`, else :mod:`scimcore.store.scan`)
and writes of mapped resources, and the reverse look-ups for ``User.groups``.
Must not: know the layout of any table beyond its :class:`~scimcore.store.mapped.mapping.CompiledMap`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from scimcore.errors import InvalidValue, NotFound, PreconditionFailed, Uniqueness
from scimcore.events import Event
from scimcore.filter.ast import mentions
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store import scan
from scimcore.store.mapped.codec import MEMBERS, Split, join, split
from scimcore.store.mapped.compile import MappedCompiler, sort_column
from scimcore.store.mapped.mapping import ChildPlace, CompiledMap, Key, MappingError, MemberPlace
from scimcore.store.ports import (
    DEFAULT_DIRECTORY,
    DeleteEvents,
    Document,
    MemberEvents,
    MemberRef,
    Page,
    Query,
    cursor_page,
    member_change,
)
from scimcore.store.sql.compile import NotPushable
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.rows import CHUNK

Row = Mapping[Any, Any]  # a row's mapping, by column


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _stale(rtype: ResourceTypeDef, resource_id: str, version: str, expected: str) -> PreconditionFailed:
    return PreconditionFailed(f"{rtype.name} '{resource_id}' is at version {version}, not {expected}.")


class MappedResources(SqlEngine):
    """Resources in the application's tables; composed into :class:`~scimcore.store.mapped.MappedStore`."""

    _append_events: Callable[[Connection, str, Iterable[Event]], None]  # the outbox part
    maps: dict[str, CompiledMap]

    # -- the maps -----------------------------------------------------------------------------------
    def _map(self, rtype: ResourceTypeDef) -> CompiledMap:
        found = self.maps.get(rtype.name)
        if found is None:
            raise MappingError(f"no mapping for the resource type {rtype.name}")
        return found

    @property
    def _member_place(self) -> MemberPlace | None:
        for cmap in self.maps.values():
            if cmap.members is not None:
                return cmap.members
        return None

    @property
    def _group_map(self) -> CompiledMap | None:
        for cmap in self.maps.values():
            if cmap.members is not None:
                return cmap
        return None

    def _compiler(self, cmap: CompiledMap, directory: str) -> MappedCompiler:
        return MappedCompiler(self.dialect, cmap, directory, self._member_place)

    # -- reading rows -------------------------------------------------------------------------------
    def _rows(self, conn: Connection, cmap: CompiledMap, where: Sequence[Any], order: Sequence[Any] = (),
              offset: int = 0, limit: int | None = None) -> list[Row]:
        stmt = select(*cmap.table.columns).where(*where).order_by(*order, *cmap.order).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [row._mapping for row in conn.execute(stmt)]

    def _docs(self, conn: Connection, cmap: CompiledMap, rows: list[Row], omit: frozenset[str]) -> list[Document]:
        """The documents of ``rows``, with their child rows and (unless omitted) members."""
        if not rows:
            return []
        ids = [row[cmap.id] for row in rows]
        children: dict[str, dict[Key, list[Row]]] = {rid: {} for rid in ids}
        for key, place in cmap.whole.items():
            if isinstance(place, ChildPlace) and not (key[0] is None and key[1] in omit):
                for chunk in _chunks(ids):
                    stmt = select(*place.table.columns).where(place.parent.in_(chunk)).order_by(*place.order)
                    for child in conn.execute(stmt):
                        children[child._mapping[place.parent]].setdefault(key, []).append(child._mapping)
        members: dict[str, list[dict[str, Any]]] = {}
        if cmap.members is not None and MEMBERS not in omit:
            members = self._members_of(conn, cmap.members, ids)
        docs = [join(cmap, row, children[row[cmap.id]], members.get(row[cmap.id])) for row in rows]
        if omit:
            docs = [{k: v for k, v in doc.items() if k not in omit} for doc in docs]
        return docs

    @staticmethod
    def _members_of(conn: Connection, place: MemberPlace, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        columns = [place.group, place.member, place.type, place.display]
        for chunk in _chunks(ids):
            stmt = select(*[c for c in columns if c is not None]).where(place.group.in_(chunk)).order_by(*place.order)
            for row in conn.execute(stmt):
                item: dict[str, Any] = {"value": row._mapping[place.member]}
                kind = row._mapping[place.type] if place.type is not None else "User"
                if kind:
                    item["type"] = kind
                if place.display is not None and row._mapping[place.display]:
                    item["display"] = row._mapping[place.display]
                out.setdefault(row._mapping[place.group], []).append(item)
        return out

    @staticmethod
    def _scope(cmap: CompiledMap, directory: str) -> Any:
        return cmap.directory == directory

    # -- the read half ------------------------------------------------------------------------------
    def get(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        omit: frozenset[str] = frozenset(),
    ) -> Document | None:
        """The document with ``resource_id`` in ``directory``, or ``None``."""
        cmap = self._map(rtype)
        with self._tx() as conn:
            rows = self._rows(conn, cmap, [self._scope(cmap, directory), cmap.id == resource_id])
            docs = self._docs(conn, cmap, rows, omit)
        return docs[0] if docs else None

    def get_with_groups(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        omit: frozenset[str] = frozenset(),
    ) -> tuple[Document, list[MemberRef]] | None:
        """:meth:`get` and :meth:`groups_of` of one resource, read on one connection (:class:`GroupedGet`)."""
        cmap = self._map(rtype)
        with self._tx() as conn:
            rows = self._rows(conn, cmap, [self._scope(cmap, directory), cmap.id == resource_id])
            docs = self._docs(conn, cmap, rows, omit)
            if not docs:
                return None
            return docs[0], self._groups_of_many(conn, [resource_id], directory)[resource_id]

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = DEFAULT_DIRECTORY) -> Page:
        """Filter, sort and page in SQL when the mapping lets it be exact; otherwise filter and sort in Python.

        With :attr:`Query.with_groups` the page's groups are read on the same connection (:attr:`Page.groups`).
        """
        cmap = self._map(rtype)
        start = scan.start_of(query)
        with self._tx() as conn:
            try:
                page = self._search_sql(conn, cmap, query, directory, start)
            except NotPushable:
                page = self._search_python(conn, cmap, query, directory)
            if query.with_groups and page.resources:
                ids = [doc["id"] for doc in page.resources]
                page = dataclasses.replace(page, groups=self._groups_of_many(conn, ids, directory))
            return page

    def _search_sql(self, conn: Connection, cmap: CompiledMap, query: Query, directory: str, start: int) -> Page:
        where = [self._scope(cmap, directory)]
        if query.filter is not None:
            where.append(self._compiler(cmap, directory).compile(query.filter))
        order: list[Any] = []
        if query.sort_by is not None:
            column = sort_column(cmap, self.dialect, query.sort_by)
            missing = case((column.is_(None), 1), else_=0)
            if self.dialect.pg:
                column = column.collate("C")  # code-point order, as the in-memory sort compares
            order = [missing, column.desc() if query.descending else column.asc()]
        total = int(conn.execute(select(func.count()).select_from(cmap.table).where(*where)).scalar_one())
        if query.count == 0 or start >= total:
            return cursor_page(query, total, start, [])
        rows = self._rows(conn, cmap, where, order, start, query.count)
        return cursor_page(query, total, start, self._docs(conn, cmap, rows, query.omit))

    def _search_python(self, conn: Connection, cmap: CompiledMap, query: Query, directory: str) -> Page:
        """The shared in-Python query path over every row of the type in the directory (exact, never broader)."""
        docs = self._docs(conn, cmap, self._rows(conn, cmap, [self._scope(cmap, directory)]), frozenset())
        view = None
        if query.filter is not None and cmap.rtype.attr("groups") is not None and mentions(query.filter, "groups"):
            groups = self._groups_of_many(conn, [d["id"] for d in docs], directory)

            def view(doc: Document) -> Document:
                return {**doc, "groups": [{"value": ref.group_id} for ref in groups[doc["id"]]]}

        return scan.scan(docs, query, view)

    def groups_of(self, member_id: str, *, directory: str = DEFAULT_DIRECTORY) -> list[MemberRef]:
        """The groups listing ``member_id``."""
        return self.groups_of_many([member_id], directory=directory)[member_id]

    def groups_of_many(
        self, member_ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY
    ) -> dict[str, list[MemberRef]]:
        """The groups of each of ``member_ids``, in one query per chunk of ids."""
        with self._tx() as conn:
            return self._groups_of_many(conn, list(dict.fromkeys(member_ids)), directory)

    def _groups_of_many(self, conn: Connection, wanted: list[str], directory: str) -> dict[str, list[MemberRef]]:
        found: dict[str, list[MemberRef]] = {m: [] for m in wanted}
        gmap = self._group_map
        if gmap is None or gmap.members is None or not wanted:
            return found
        place = gmap.members
        pairs: list[tuple[str, str]] = []
        for chunk in _chunks(wanted):
            stmt = (
                select(place.member, place.group)
                .join(gmap.table, and_(gmap.id == place.group, self._scope(gmap, directory)))
                .where(place.member.in_(chunk))
                .order_by(*place.order)
            )
            pairs.extend((row[0], row[1]) for row in conn.execute(stmt))
        names = self._display_names(conn, gmap, sorted({g for _, g in pairs}), directory)
        for member, group in pairs:
            found[member].append(MemberRef(group, names.get(group)))
        return found

    def _display_names(self, conn: Connection, gmap: CompiledMap, ids: list[str], directory: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for chunk in _chunks(ids):
            rows = self._rows(conn, gmap, [self._scope(gmap, directory), gmap.id.in_(chunk)])
            for doc in self._docs(conn, gmap, rows, frozenset({MEMBERS})):
                out[doc["id"]] = doc.get("displayName")
        return out

    def resource_types_of(self, ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY) -> dict[str, str]:
        """For each of ``ids`` stored in ``directory``, the name of its resource type."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, str] = {}
        with self._tx() as conn:
            for name, cmap in self.maps.items():
                for chunk in _chunks(wanted):
                    rows = conn.execute(select(cmap.id).where(self._scope(cmap, directory), cmap.id.in_(chunk)))
                    found.update({row[0]: name for row in rows})
        return found

    # -- the write half -----------------------------------------------------------------------------
    def _lock(self, conn: Connection, cmap: CompiledMap, resource_id: str, directory: str) -> Row:
        """The resource's row, locked for this transaction on PostgreSQL; :class:`NotFound` if it is gone."""
        stmt = select(*cmap.table.columns).where(self._scope(cmap, directory), cmap.id == resource_id)
        if self.dialect.pg:
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).first()
        if row is None:
            raise NotFound(f"{cmap.rtype.name} '{resource_id}' not found.")
        return row._mapping

    def _check_unique(self, conn: Connection, cmap: CompiledMap, parts: Split, own_id: str, directory: str) -> None:
        unique = cmap.unique_attr()
        if cmap.unique_key is None or unique is None:
            return
        key = parts.values.get(cmap.unique_key)
        if key is None:
            return
        clash = conn.execute(
            select(cmap.id).where(self._scope(cmap, directory), cmap.unique_key == key, cmap.id != own_id).limit(1)
        ).first()
        if clash is not None:
            raise Uniqueness(f"A {cmap.rtype.name} with {unique.name} already exists (case-insensitively).")

    def _refused(self, cmap: CompiledMap, doc: Document, directory: str, *, creating: bool = True) -> Exception:
        """What an integrity error of a write means: a unique value taken meanwhile, or an app's constraint."""
        with self._tx() as conn:
            taken = conn.execute(select(cmap.id).where(self._scope(cmap, directory), cmap.id == doc["id"])).first()
            try:
                self._check_unique(conn, cmap, split(cmap, doc), doc["id"], directory)
            except Uniqueness as exc:
                return exc
        if taken is not None and creating:
            return Uniqueness(f"A {cmap.rtype.name} with id '{doc['id']}' already exists.")
        return InvalidValue(
            f"The application's table '{cmap.table.name}' refused this {cmap.rtype.name}: a constraint of its own "
            "(a column that needs a value, or a reference to a row that does not exist) does not hold."
        )

    def _write_children(self, conn: Connection, cmap: CompiledMap, resource_id: str, parts: Split, *,
                        replace: bool) -> None:
        for key, place in cmap.whole.items():
            if not isinstance(place, ChildPlace):
                continue
            if replace:
                conn.execute(delete(place.table).where(place.parent == resource_id))
            rows = [{**row, place.parent: resource_id} for row in parts.children.get(key, [])]
            if rows:
                conn.execute(insert(place.table), [{c.key: v for c, v in row.items()} for row in rows])

    def _insert_members(self, conn: Connection, place: MemberPlace, gid: str, items: Iterable[Mapping[str, Any]],
                        rtype: ResourceTypeDef) -> None:
        rows = []
        for item in items:
            row = {place.group.key: gid, place.member.key: item["value"]}
            kind = item.get("type")
            if place.type is not None:
                row[place.type.key] = kind
            elif kind not in (None, "User"):
                raise InvalidValue(
                    f"Member '{item['value']}' of 'members' is a {kind}: this application's member table "
                    f"'{place.table.name}' keeps only User members."
                )
            if place.display is not None:
                row[place.display.key] = item.get("display")
            rows.append(row)
        if rows:
            conn.execute(insert(place.table), rows)

    def create(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: Sequence[Event] = (),
    ) -> None:
        """Insert the row, its child rows, its members and its events in one transaction."""
        cmap = self._map(rtype)
        parts = split(cmap, doc)
        try:
            with self._tx(write=True) as conn:
                self._check_unique(conn, cmap, parts, doc["id"], directory)
                # An attribute the IdP left out leaves its column to the application's own default (a
                # ``default=`` or ``server_default=`` of the column), as a row the application inserts would.
                values = {c.key: v for c, v in parts.values.items() if v is not None or not _has_default(c)}
                conn.execute(insert(cmap.table).values({**values, cmap.directory.key: directory}))
                self._write_children(conn, cmap, doc["id"], parts, replace=False)
                if cmap.members is not None:
                    self._insert_members(conn, cmap.members, doc["id"], parts.members or [], rtype)
                self._append_events(conn, directory, events)
        except IntegrityError:
            raise self._refused(cmap, doc, directory) from None

    def replace(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        expected_version: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: Sequence[Event] = (),
    ) -> None:
        """Replace the row (and its child rows and member list) if its version is still ``expected_version``."""
        cmap = self._map(rtype)
        parts = split(cmap, doc)
        try:
            with self._tx(write=True) as conn:
                current = self._lock(conn, cmap, doc["id"], directory)
                if current[cmap.version] != expected_version:
                    raise _stale(rtype, doc["id"], current[cmap.version], expected_version)
                self._check_unique(conn, cmap, parts, doc["id"], directory)
                # An attribute left out of a PUT whose column cannot be empty and has a default of the
                # application's keeps its value (an Okta PUT without ``active`` must not deactivate anyone).
                values = {
                    c.key: v for c, v in parts.values.items()
                    if c is not cmap.id and (v is not None or c.nullable or not _has_default(c))
                }
                mine = and_(self._scope(cmap, directory), cmap.id == doc["id"])
                conn.execute(update(cmap.table).where(mine).values(values))
                self._write_children(conn, cmap, doc["id"], parts, replace=True)
                if cmap.members is not None:
                    self._replace_members(conn, cmap.members, doc["id"], parts.members or [], rtype)
                self._append_events(conn, directory, events)
        except IntegrityError:
            raise self._refused(cmap, doc, directory, creating=False) from None

    def _replace_members(self, conn: Connection, place: MemberPlace, gid: str, items: list[Mapping[str, Any]],
                         rtype: ResourceTypeDef) -> None:
        wanted = {m["value"]: m for m in items}
        current = {
            row[0]
            for row in conn.execute(select(place.member).where(place.group == gid))
        }
        gone = [mid for mid in current if mid not in wanted]
        for chunk in _chunks(gone):
            conn.execute(delete(place.table).where(place.group == gid, place.member.in_(chunk)))
        for mid, item in wanted.items():
            if mid in current and (place.type is not None or place.display is not None):
                values = {}
                if place.type is not None:
                    values[place.type.key] = item.get("type")
                if place.display is not None:
                    values[place.display.key] = item.get("display")
                conn.execute(update(place.table).where(place.group == gid, place.member == mid).values(values))
        self._insert_members(conn, place, gid, [m for mid, m in wanted.items() if mid not in current], rtype)

    def change_members(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        add: Iterable[Mapping[str, Any]],
        remove: Iterable[str],
        next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        expected_version: str | None,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: MemberEvents | None = None,
    ) -> tuple[list[str], list[str]]:
        """Add and remove member rows in O(changed); the version moves on only when something changed."""
        cmap = self._map(rtype)
        place = cmap.members
        if place is None:
            raise InvalidValue(f"A {rtype.name} has no members.")
        additions, removals = member_change(add, remove)
        with self._tx(write=True) as conn:
            row = self._lock(conn, cmap, resource_id, directory)
            version = row[cmap.version]
            if expected_version is not None and version != expected_version:
                raise _stale(rtype, resource_id, version, expected_version)
            touched = list(additions) + removals
            present: set[str] = set()
            for chunk in _chunks(touched):
                rows = conn.execute(select(place.member).where(place.group == resource_id, place.member.in_(chunk)))
                present.update(r[0] for r in rows)
            added = [v for v in additions if v not in present]
            removed = [v for v in removals if v in present]
            for chunk in _chunks(removed):
                conn.execute(delete(place.table).where(place.group == resource_id, place.member.in_(chunk)))
            self._insert_members(conn, place, resource_id, [additions[v] for v in added], rtype)
            if added or removed:
                meta = dict(next_meta({"resourceType": rtype.name, "created": row[cmap.created],
                                       "lastModified": row[cmap.last_modified], "version": version}))
                conn.execute(
                    update(cmap.table)
                    .where(self._scope(cmap, directory), cmap.id == resource_id)
                    .values({cmap.version.key: meta["version"], cmap.last_modified.key: meta["lastModified"]})
                )
                if events is not None:
                    moved = {column: row[column] for column in cmap.table.columns}
                    moved.update({cmap.version: meta["version"], cmap.last_modified: meta["lastModified"]})
                    doc = self._docs(conn, cmap, [moved], frozenset({MEMBERS}))[0]
                    self._append_events(conn, directory, events(added, removed, doc))
            return added, removed

    def delete(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        expected_version: str | None,
        *,
        directory: str = DEFAULT_DIRECTORY,
        next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
        events: DeleteEvents | None = None,
    ) -> list[MemberRef]:
        """Delete the row, its child rows, its members and every membership naming it; return the groups it left."""
        cmap = self._map(rtype)
        with self._tx(write=True) as conn:
            row = self._lock(conn, cmap, resource_id, directory)
            if expected_version is not None and row[cmap.version] != expected_version:
                raise _stale(rtype, resource_id, row[cmap.version], expected_version)
            deleted = self._docs(conn, cmap, [row], frozenset())[0]
            left = self._groups_of_many(conn, [resource_id], directory)[resource_id]
            gmap = self._group_map
            if gmap is not None and gmap.members is not None:
                place = gmap.members
                conn.execute(delete(place.table).where(place.member == resource_id))
                if cmap.members is not None:
                    conn.execute(delete(place.table).where(place.group == resource_id))
                for ref in left:
                    self._move_on(conn, gmap, ref.group_id, directory, next_meta)
            for place_ in cmap.whole.values():
                if isinstance(place_, ChildPlace):
                    conn.execute(delete(place_.table).where(place_.parent == resource_id))
            conn.execute(delete(cmap.table).where(self._scope(cmap, directory), cmap.id == resource_id))
            if events is not None:
                self._append_events(conn, directory, events(deleted, left))
            return left

    def _move_on(self, conn: Connection, gmap: CompiledMap, gid: str, directory: str,
                 next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None) -> None:
        """A group's version and ``lastModified`` after it lost a member (RFC 7644 §3.14)."""
        if next_meta is None:
            return
        row = self._lock(conn, gmap, gid, directory)
        meta = dict(next_meta({"resourceType": gmap.rtype.name, "created": row[gmap.created],
                               "lastModified": row[gmap.last_modified], "version": row[gmap.version]}))
        conn.execute(
            update(gmap.table)
            .where(self._scope(gmap, directory), gmap.id == gid)
            .values({gmap.version.key: meta["version"], gmap.last_modified.key: meta["lastModified"]})
        )

    def _delete_directory_rows(self, conn: Connection, directory: str) -> None:
        """Every mapped row of ``directory`` with its child and member rows (a directory being deleted)."""
        for cmap in self.maps.values():
            ids = [row[0] for row in conn.execute(select(cmap.id).where(self._scope(cmap, directory)))]
            for chunk in _chunks(ids):
                for place in cmap.whole.values():
                    if isinstance(place, ChildPlace):
                        conn.execute(delete(place.table).where(place.parent.in_(chunk)))
                member_place = self._member_place
                if member_place is not None:
                    conn.execute(delete(member_place.table).where(member_place.member.in_(chunk)))
                    conn.execute(delete(member_place.table).where(member_place.group.in_(chunk)))
            conn.execute(delete(cmap.table).where(self._scope(cmap, directory)))


def _has_default(column: Any) -> bool:
    """Whether the application's column fills itself in when a row leaves it out."""
    return column.default is not None or column.server_default is not None
