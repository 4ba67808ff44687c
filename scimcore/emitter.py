"""Which events a change makes (see :mod:`scimcore.events`), decided from the documents before and after.

The service asks :class:`ChangeEvents` for the events of each write and hands them to the store, which writes
them in the same transaction as the change.  Rules: one event per real change; user and group events carry
the resource as SCIM JSON (groups without their member list, which membership events convey); a group
created with members adds one ``group.user_added`` per member; a deleted member leaves each of its groups
with a ``group.user_removed`` before its own ``*.deleted``.  Resource types other than User and Group make
no events.

:func:`store_member_info` wires the member look-up to a store (through its port, cached per request) and
:func:`notify` hands committed events to in-process subscribers.  :class:`UndeliveredEvents`, a subscriber
the adapters install, warns once when a directory's webhook events are written while no dispatcher runs in
the process (each :class:`~scimcore.dispatch.Dispatcher` registers itself with :func:`register_dispatcher`).
This module opens no connection and renders nothing itself: rendering is passed in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from scimcore import events as ev
from scimcore.schema.registry import ResourceTypeDef, SchemaRegistry
from scimcore.store.port import Document, MemberRef, Store
from scimcore.store.ports import SUMMARY_KEYS, DirectoryStore, MemberSummaries

logger = logging.getLogger("scimcore")

Render = Callable[[ResourceTypeDef, Document], dict[str, Any]]
MemberInfo = Callable[[list[str]], dict[str, dict[str, Any]]]


def group_ref(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The short form of a group inside membership events."""
    out = {"id": doc["id"], "displayName": doc.get("displayName")}
    if doc.get("externalId"):
        out["externalId"] = doc["externalId"]
    return out


class ChangeEvents:
    """Builds the events of creates, updates, member changes and deletes for one request."""

    def __init__(self, factory: ev.EventFactory, render: Render, member_info: MemberInfo) -> None:
        self.factory = factory
        self.render = render
        self.member_info = member_info

    def _resource(
        self, type_: str, rtype: ResourceTypeDef, doc: Document, changed: Sequence[str] = ()
    ) -> ev.Event:
        data = self.render(rtype, {k: v for k, v in doc.items() if k != "members"})
        return self.factory.make(type_, data, doc["id"], changed)

    def _membership(self, type_: str, group: Mapping[str, Any], member_ids: Sequence[str]) -> list[ev.Event]:
        if not member_ids:
            return []
        info = self.member_info(list(member_ids))
        ref = group_ref(group)
        return [self.factory.membership(type_, ref, info.get(m) or {"id": m}) for m in member_ids]

    def created(self, rtype: ResourceTypeDef, doc: Document) -> list[ev.Event]:
        """``user.created`` or ``group.created`` plus ``group.user_added`` per initial member."""
        kind = ev.kind_of(rtype.name)
        if kind is None:
            return []
        out = [self._resource(f"{kind}.created", rtype, doc)]
        if kind == "group":
            members = [m["value"] for m in doc.get("members") or []]
            out += self._membership(ev.GROUP_USER_ADDED, doc, members)
        return out

    def replaced(self, rtype: ResourceTypeDef, before: Document, after: Document) -> list[ev.Event]:
        """``*.updated`` when anything but members changed, and one membership event per member changed."""
        kind = ev.kind_of(rtype.name)
        if kind is None:
            return []
        out: list[ev.Event] = []
        strip = {"meta", "members"}
        names = [k for k in after if k not in strip] + [k for k in before if k not in strip and k not in after]
        changed = [k for k in names if before.get(k) != after.get(k)]
        if changed:
            out.append(self._resource(f"{kind}.updated", rtype, after, changed))
        if kind == "group":
            old = [m["value"] for m in before.get("members") or []]
            new = [m["value"] for m in after.get("members") or []]
            old_set, new_set = set(old), set(new)
            out += self._membership(ev.GROUP_USER_ADDED, after, [m for m in new if m not in old_set])
            out += self._membership(ev.GROUP_USER_REMOVED, after, [m for m in old if m not in new_set])
        return out

    def members_changed(self, group: Document, added: list[str], removed: list[str]) -> list[ev.Event]:
        """One ``group.user_added`` / ``group.user_removed`` per member really added or removed."""
        return self._membership(ev.GROUP_USER_ADDED, group, added) + self._membership(
            ev.GROUP_USER_REMOVED, group, removed
        )

    def deleted(self, rtype: ResourceTypeDef, doc: Document, left: list[MemberRef]) -> list[ev.Event]:
        """``group.user_removed`` for each group the resource left, then ``*.deleted``."""
        kind = ev.kind_of(rtype.name)
        out: list[ev.Event] = []
        if left:
            member = {"id": doc["id"], "type": rtype.name}
            for key in ("userName", "displayName", "externalId"):
                if doc.get(key):
                    member[key] = doc[key]
            for ref in left:
                group = {"id": ref.group_id, "displayName": ref.display}
                out.append(self.factory.membership(ev.GROUP_USER_REMOVED, group, member))
        if kind is not None:
            out.append(self._resource(f"{kind}.deleted", rtype, doc))
        return out


