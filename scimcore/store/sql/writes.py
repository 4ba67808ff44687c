"""The write half of the resources port in SQL: create, replace, member changes and delete (RFC 7644 §3.3–§3.6).

Each write is one transaction that also appends the change's events to the outbox, so a change and its
events commit together.  Versions are checked against the locked row (optimistic concurrency, RFC 7644
§3.14); member changes touch only the member rows that change.

Owns: the writes and the per-type counts kept beside them.
Must not: read pages or deliver events.
"""


from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from scimcore.errors import PreconditionFailed
from scimcore.events import Event
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store.port import (
    DEFAULT_DIRECTORY,
    DeleteEvents,
    Document,
    MemberEvents,
    MemberRef,
)
from scimcore.store.ports import member_change
from scimcore.store.sql.rows import _GROUP_OF_MEMBERSHIP, CHUNK, MEMBERS, SqlRows
from scimcore.store.sql.schema import members, resources


class SqlWrites(SqlRows):
    """Writes of resources; composed into :class:`~scimcore.store.sql.SqlStore`."""

    _append_events: Callable[[Connection, str, Iterable[Event]], None]  # the outbox part

    def create(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: Sequence[Event] = (),
    ) -> None:
        """Insert a new document, its members and its events in one transaction."""
        try:
            with self._tx(write=True) as conn:
                self._check_other_unique(conn, rtype, doc, directory)
                conn.execute(
                    self._sql.insert_row,
                    {"directory": directory, "resource_type": rtype.name, "id": doc["id"],
                     **self._row_values(rtype, doc)},
                )
                if rtype.attr(MEMBERS) is not None:
                    self._insert_members(conn, rtype, doc["id"], doc.get(MEMBERS) or [], directory)
                self._count(conn, rtype, directory, 1)
                self._append_events(conn, directory, events)
        except IntegrityError:
            raise self._uniqueness_error(rtype, doc) from None

    def replace(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        expected_version: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: Sequence[Event] = (),
    ) -> None:
        """Replace a document (and its member list) if its version is still ``expected_version``."""
        try:
            with self._tx(write=True) as conn:
                version, _ = self._lock_current(conn, rtype, doc["id"], directory)
                if version != expected_version:
                    raise _stale(rtype, doc["id"], version, expected_version)
                self._check_other_unique(conn, rtype, doc, directory)
                values = {f"new_{name}": value for name, value in self._row_values(rtype, doc).items()}
                conn.execute(self._sql.replace_row, {"in_directory": directory, "in_rtype": rtype.name,
                                                     "in_id": doc["id"], **values})
                if rtype.attr(MEMBERS) is not None:
                    self._replace_members(conn, rtype, doc, directory)
                self._append_events(conn, directory, events)
        except IntegrityError:
            raise self._uniqueness_error(rtype, doc) from None

    def _replace_members(self, conn: Connection, rtype: ResourceTypeDef, doc: Document, directory: str) -> None:
        wanted = {m["value"]: m for m in doc.get(MEMBERS) or []}
        current = {
            row[0]: row
            for row in conn.execute(
                select(members.c.member_id, members.c.member_type, members.c.display).where(
                    members.c.directory == directory, members.c.group_id == doc["id"]
                )
            )
        }
        gone = [mid for mid in current if mid not in wanted]
        for start in range(0, len(gone), CHUNK):
            conn.execute(
                delete(members).where(
                    members.c.directory == directory,
                    members.c.group_id == doc["id"],
                    members.c.member_id.in_(gone[start : start + CHUNK]),
                )
            )
        for mid, item in wanted.items():
            row = current.get(mid)
            if row is not None and (row[1], row[2]) != (item.get("type"), item.get("display")):
                conn.execute(
                    update(members)
                    .where(
                        members.c.directory == directory, members.c.group_id == doc["id"], members.c.member_id == mid
                    )
                    .values(member_type=item.get("type"), display=item.get("display"))
                )
        self._insert_members(conn, rtype, doc["id"], [m for mid, m in wanted.items() if mid not in current], directory)

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
        """Add and remove members in O(changed); ``meta`` moves on only when something changed."""
        additions, removals = member_change(add, remove)
        with self._tx(write=True) as conn:
            version, doc = self._lock_current(conn, rtype, resource_id, directory)
            if expected_version is not None and version != expected_version:
                raise _stale(rtype, resource_id, version, expected_version)
            touched = list(additions) + removals
            present: set[str] = set()
            for start in range(0, len(touched), CHUNK):
                present.update(
                    row[0]
                    for row in conn.execute(
                        select(members.c.member_id).where(
                            members.c.directory == directory,
                            members.c.group_id == resource_id,
                            members.c.member_id.in_(touched[start : start + CHUNK]),
                        )
                    )
                )
            added = [v for v in additions if v not in present]
            removed = [v for v in removals if v in present]
            for start in range(0, len(removed), CHUNK):
                conn.execute(
                    delete(members).where(
                        members.c.directory == directory,
                        members.c.group_id == resource_id,
                        members.c.member_id.in_(removed[start : start + CHUNK]),
                    )
                )
            self._insert_members(conn, rtype, resource_id, [additions[v] for v in added], directory)
            if added or removed:
                meta = dict(next_meta(doc["meta"]))
                doc["meta"] = meta
                conn.execute(
                    update(resources)
                    .where(self._scope(rtype, directory), resources.c.id == resource_id)
                    .values(version=meta["version"], last_modified=meta["lastModified"], doc=doc)
                )
                if events is not None:
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
        """Delete a document, its members and every membership that mentions it; return the groups it left."""
        with self._tx(write=True) as conn:
            version, deleted = self._lock_current(conn, rtype, resource_id, directory)
            if expected_version is not None and version != expected_version:
                raise _stale(rtype, resource_id, version, expected_version)
            groups = conn.execute(
                select(resources.c.id, resources.c.resource_type, resources.c.doc)
                .join(members, _GROUP_OF_MEMBERSHIP)
                .where(members.c.directory == directory, members.c.member_id == resource_id)
                .order_by(members.c.seq)
            ).all()
            conn.execute(delete(resources).where(self._scope(rtype, directory), resources.c.id == resource_id))
            self._count(conn, rtype, directory, -1)
            conn.execute(
                delete(members).where(
                    members.c.directory == directory,
                    (members.c.group_id == resource_id) | (members.c.member_id == resource_id),
                )
            )
            left = []
            for gid, gtype, raw in groups:
                group = self._load_doc(raw)
                left.append(MemberRef(gid, group.get("displayName")))
                if next_meta is not None:
                    meta = dict(next_meta(group["meta"]))
                    group["meta"] = meta
                    conn.execute(
                        update(resources)
                        .where(
                            resources.c.directory == directory,
                            resources.c.resource_type == gtype,
                            resources.c.id == gid,
                        )
                        .values(version=meta["version"], last_modified=meta["lastModified"], doc=group)
                    )
            if events is not None:
                self._append_events(conn, directory, events(deleted, left))
            return left


    def _count(self, conn: Connection, rtype: ResourceTypeDef, directory: str, delta: int) -> None:
        """Keep ``scim_counts`` in step with inserts and deletes, in the same transaction (an upsert)."""
        conn.execute(
            self._sql.count_by, {"directory": directory, "rtype": rtype.name, "n": max(delta, 0), "delta": delta}
        )



def _stale(rtype: ResourceTypeDef, resource_id: str, version: str, expected: str) -> PreconditionFailed:
    return PreconditionFailed(f"{rtype.name} '{resource_id}' is at version {version}, not {expected}.")
