"""The resources port of :class:`~scimcore.store.memory.MemoryStore` (RFC 7643 documents, RFC 7644 §3).

Adding or removing members costs O(members changed) and listing a group without members never touches them;
a filter an index can narrow reads only its candidates, and any other filter runs through the shared
in-Python query path (:mod:`scimcore.store.scan`).

Owns: get, search, create, replace, change_members, delete and the reverse look-ups, under the store's lock.
Must not: deliver events (it appends them to the outbox with the change) or keep directory records.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from scimcore.codec import pack, unpack
from scimcore.errors import NotFound, PreconditionFailed, Uniqueness
from scimcore.events import Event
from scimcore.filter.ast import Compare, Expr, mentions
from scimcore.filter.sort import sort_documents
from scimcore.schema.folding import TextKey, text_key
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store import scan
from scimcore.store.memory.tables import (
    MEMBERS,
    DirectoryTables,
    IndexKey,
    Member,
    Table,
    holders_of,
    index_lookup,
    norm,
    pack_member,
    path_key,
)
from scimcore.store.ports import (
    DEFAULT_DIRECTORY,
    SUMMARY_KEYS,
    DeleteEvents,
    Document,
    MemberEvents,
    MemberRef,
    Page,
    Query,
    cursor_page,
    unique_attributes,
)


class MemoryResources:
    """Resources in process memory; composed into :class:`~scimcore.store.memory.MemoryStore`."""

    _lock: threading.RLock
    _dirs: dict[str, DirectoryTables]

    _append_events: Callable[[str, Iterable[Event]], None]  # the outbox part of the composed store

    def _forget_resources(self, directory: str) -> None:
        """Drop every resource and membership of ``directory`` (its deletion)."""
        self._dirs.pop(directory, None)

    # -- internals ----------------------------------------------------------------------------------
    def _table(self, rtype: ResourceTypeDef, directory: str) -> Table:
        dir_ = self._dirs.get(directory)
        if dir_ is None:
            dir_ = self._dirs[directory] = DirectoryTables()
        table = dir_.tables.get(rtype.name)
        if table is None:
            table = dir_.tables[rtype.name] = Table()
            keys: list[tuple[IndexKey, TextKey | None]] = [
                ((None, a.name, None), text_key(a)) for a in unique_attributes(rtype)
            ]
            for name in ("externalId", "displayName"):
                attr = rtype.attr(name)
                if attr is not None:
                    keys.append(((None, attr.name, None), text_key(attr)))
            emails = rtype.attr("emails")
            email_value = emails.sub("value") if emails is not None else None
            if emails is not None and email_value is not None:
                keys.append(((None, emails.name, "value"), text_key(email_value)))
            for key, text in keys:
                table.indexes.setdefault(key, {})
                table.text_keys[key] = text
        return table

    @staticmethod
    def _index_values(doc: Mapping[str, Any] | None, key: IndexKey, text: TextKey | None) -> set[Any]:
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
        return {norm(item, text) for item in items if isinstance(item, str | int | bool)}

    def _check_unique(self, rtype: ResourceTypeDef, table: Table, doc: Mapping[str, Any]) -> None:
        for attr in unique_attributes(rtype):
            value = doc.get(attr.name)
            if value is None:
                continue
            holders = holders_of(table.indexes[(None, attr.name, None)], norm(value, text_key(attr)))
            if any(holder != doc["id"] for holder in holders):
                raise Uniqueness(f"A {rtype.name} with {attr.name} '{value}' already exists.")

    def _reindex(
        self, table: Table, rid: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
    ) -> None:
        """Move ``rid`` in every index from the values of ``before`` to those of ``after`` (only what changed)."""
        for key, index in table.indexes.items():
            text = table.text_keys[key]
            old = self._index_values(before, key, text)
            new = self._index_values(after, key, text)
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

    def _link(self, dir_: DirectoryTables, rtype: ResourceTypeDef, gid: str, values: Iterable[str], add: bool) -> None:
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
        return body, {m["value"]: pack_member(m) for m in members if isinstance(m, dict) and "value" in m}

    @staticmethod
    def _render(table: Table, doc: Document, omit: frozenset[str]) -> Document:
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
            start = scan.start_of(query)
            if query.filter is None:
                ids = table.in_order()
                if query.sort_by is not None:
                    key = (path_key(query.sort_by), query.descending)
                    cached = table.sorted_by.get(key)
                    if cached is None:
                        cached = table.sorted_by[key] = self._sorted_ids(table, ids, query.sort_by, query.descending)
                    ids = cached
                total = len(ids)
                stop = total if query.count is None else start + max(query.count, 0)
                docs = [self._render(table, unpack(table.rows[rid]), query.omit) for rid in ids[start:stop]]
                return self._with_groups(query, directory, cursor_page(query, total, start, docs))
            needs_members = mentions(query.filter, MEMBERS)
            needs_groups = rtype.attr("groups") is not None and mentions(query.filter, "groups")
            dir_ = self._dirs.get(directory)

            def view(doc: Document) -> Document:
                if needs_members and table.members.get(doc["id"]):
                    doc = {**doc, MEMBERS: table.member_docs(doc["id"])}
                if needs_groups and dir_ is not None:
                    doc = {**doc, "groups": [{"value": gid} for gid in dir_.member_of.get(doc["id"], {})]}
                return doc

            candidates = (unpack(table.rows[rid]) for rid in self._candidates(table, query.filter))
            matched = scan.matching(candidates, query, view)
            found = scan.page_of(query, matched, lambda docs: [self._render(table, d, query.omit) for d in docs])
            return self._with_groups(query, directory, found)

    def _with_groups(self, query: Query, directory: str, page: Page) -> Page:
        """The page with the groups of its resources when the query asks for them (under the lock)."""
        if not query.with_groups or not page.resources:
            return page
        dir_ = self._dirs[directory]
        return replace(page, groups={doc["id"]: self._groups_of(dir_, doc["id"]) for doc in page.resources})

    @staticmethod
    def _sorted_ids(table: Table, ids: list[str], sort_by: Any, descending: bool) -> list[str]:
        docs = [unpack(table.rows[rid]) for rid in ids]
        key_of = {id(doc): rid for doc, rid in zip(docs, ids, strict=True)}
        return [key_of[id(doc)] for doc in sort_documents(docs, sort_by, descending)]

    def _candidates(self, table: Table, expr: Expr | None) -> Iterable[str]:
        lookup = index_lookup(expr, table.indexes.keys()) if expr is not None else None
        if lookup is not None:
            key, op, value = lookup
            index = table.indexes[key]
            wanted = norm(value, table.text_keys[key])
            if op == "eq":
                ids: Iterable[str] = holders_of(index, wanted)
            else:
                # A substring term scans the index's distinct values, not the documents; the filter is
                # still evaluated on every candidate afterwards, so this only narrows.
                test = {"co": str.__contains__, "sw": str.startswith, "ew": str.endswith}[op]
                ids = {i for k in index if isinstance(k, str) and test(k, wanted) for i in holders_of(index, k)}
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
                    members[value] = pack_member(item)
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

    def _current(self, rtype: ResourceTypeDef, table: Table, resource_id: str, expected: str | None) -> Document:
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

    def get_with_groups(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        *,
        directory: str = DEFAULT_DIRECTORY,
        omit: frozenset[str] = frozenset(),
    ) -> tuple[Document, list[MemberRef]] | None:
        """:meth:`get` and :meth:`groups_of` of one resource, under one hold of the lock."""
        with self._lock:
            found = self.get(rtype, resource_id, directory=directory, omit=omit)
            return None if found is None else (found, self.groups_of(resource_id, directory=directory))

    def groups_of(self, member_id: str, *, directory: str = DEFAULT_DIRECTORY) -> list[MemberRef]:
        """The groups listing ``member_id``, in the order they were joined."""
        with self._lock:
            dir_ = self._dirs.get(directory)
            return [] if dir_ is None else self._groups_of(dir_, member_id)

    @staticmethod
    def _groups_of(dir_: DirectoryTables, member_id: str) -> list[MemberRef]:
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

    def summaries_of(self, ids: Iterable[str], *, directory: str = DEFAULT_DIRECTORY) -> dict[str, dict[str, Any]]:
        """Each stored id's type and :data:`~scimcore.store.ports.SUMMARY_KEYS`, under one hold of the lock."""
        with self._lock:
            dir_ = self._dirs.get(directory)
            found: dict[str, dict[str, Any]] = {}
            if dir_ is None:
                return found
            for rid in ids:
                for name, table in dir_.tables.items():
                    doc = table.load(rid) if rid in table.rows else None
                    if doc is not None:
                        found[rid] = {"id": rid, "type": name, **{k: doc[k] for k in SUMMARY_KEYS if doc.get(k)}}
                        break
            return found

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

