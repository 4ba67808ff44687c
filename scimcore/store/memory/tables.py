"""The in-memory tables behind :class:`~scimcore.store.memory.MemoryStore`'s resources port.

Each document is kept as one compact JSON row (:mod:`scimcore.codec`), about the size of the JSON the client
sent, and decoded afresh for every read, so callers always receive their own copy and nothing they change
reaches the store.  Group memberships live beside the rows in insertion-ordered maps (a plain member is kept
as its ``type`` alone), with a reverse index from member to groups.  Equality and substring lookups on
``id``, unique attributes, ``externalId``, ``displayName`` and ``emails.value`` use hash indexes whose entries
hold a single id until a second resource shares the value.

Owns: the table, index and membership structures and the choice of an index for a filter.
Must not: lock (the store does) or know about events or directories.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scimcore.codec import unpack
from scimcore.filter.ast import And, Compare, Expr
from scimcore.schema.folding import TextKey
from scimcore.store.ports import Document

MEMBERS = "members"


IndexKey = tuple[str | None, str, str | None]  # (extension, attribute, sub-attribute)
Holders = str | set[str]  # the one id holding an index value, or the set of them when several do
Member = str | dict[str, Any]  # a member as its ``type`` alone (the common case), or the whole member


@dataclass(slots=True)
class Table:
    """One resource type of one directory: rows, members, indexes and a cached insertion order."""

    rows: dict[str, bytes] = field(default_factory=dict)  # id -> compact JSON of the document without members
    members: dict[str, dict[str, Member]] = field(default_factory=dict)
    indexes: dict[IndexKey, dict[Any, Holders]] = field(default_factory=dict)
    text_keys: dict[IndexKey, TextKey | None] = field(default_factory=dict)  # how each index keys strings
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
        return [unpack_member(value, member) for value, member in self.members.get(resource_id, {}).items()]


def pack_member(item: Mapping[str, Any]) -> Member:
    """A member kept as its ``type`` string when it carries nothing but ``value`` and ``type``."""
    kind = item.get("type")
    if len(item) == 2 and isinstance(kind, str) and kind:
        return kind
    if len(item) == 1:
        return ""
    return {k: v for k, v in item.items() if k != "value"}


def unpack_member(value: str, member: Member) -> dict[str, Any]:
    """The member object of ``value`` as :func:`pack_member` kept it."""
    if isinstance(member, str):
        return {"value": value, "type": member} if member else {"value": value}
    return {"value": value, **member}


def holders_of(index: Mapping[Any, Holders], value: Any) -> Iterable[str]:
    """The ids an index entry holds (none, one or several)."""
    found = index.get(value)
    if found is None:
        return ()
    return (found,) if isinstance(found, str) else found


@dataclass(slots=True)
class DirectoryTables:
    """The tables of one directory and its reverse membership index."""

    tables: dict[str, Table] = field(default_factory=dict)
    member_of: dict[str, dict[str, str]] = field(default_factory=dict)  # member id -> {group id: rtype}


def norm(value: Any, key: TextKey | None) -> Any:
    """An index key: a string through its attribute's comparison key (:func:`scimcore.schema.folding.text_key`)."""
    return key(value) if isinstance(value, str) and key is not None else value




def index_lookup(expr: Expr | None, keys: Iterable[IndexKey]) -> tuple[IndexKey, str, str] | None:
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


def path_key(path: Any) -> str:
    """A hashable key for a sort path, for the cache of sorted orders."""
    return str(path)
