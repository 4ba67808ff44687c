"""The host application's read API: a directory's users, groups, memberships and events, in Python.

This is what an application uses next to (or instead of) webhooks: it reads the same store the SCIM
endpoints write, scoped to one directory, and returns SCIM JSON documents.  It never writes.
"""

from __future__ import annotations

from typing import Any

from scimcore.events import StoredEvent
from scimcore.filter.parser import parse_filter
from scimcore.render import Projection, render_resource
from scimcore.schema.registry import SchemaRegistry
from scimcore.store.port import DEFAULT_DIRECTORY, Page, Query, Store
from scimcore.store.ports import EventLog


class DirectoryReader:
    """Read one directory: ``DirectoryReader(store, "dir-id").users(filter='active eq true')``."""

    def __init__(
        self,
        store: Store,
        directory: str = DEFAULT_DIRECTORY,
        *,
        registry: SchemaRegistry | None = None,
        base_url: str = "",
    ) -> None:
        self.store = store
        self.directory = directory
        self.registry = registry or SchemaRegistry.default()
        self.base_url = base_url

    def _list(self, type_name: str, filter: str | None, start: int, count: int, members: bool) -> Page:
        rtype = self.registry.resource_type(type_name)
        omit = frozenset() if members else frozenset({"members"})
        query = Query(parse_filter(filter, rtype) if filter else None, start_index=start, count=count, omit=omit)
        page = self.store.search(rtype, query, directory=self.directory)
        return Page(page.total, [self._render(type_name, d) for d in page.resources])

    def _render(self, type_name: str, doc: dict[str, Any]) -> dict[str, Any]:
        return render_resource(self.registry.resource_type(type_name), doc, self.base_url, Projection())

    def users(self, filter: str | None = None, *, start: int = 1, count: int = 100) -> Page:
        """A page of users, optionally filtered with a SCIM filter (RFC 7644 §3.4.2.2)."""
        return self._list("User", filter, start, count, False)

    def groups(
        self, filter: str | None = None, *, start: int = 1, count: int = 100, members: bool = False
    ) -> Page:
        """A page of groups; ``members=True`` includes their member lists."""
        return self._list("Group", filter, start, count, members)

    def user(self, user_id: str) -> dict[str, Any] | None:
        """One user, or ``None``."""
        doc = self.store.get(self.registry.resource_type("User"), user_id, directory=self.directory)
        return self._render("User", doc) if doc is not None else None

    def group(self, group_id: str, *, members: bool = True) -> dict[str, Any] | None:
        """One group, with its members unless ``members=False``, or ``None``."""
        omit = frozenset() if members else frozenset({"members"})
        doc = self.store.get(self.registry.resource_type("Group"), group_id, directory=self.directory, omit=omit)
        return self._render("Group", doc) if doc is not None else None

    def members(self, group_id: str) -> list[dict[str, Any]]:
        """The members of a group as ``{"value", "type", "display"?}`` items."""
        doc = self.store.get(self.registry.resource_type("Group"), group_id, directory=self.directory)
        return list(doc.get("members") or []) if doc is not None else []

    def groups_of(self, user_id: str) -> list[dict[str, Any]]:
        """The groups a user belongs to, as ``{"value", "display"}`` items."""
        return [
            {"value": ref.group_id, "display": ref.display}
            for ref in self.store.groups_of(user_id, directory=self.directory)
        ]

    def events(self, *, since: int = 0, limit: int = 100) -> list[StoredEvent]:
        """The directory's events after sequence number ``since``, oldest first (the event log)."""
        log = self.store if isinstance(self.store, EventLog) else None
        if log is None:
            raise TypeError("this store keeps no event log")
        return log.list_events(self.directory, since=since, limit=limit)