def store_member_info(store: Store, registry: SchemaRegistry, directory: str) -> MemberInfo:
    """Describe members (id, type, ``userName``, ``displayName``, ``externalId``) from ``store``, each once."""
    cache: dict[str, dict[str, Any]] = {}

    def member_info(ids: list[str]) -> dict[str, dict[str, Any]]:
        missing = [i for i in ids if i not in cache]
        if missing and isinstance(store, MemberSummaries):
            cache.update(store.summaries_of(missing, directory=directory))
        elif missing:
            for rid, type_name in store.resource_types_of(missing, directory=directory).items():
                member_type = registry.find_resource_type(type_name)
                info: dict[str, Any] = {"id": rid, "type": type_name}
                found = member_type and store.get(member_type, rid, directory=directory, omit=frozenset({"members"}))
                for key in SUMMARY_KEYS:
                    if found and found.get(key):
                        info[key] = found[key]
                cache[rid] = info
        return {i: cache.get(i, {"id": i}) for i in ids}

    return member_info


def notify(subscribers: Sequence[ev.Subscriber], made: Sequence[ev.Event]) -> None:
    """Call in-process subscribers after commit; a failing subscriber is logged, never raised."""
    for event in made:
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception as exc:  # noqa: BLE001 - a subscriber never fails the SCIM request
                logger.error("event subscriber failed on %s: %s", event.type, type(exc).__name__)


_running = 0
_running_lock = threading.Lock()


@contextmanager
def register_dispatcher() -> Iterator[None]:
    """Count a dispatcher as running in this process while the block runs (the dispatcher's ``run`` enters it)."""
    global _running
    with _running_lock:
        _running += 1
    try:
        yield
    finally:
        with _running_lock:
            _running -= 1


def dispatchers_running() -> int:
    """How many dispatchers run in this process now."""
    return _running


class UndeliveredEvents:
    """A subscriber that warns, once, when a directory with a webhook gets events and no dispatcher runs here.

    The events are safe in the outbox, but stay ``pending`` until a dispatcher delivers them; ``hint`` says
    how to start one.  Whether a directory has a webhook is looked up at most once per ``recheck_seconds``
    per directory, and never again once the warning was given.
    """

    def __init__(
        self,
        directories: DirectoryStore,
        hint: str,
        *,
        recheck_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directories = directories
        self.hint = hint
        self.recheck_seconds = recheck_seconds
        self.monotonic = monotonic
        self.warned = False
        self._without_webhook: dict[str, float] = {}  # directory -> when it was seen without a webhook
        self._lock = threading.Lock()

    def __call__(self, event: ev.Event) -> None:
        """Look at one committed event."""
        if self.warned or dispatchers_running():
            return
        directory_id = event.directory_id
        seen = self._without_webhook.get(directory_id)
        now = self.monotonic()
        if seen is not None and now - seen < self.recheck_seconds:
            return
        directory = self.directories.get_directory(directory_id)
        if directory is None or not directory.webhook_url:
            self._without_webhook[directory_id] = now
            return
        with self._lock:  # requests in several threads: still one warning
            if self.warned:
                return
            self.warned = True
        logger.warning(
            "events of directory %s wait in the outbox for its webhook, but no dispatcher runs in this process: "
            "they stay pending until one does. %s",
            directory_id,
            self.hint,
        )
