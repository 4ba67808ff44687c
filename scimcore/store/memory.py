"""The in-memory reference store: thread-safe, indexed, and the store test suites use.

Each document is kept as one compact JSON row (:mod:`scimcore.codec`), about the size of the JSON the client
sent, and decoded afresh for every read, so callers always receive their own copy and nothing they change
reaches the store.  Group memberships live beside the rows in insertion-ordered maps (a plain member is kept
as its ``type`` alone), with a reverse index from member to groups, so adding or removing members costs
O(members changed) and listing a group without members never touches them.  Equality and substring lookups on
``id``, unique attributes, ``externalId``, ``displayName`` and ``emails.value`` use hash indexes whose entries
hold a single id until a second resource shares the value; a filter on any other attribute decodes every row.
Event data waits as compact JSON too, until it is read.

This module does no I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from scimcore.codec import pack, unpack
from scimcore.directories import Directory, TokenRecord
from scimcore.errors import InvalidCursor, NotFound, PreconditionFailed, Uniqueness
from scimcore.events import Event, StoredEvent
from scimcore.filter.ast import And, Compare, Expr
from scimcore.filter.evaluate import compile_predicate
from scimcore.filter.sort import sort_documents
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store.port import (
    DEFAULT_DIRECTORY,
    DeleteEvents,
    Document,
    MemberEvents,
    MemberRef,
    Page,
    Query,
    cursor_page,
    offset_position,
    unique_attributes,
)

MEMBERS = "members"


IndexKey = tuple[str | None, str, str | None]  # (extension, attribute, sub-attribute)
Holders = str | set[str]  # the one id holding an index value, or the set of them when several do
Member = str | dict[str, Any]  # a member as its ``type`` alone (the common case), or the whole member


@dataclass(slots=True)
class _Table:
    rows: dict[str, bytes] = field(default_factory=dict)  # id -> compact JSON of the document without members
    members: dict[str, dict[str, Member]] = field(default_factory=dict)
    indexes: dict[IndexKey, dict[Any, Holders]] = field(default_factory=dict)
    case_exact: dict[IndexKey, bool] = field(default_factory=dict)
    seq: dict[str, int] = field(default_factory=dict)  # insertion number of each id, for stable order
    next_seq: int = 0
    order: list[str] | None = None  # ids in insertion order; rebuilt after a write
    sorted_by: dict[tuple[str, bool], list[str]] = field(default_factory=dict)  # sorted ids per write

    def changed(self) -> None:
        """Forget derived orderings after a write."""
        self.order = None
        self.sorted_by.clear()

    def in_order(self) -> list[str]:
        """Every id in insertion order (cached until the next write)."""
        if self.order is None:
            self.order = list(self.rows)
        return self.order

    def load(self, resource_id: str) -> Document | None:
        """A fresh decoded copy of the document with ``resource_id``, or ``None``."""
        row = self.rows.get(resource_id)
        return None if row is None else unpack(row)

    def member_docs(self, resource_id: str) -> list[dict[str, Any]]:
        """The members of a group as SCIM member objects, in the order they joined."""
        return [_unpack_member(value, member) for value, member in self.members.get(resource_id, {}).items()]


def _pack_member(item: Mapping[str, Any]) -> Member:
    """A member kept as its ``type`` string when it carries nothing but ``value`` and ``type``."""
    kind = item.get("type")
    if len(item) == 2 and isinstance(kind, str) and kind:
        return kind
    if len(item) == 1:
        return ""
    return {k: v for k, v in item.items() if k != "value"}


def _unpack_member(value: str, member: Member) -> dict[str, Any]:
    if isinstance(member, str):
        return {"value": value, "type": member} if member else {"value": value}
    return {"value": value, **member}


def _holders(index: Mapping[Any, Holders], value: Any) -> Iterable[str]:
    found = index.get(value)
    if found is None:
        return ()
    return (found,) if isinstance(found, str) else found


@dataclass(slots=True)
class _Directory:
    tables: dict[str, _Table] = field(default_factory=dict)
    member_of: dict[str, dict[str, str]] = field(default_factory=dict)  # member id -> {group id: rtype}


def _norm(value: Any, case_exact: bool) -> Any:
    return value.lower() if isinstance(value, str) and not case_exact else value


class MemoryStore:
    """A :class:`~scimcore.store.port.Store` kept in process memory, for tests and single processes."""

    blocking = False

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._dirs: dict[str, _Directory] = {}
        self._directories: dict[str, Directory] = {}
        self._tokens: dict[str, TokenRecord] = {}
        self._events: list[_EventRow | None] = []  # index seq - 1; None once its directory is deleted

    # -- outbox -------------------------------------------------------------------------------------
    def _append_events(self, directory: str, events: Iterable[Event]) -> None:
        """Called under the lock, together with the change the events describe."""
        target = self._directories.get(directory)
        pending = bool(target and target.webhook_url)
        for event in events:
            # The event is kept without its data, which waits as compact JSON until it is read.
            head = replace(event, data=_NO_DATA)
            self._events.append(
                _EventRow(len(self._events) + 1, head, pack(event.data), "pending" if pending else "stored")
            )

    def claim_events(
        self, now: float, limit: int, lease_seconds: float, *, exclude: Collection[str] = ()
    ) -> list[StoredEvent]:
        """Lease due pending events, at most the oldest undelivered one per resource key, none of ``exclude``."""
        left_out = frozenset(exclude)
        with self._lock:
            blocked: set[tuple[str, str]] = set()
            claimed: list[StoredEvent] = []
            for row in self._events:
                if row is None or row.status != "pending":
                    continue
                if row.event.directory_id in left_out:
                    continue
                key = (row.event.directory_id, row.event.resource_key)
                if key in blocked:
                    continue
                blocked.add(key)
                if row.retry_at > now or row.locked_until > now:
                    continue
                row.locked_until = now + lease_seconds
                claimed.append(row.stored())
                if len(claimed) >= limit:
                    break
            return claimed

    def mark_delivered(self, seq: int) -> None:
        """Record a successful delivery."""
        with self._lock:
            row = self._events[seq - 1]
            if row is None:
                return
            row.status, row.locked_until, row.attempts = "delivered", 0.0, row.attempts + 1

    def mark_failed(self, seq: int, error: str, retry_at: float | None) -> None:
        """Record a failed attempt; without ``retry_at`` the event is dead-lettered."""
        with self._lock:
            row = self._events[seq - 1]
            if row is None:
                return
            row.attempts += 1
            row.last_error = error
            row.locked_until = 0.0
            if retry_at is None:
                row.status = "dead"
            else:
                row.retry_at = retry_at

    def list_events(
        self, directory: str, *, since: int = 0, limit: int = 100, status: str | None = None
    ) -> list[StoredEvent]:
        """Events of ``directory`` after sequence number ``since``, oldest first."""
        with self._lock:
            rows = (
                r for r in self._events[since:]
                if r is not None and r.event.directory_id == directory and (status is None or r.status == status)
            )
            out = []
            for row in rows:
                out.append(row.stored())
                if len(out) >= limit:
                    break
            return out

    def requeue_events(self, directory: str, *, since_time: str) -> int:
        """Queue every event of ``directory`` from ``since_time`` on for delivery again."""
        with self._lock:
            count = 0
            for row in self._events:
                if row is not None and row.event.directory_id == directory and row.event.occurred_at >= since_time:
                    row.status, row.retry_at, row.locked_until = "pending", 0.0, 0.0
                    count += 1
            return count

    # -- directories --------------------------------------------------------------------------------
    def save_directory(self, directory: Directory) -> None:
        """Insert or update a directory."""
        with self._lock:
            self._directories[directory.id] = directory

    def get_directory(self, directory_id: str) -> Directory | None:
        """The directory with ``directory_id``, or ``None``."""
        return self._directories.get(directory_id)

    def list_directories(self) -> list[Directory]:
        """Every directory in creation order."""
        with self._lock:
            return list(self._directories.values())

    def delete_directory(self, directory_id: str) -> None:
        """Forget a directory, its tokens, resources and events."""
        with self._lock:
            self._directories.pop(directory_id, None)
            self._dirs.pop(directory_id, None)
            for digest in [d for d, t in self._tokens.items() if t.directory_id == directory_id]:
                del self._tokens[digest]
            for index, row in enumerate(self._events):
                if row is not None and row.event.directory_id == directory_id:
                    self._events[index] = None

    def add_token(self, record: TokenRecord) -> None:
        """Keep a token digest."""
        with self._lock:
            self._tokens[record.digest] = record

    def revoke_tokens(self, directory_id: str, keep: str | None = None) -> int:
        """Revoke the directory's tokens except ``keep``."""
        with self._lock:
            count = 0
            for digest, record in list(self._tokens.items()):
                if record.directory_id == directory_id and digest != keep and not record.revoked:
                    self._tokens[digest] = TokenRecord(record.digest, record.directory_id, record.created, True)
                    count += 1
            return count

    def find_token(self, digest: str) -> TokenRecord | None:
        """The live token with ``digest``."""
        record = self._tokens.get(digest)
        return record if record is not None and not record.revoked else None

    # -- internals ----------------------------------------------------------------------------------
    def _table(self, rtype: ResourceTypeDef, directory: str) -> _Table:
        dir_ = self._dirs.get(directory)
        if dir_ is None:
            dir_ = self._dirs[directory] = _Directory()
        table = dir_.tables.get(rtype.name)
        if table is None:
            table = dir_.tables[rtype.name] = _Table()
            keys: list[tuple[IndexKey, bool]] = [((None, a.name, None), a.case_exact) for a in unique_attributes(rtype)]
            for name in ("externalId", "displayName"):
                attr = rtype.attr(name)
                if attr is not None:
                    keys.append(((None, attr.name, None), attr.case_exact))
            emails = rtype.attr("emails")
            if emails is not None and emails.sub("value") is not None:
                keys.append(((None, emails.name, "value"), emails.sub("value").case_exact))  # type: ignore[union-attr]
            for key, case_exact in keys:
                table.indexes.setdefault(key, {})
                table.case_exact[key] = case_exact
        return table

    @staticmethod
    def _index_values(doc: Mapping[str, Any] | None, key: IndexKey, case_exact: bool) -> set[Any]:
        if doc is None:
            return set()
        extension, name, sub = key
        container = doc if extension is None else doc.get(extension) or {}
        value = container.get(name)
        if value is None:
            return set()
        items = value if isinstance(value, list) else [value]
        if sub is not None:
            items = [item.get(sub) for item in items if isinstance(item, dict)]
        return {_norm(item, case_exact) for item in items if isinstance(item, str | int | bool)}

    def _check_unique(self, rtype: ResourceTypeDef, table: _Table, doc: Mapping[str, Any]) -> None:
        for attr in unique_attributes(rtype):
            value = doc.get(attr.name)
            if value is None:
                continue
            holders = _holders(table.indexes[(None, attr.name, None)], _norm(value, attr.case_exact))
            if any(holder != doc["id"] for holder in holders):
                raise Uniqueness(f"A {rtype.name} with {attr.name} '{value}' already exists.")

    def _reindex(
        self, table: _Table, rid: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
    ) -> None:
        """Move ``rid`` in every index from the values of ``before`` to those of ``after`` (only what changed)."""
        for key, index in table.indexes.items():
            case_exact = table.case_exact[key]
            old = self._index_values(before, key, case_exact)
            new = self._index_values(after, key, case_exact)
            if old == new:
                continue
            for value in old - new:
                holders = index.get(value)
                if holders is None:
                    continue
                if isinstance(holders, str):
                    if holders == rid:
                        del index[value]
                    continue
                holders.discard(rid)
                if len(holders) == 1:
                    index[value] = next(iter(holders))
                elif not holders:
                    del index[value]
            for value in new - old:
                holders = index.get(value)
                if holders is None:
                    index[value] = rid
                elif isinstance(holders, set):
                    holders.add(rid)
                elif holders != rid:
                    index[value] = {holders, rid}

    def _link(self, dir_: _Directory, rtype: ResourceTypeDef, gid: str, values: Iterable[str], add: bool) -> None:
        for value in values:
            if add:
                dir_.member_of.setdefault(value, {})[gid] = rtype.name
            else:
                groups = dir_.member_of.get(value)
                if groups is not None:
                    groups.pop(gid, None)
                    if not groups:
                        del dir_.member_of[value]

    @staticmethod
    def _split_members(rtype: ResourceTypeDef, doc: Document) -> tuple[Document, dict[str, Member] | None]:
        if rtype.attr(MEMBERS) is None:
            return doc, None
        body = dict(doc)
        members = body.pop(MEMBERS, None) or []
        return body, {m["value"]: _pack_member(m) for m in members if isinstance(m, dict) and "value" in m}

    @staticmethod
    def _render(table: _Table, doc: Document, omit: frozenset[str]) -> Document:
        """Finish a freshly decoded document for a caller: drop ``omit``, add the members."""
        for key in omit:
            doc.pop(key, None)
        if MEMBERS not in omit and table.members.get(doc["id"]):
            doc[MEMBERS] = table.member_docs(doc["id"])
        return doc

    # -- port ---------------------------------------------------------------------------------------
    def get(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        omit: frozenset[str] = frozenset(),
    ) -> Document | None:
        """The document with ``resource_id`` (a copy), or ``None``."""
        with self._lock:
            table = self._table(rtype, directory)
            doc = table.load(resource_id)
            return None if doc is None else self._render(table, doc, omit)

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = DEFAULT_DIRECTORY) -> Page:
        """Filter, sort and page; ``total`` counts every match (RFC 7644 §3.4.2.4).

        Without a filter and sort a page costs O(page); equality on an indexed attribute costs O(matches);
        a sort is computed once per write and reused by later pages.
        """
        with self._lock:
            table = self._table(rtype, directory)
            try:
                start = offset_position(query)
            except ValueError:
                raise InvalidCursor(f"Cursor position {query.after!r} is not one this store issued.") from None
            if query.filter is None:
                ids = table.in_order()
                if query.sort_by is not None:
                    key = (_path_key(query.sort_by), query.descending)
                    cached = table.sorted_by.get(key)
                    if cached is None:
                        cached = table.sorted_by[key] = self._sorted_ids(table, ids, query.sort_by, query.descending)
                    ids = cached
                total = len(ids)
                stop = total if query.count is None else start + max(query.count, 0)
                page = [self._render(table, unpack(table.rows[rid]), query.omit) for rid in ids[start:stop]]
                return self._with_groups(query, directory, cursor_page(query, total, start, page))
            predicate = compile_predicate(query.filter)
            needs_members = _mentions(query.filter, MEMBERS)
            matched: list[Document] = []
            for rid in self._candidates(table, query.filter):
                doc = unpack(table.rows[rid])
                members = table.members.get(rid) if needs_members else None
                if predicate({**doc, MEMBERS: table.member_docs(rid)} if members else doc):
                    matched.append(doc)
            if query.sort_by is not None:
                matched = sort_documents(matched, query.sort_by, query.descending)
            total = len(matched)
            stop = total if query.count is None else start + max(query.count, 0)
            page = [self._render(table, doc, query.omit) for doc in matched[start:stop]]
            return self._with_groups(query, directory, cursor_page(query, total, start, page))

    def _with_groups(self, query: Query, directory: str, page: Page) -> Page:
        """The page with the groups of its resources when the query asks for them (under the lock)."""
        if not query.with_groups or not page.resources:
            return page
        dir_ = self._dirs[directory]
        return replace(page, groups={doc["id"]: self._groups_of(dir_, doc["id"]) for doc in page.resources})

    @staticmethod
    def _sorted_ids(table: _Table, ids: list[str], sort_by: Any, descending: bool) -> list[str]:
        docs = [unpack(table.rows[rid]) for rid in ids]
        key_of = {id(doc): rid for doc, rid in zip(docs, ids, strict=True)}
        return [key_of[id(doc)] for doc in sort_documents(docs, sort_by, descending)]

    def _candidates(self, table: _Table, expr: Expr | None) -> Iterable[str]:
        lookup = _index_lookup(expr, table.indexes.keys()) if expr is not None else None
        if lookup is not None:
            key, op, value = lookup
            index = table.indexes[key]
            wanted = _norm(value, table.case_exact[key])
            if op == "eq":
                ids: Iterable[str] = _holders(index, wanted)
            else:
                # A substring term scans the index's distinct values, not the documents; the filter is
                # still evaluated on every candidate afterwards, so this only narrows.
                test = {"co": str.__contains__, "sw": str.startswith, "ew": str.endswith}[op]
                ids = {i for k in index if isinstance(k, str) and test(k, wanted) for i in _holders(index, k)}
            return sorted((i for i in ids if i in table.rows), key=table.seq.__getitem__)
        if expr is not None and isinstance(expr, Compare) and expr.op == "eq" and expr.path.attr.name == "id":
            rid = str(expr.value)
            return [rid] if rid in table.rows else []
        return table.in_order()

    def create(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: Sequence[Event] = (),
    ) -> None:
        """Store a new document (its ``id`` and ``meta`` already set) and its events."""
        with self._lock:
            table = self._table(rtype, directory)
            rid = doc["id"]
            if rid in table.rows:
                raise Uniqueness(f"A {rtype.name} with id '{rid}' already exists.")
            self._check_unique(rtype, table, doc)
            body, members = self._split_members(rtype, doc)
            table.rows[rid] = pack(body)
            table.seq[rid] = table.next_seq
            table.next_seq += 1
            table.changed()
            self._reindex(table, rid, None, body)
            if members is not None:
                table.members[rid] = members
                self._link(self._dirs[directory], rtype, rid, members, True)
            self._append_events(directory, events)

    def replace(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        expected_version: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        events: Sequence[Event] = (),
    ) -> None:
        """Replace a document if its version is still ``expected_version``, with its events."""
        with self._lock:
            table = self._table(rtype, directory)
            rid = doc["id"]
            current = self._current(rtype, table, rid, expected_version)
            self._check_unique(rtype, table, doc)
            body, members = self._split_members(rtype, doc)
            table.rows[rid] = pack(body)
            table.changed()
            self._reindex(table, rid, current, body)
            if members is not None:
                dir_ = self._dirs[directory]
                old = table.members.get(rid, {})
                self._link(dir_, rtype, rid, [v for v in old if v not in members], False)
                self._link(dir_, rtype, rid, [v for v in members if v not in old], True)
                table.members[rid] = members
            self._append_events(directory, events)

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
        with self._lock:
            table = self._table(rtype, directory)
            current = self._current(rtype, table, resource_id, expected_version)
            members = table.members.setdefault(resource_id, {})
            removed = [v for v in dict.fromkeys(remove) if v in members]
            for value in removed:
                del members[value]
            added: list[str] = []
            for item in add:
                value = item["value"]
                if value not in members:
                    members[value] = _pack_member(item)
                    added.append(value)
            dir_ = self._dirs[directory]
            self._link(dir_, rtype, resource_id, [v for v in removed if v not in members], False)
            self._link(dir_, rtype, resource_id, added, True)
            if added or removed:
                current["meta"] = dict(next_meta(current["meta"]))
                table.rows[resource_id] = pack(current)
                table.changed()
                if events is not None:
                    self._append_events(directory, events(added, removed, current))
            return added, removed

    def _current(self, rtype: ResourceTypeDef, table: _Table, resource_id: str, expected: str | None) -> Document:
        current = table.load(resource_id)
        if current is None:
            raise NotFound(f"{rtype.name} '{resource_id}' not found.")
        if expected is not None and current["meta"]["version"] != expected:
            raise PreconditionFailed(
                f"{rtype.name} '{resource_id}' is at version {current['meta']['version']}, not {expected}."
            )
        return current

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
        """Delete a document and every membership that mentions it; return the groups it left."""
        with self._lock:
            table = self._table(rtype, directory)
            current = self._current(rtype, table, resource_id, expected_version)
            dir_ = self._dirs[directory]
            self._reindex(table, resource_id, current, None)
            del table.rows[resource_id]
            del table.seq[resource_id]
            table.changed()
            own = table.members.pop(resource_id, None)
            if own:
                self._link(dir_, rtype, resource_id, own, False)
            left: list[MemberRef] = []
            for gid, gtype in dir_.member_of.pop(resource_id, {}).items():
                group_table = dir_.tables[gtype]
                group_members = group_table.members.get(gid)
                if group_members is not None:
                    group_members.pop(resource_id, None)
                group = group_table.load(gid)
                if group is not None:
                    left.append(MemberRef(gid, group.get("displayName")))
                    if next_meta is not None:
                        group["meta"] = dict(next_meta(group["meta"]))
                        group_table.rows[gid] = pack(group)
                        group_table.changed()
            if events is not None:
                self._append_events(directory, events(current, left))
            return left

    def groups_of(self, member_id: str, *, directory: str = DEFAULT_DIRECTORY) -> list[MemberRef]:
        """The groups listing ``member_id``, in the order they were joined."""
        with self._lock:
            dir_ = self._dirs.get(directory)
            return [] if dir_ is None else self._groups_of(dir_, member_id)

    @staticmethod
    def _groups_of(dir_: _Directory, member_id: str) -> list[MemberRef]:
        out = []
        for gid, gtype in dir_.member_of.get(member_id, {}).items():
            doc = dir_.tables[gtype].load(gid)
            if doc is not None:
                out.append(MemberRef(gid, doc.get("displayName")))
        return out

    def groups_of_many(
        self, member_ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY
    ) -> dict[str, list[MemberRef]]:
        """The groups of each of ``member_ids``."""
        with self._lock:
            return {m: self.groups_of(m, directory=directory) for m in member_ids}

    def resource_types_of(self, ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY) -> dict[str, str]:
        """For each of ``ids`` stored in ``directory``, the name of its resource type."""
        with self._lock:
            dir_ = self._dirs.get(directory)
            found: dict[str, str] = {}
            if dir_ is None:
                return found
            for rid in ids:
                for name, table in dir_.tables.items():
                    if rid in table.rows:
                        found[rid] = name
                        break
            return found

    def clear(self) -> None:
        """Forget everything (test helper)."""
        with self._lock:
            self._dirs.clear()
            self._directories.clear()
            self._tokens.clear()
            self._events.clear()


