"""The store port: what the service needs from a place that keeps resources.

A store keeps canonical documents (see :mod:`scimcore.schema.documents`) per resource type and directory,
enforces uniqueness and optimistic concurrency, and keeps group memberships so that member changes cost
O(members changed).  It never sees HTTP, never renders responses and never decides protocol rules: ids,
timestamps and versions arrive already set by the service.

Every store — the shipped ones and yours — must pass the contract suite in :mod:`scimcore.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from scimcore.events import Event
from scimcore.filter.ast import Expr, Path
from scimcore.schema.registry import AttributeDef, ResourceTypeDef

Document = dict[str, Any]
DEFAULT_DIRECTORY = "default"

MemberEvents = Callable[[list[str], list[str], Document], Sequence[Event]]
"""Builds the events of a member change from (added, removed, the group's new document without members)."""

DeleteEvents = Callable[[Document, list["MemberRef"]], Sequence[Event]]
"""Builds the events of a deletion from (the deleted document, the groups it was removed from)."""


@dataclass(frozen=True, slots=True)
class Query:
    """A collection query (RFC 7644 §3.4.2): filter, sort and a page by index or by cursor.

    ``start_index`` is 1-based; ``count`` ``None`` means "no limit" and ``0`` asks only for the total.
    ``after`` asks for cursor paging (RFC 9865): ``""`` for the first page, otherwise a position the store
    returned as :attr:`Page.next_after`; ``start_index`` is ignored then.  ``omit`` names top-level
    attributes the caller will not return, so the store need not read them (``members`` above all).
    ``with_groups`` says the caller will render ``User.groups`` (RFC 7643 §4.1.2): a store that can read the
    groups of the page's resources along with the page (on the same connection, say) may return them as
    :attr:`Page.groups`.
    """

    filter: Expr | None = None
    sort_by: Path | None = None
    descending: bool = False
    start_index: int = 1
    count: int | None = None
    omit: frozenset[str] = field(default_factory=frozenset)
    after: str | None = None
    with_groups: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query: the number of matches overall and the documents of this page.

    For cursor queries ``next_after`` is the store's position after this page, or ``None`` on the last page;
    ``before`` is the position of the page before this one (``""`` for the first page), or ``None`` when
    this is the first page.  ``groups``, when not ``None``, holds the groups of every resource of the page
    (see :attr:`Query.with_groups`); ``None`` leaves the caller to ask :meth:`Store.groups_of_many`.
    """

    total: int
    resources: list[Document]
    next_after: str | None = None
    before: str | None = None
    groups: dict[str, list[MemberRef]] | None = None


def offset_position(query: Query) -> int:
    """The 0-based offset a query starts at: from its cursor position (``o:<n>``) or its start index."""
    if query.after is None:
        return max(query.start_index, 1) - 1
    if query.after == "":
        return 0
    kind, _, number = query.after.partition(":")
    if kind != "o" or not number.isdigit():
        raise ValueError(f"not a position: {query.after!r}")
    return int(number)


def cursor_page(query: Query, total: int, start: int, resources: list[Document]) -> Page:
    """A page with offset cursors (``o:<n>``) filled in when the query asked for cursor paging."""
    if query.after is None:
        return Page(total, resources)
    end = start + len(resources)
    following = f"o:{end}" if end < total and resources else None
    previous = None
    if start > 0:
        step = query.count if query.count else len(resources) or 1
        previous = f"o:{max(start - step, 0)}"
    return Page(total, resources, following, previous)


@dataclass(frozen=True, slots=True)
class MemberRef:
    """One group a member belongs to, for the computed ``User.groups`` (RFC 7643 §4.1.2)."""

    group_id: str
    display: str | None


@runtime_checkable
class Store(Protocol):
    """The storage port.  ``blocking`` tells async adapters to call it from a worker thread."""

    blocking: bool

    def get(
        self, rtype: ResourceTypeDef, resource_id: str, *, directory: str = ..., omit: frozenset[str] = ...
    ) -> Document | None:
        """The document with ``resource_id``, or ``None``; attributes in ``omit`` may be left out."""
        ...

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = ...) -> Page:
        """The documents matching ``query.filter``, sorted and paged; ``total`` counts every match."""
        ...

    def create(
        self, rtype: ResourceTypeDef, doc: Document, *, directory: str = ..., events: Sequence[Event] = ...
    ) -> None:
        """Store a new document; raise :class:`~scimcore.errors.Uniqueness` when a unique value is taken.

        ``events`` go to the outbox in the same transaction: all of it happens, or none.
        """
        ...

    def replace(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        expected_version: str,
        *,
        directory: str = ...,
        events: Sequence[Event] = ...,
    ) -> None:
        """Replace the document with ``doc["id"]`` if its version is still ``expected_version``.

        Raise :class:`~scimcore.errors.NotFound` if it is gone, :class:`~scimcore.errors.PreconditionFailed`
        if the version moved on, :class:`~scimcore.errors.Uniqueness` if a unique value is taken.
        """
        ...

    def change_members(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        add: Iterable[Mapping[str, Any]],
        remove: Iterable[str],
        next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        expected_version: str | None,
        *,
        directory: str = ...,
        events: MemberEvents | None = ...,
    ) -> tuple[list[str], list[str]]:
        """Add and remove group members in O(changed); return the (added, removed) member values.

        Members already present are not added again, absent ones not removed.  When something changed, the
        document's ``meta`` becomes ``next_meta(current meta)``, computed while the group is locked, so
        concurrent member changes without ``If-Match`` never conflict; when nothing changed, the document
        and its ``meta`` stay as they are.  ``expected_version`` (from ``If-Match``) is checked when given.
        """
        ...

    def delete(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        expected_version: str | None,
        *,
        directory: str = ...,
        next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = ...,
        events: DeleteEvents | None = ...,
    ) -> list[MemberRef]:
        """Delete a document and every membership that points at it; return the groups it was removed from.

        Each such group's ``meta`` becomes ``next_meta(its meta)`` in the same transaction, so its version
        moves on with its member list (RFC 7644 §3.14).
        """
        ...

    def groups_of(self, member_id: str, *, directory: str = ...) -> list[MemberRef]:
        """The groups that list ``member_id`` among their members."""
        ...

    def groups_of_many(self, member_ids: Iterable[str], *, directory: str = ...) -> dict[str, list[MemberRef]]:
        """:meth:`groups_of` for many members at once (a page of users); every id gets an entry."""
        ...

    def resource_types_of(self, ids: Iterable[str], *, directory: str = ...) -> dict[str, str]:
        """For each of ``ids`` that names a stored resource, the name of its resource type."""
        ...


def unique_attributes(rtype: ResourceTypeDef) -> list[AttributeDef]:
    """Top-level core attributes a store must keep unique per directory (``uniqueness`` server/global)."""
    return [
        attr
        for attr in rtype.schema.attributes.values()
        if attr.uniqueness in ("server", "global") and not attr.multi_valued and not attr.is_complex
    ]