@dataclass(slots=True)
class _EventRow:
    seq: int
    event: Event  # without its data
    data: bytes
    status: str
    attempts: int = 0
    last_error: str | None = None
    retry_at: float = 0.0
    locked_until: float = 0.0

    def stored(self) -> StoredEvent:
        event = replace(self.event, data=unpack(self.data))
        return StoredEvent(self.seq, event, self.status, self.attempts, self.last_error)


_NO_DATA: Mapping[str, Any] = MappingProxyType({})


def _mentions(expr: Expr, attr_name: str) -> bool:
    from scimcore.filter.ast import Present, ValuePath, walk

    for node in walk(expr):
        if isinstance(node, Compare | Present) and node.path.attr.name == attr_name:
            return True
        if isinstance(node, ValuePath) and node.attr.name == attr_name:
            return True
    return False


def _index_lookup(expr: Expr | None, keys: Iterable[IndexKey]) -> tuple[IndexKey, str, str] | None:
    """An ``eq``/``co``/``sw``/``ew`` term on an indexed attribute that every match must satisfy, if any.

    ``eq`` terms are preferred (a hash look-up); substring terms narrow by scanning the index's keys.
    """
    available = set(keys)
    stack: list[Expr] = [expr] if expr is not None else []
    found: tuple[IndexKey, str, str] | None = None
    while stack:
        node = stack.pop()
        if isinstance(node, And):
            stack.extend((node.right, node.left))
        elif isinstance(node, Compare) and node.op in ("eq", "co", "sw", "ew") and isinstance(node.value, str):
            key = (node.path.extension, node.path.attr.name, node.path.sub.name if node.path.sub else None)
            if key in available:
                if node.op == "eq":
                    return key, "eq", node.value
                found = found or (key, node.op, node.value)
    return found


def _path_key(path: Any) -> str:
    return str(path)
