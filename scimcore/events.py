"""Directory-sync events: what changed, as the host application receives it.

Every real change made through the SCIM API becomes exactly one event of these types::

    user.created  user.updated  user.deleted
    group.created group.updated group.deleted
    group.user_added  group.user_removed

A no-op PATCH or re-adding a present member emits nothing; a group created with members emits
``group.created`` and one ``group.user_added`` per member; deleting a user emits ``group.user_removed`` for
each of its groups, then ``user.deleted``.  Events are written to the store's outbox in the same transaction
as the change (see the ``events`` arguments of :class:`~scimcore.store.port.Store`), delivered afterwards by
:mod:`scimcore.dispatch`, and readable through :class:`EventLog`.

This module builds event values; it does no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

USER_CREATED = "user.created"
USER_UPDATED = "user.updated"
USER_DELETED = "user.deleted"
GROUP_CREATED = "group.created"
GROUP_UPDATED = "group.updated"
GROUP_DELETED = "group.deleted"
GROUP_USER_ADDED = "group.user_added"
GROUP_USER_REMOVED = "group.user_removed"

EVENT_TYPES = (
    USER_CREATED,
    USER_UPDATED,
    USER_DELETED,
    GROUP_CREATED,
    GROUP_UPDATED,
    GROUP_DELETED,
    GROUP_USER_ADDED,
    GROUP_USER_REMOVED,
)


@dataclass(frozen=True, slots=True)
class Event:
    """One directory-sync event.

    ``resource_key`` orders delivery: events with the same key (the resource, or the group for membership
    events) are delivered in the order they happened.  ``data`` is the resource as SCIM JSON for ``user.*``
    and ``group.*`` events and ``{"group": ..., "user": ...}`` for membership events.
    """

    id: str
    type: str
    directory_id: str
    occurred_at: str
    data: Mapping[str, Any]
    resource_key: str
    tenant: str | None = None
    product: str | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON object sent to webhooks and subscribers."""
        return {
            "id": self.id,
            "type": self.type,
            "directory_id": self.directory_id,
            "tenant": self.tenant,
            "product": self.product,
            "occurred_at": self.occurred_at,
            "data": dict(self.data),
        }


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the outbox keeps it, with its delivery state."""

    seq: int
    event: Event
    status: str  # "pending", "delivered", "dead" or "stored" (no webhook to deliver to)
    attempts: int = 0
    last_error: str | None = None


@dataclass(slots=True)
class EventFactory:
    """Builds events for one directory with injected ids and clock (the service passes its own)."""

    directory_id: str
    occurred_at: str
    tenant: str | None = None
    product: str | None = None
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))

    def make(self, type_: str, data: Mapping[str, Any], resource_key: str) -> Event:
        """One event of ``type_`` about ``resource_key``."""
        return Event(
            id=self.new_id(),
            type=type_,
            directory_id=self.directory_id,
            occurred_at=self.occurred_at,
            data=data,
            resource_key=resource_key,
            tenant=self.tenant,
            product=self.product,
        )

    def membership(self, type_: str, group: Mapping[str, Any], user: Mapping[str, Any]) -> Event:
        """A ``group.user_added`` or ``group.user_removed`` event, ordered with the group's events."""
        return self.make(type_, {"group": dict(group), "user": dict(user)}, str(group.get("id")))


def kind_of(resource_type: str) -> str | None:
    """The event family for a resource type: ``user``, ``group`` or ``None`` for others."""
    lowered = resource_type.lower()
    return lowered if lowered in ("user", "group") else None


@runtime_checkable
class Outbox(Protocol):
    """Delivery bookkeeping of the events a store wrote with its changes."""

    def claim_events(
        self, now: float, limit: int, lease_seconds: float, *, exclude: Collection[str] = ()
    ) -> list[StoredEvent]:
        """Lease up to ``limit`` due pending events, at most the oldest one per resource key.

        Events of the directories in ``exclude`` are left alone (the dispatcher's busy or backing-off ones).
        """
        ...

    def mark_delivered(self, seq: int) -> None:
        """Record a successful delivery."""
        ...

    def mark_failed(self, seq: int, error: str, retry_at: float | None) -> None:
        """Record a failed attempt; ``retry_at`` ``None`` dead-letters the event."""
        ...


@runtime_checkable
class EventLog(Protocol):
    """The event log of a directory, for the host application (paging by sequence number)."""

    def list_events(
        self, directory: str, *, since: int = 0, limit: int = 100, status: str | None = None
    ) -> list[StoredEvent]:
        """Events of ``directory`` with a sequence number above ``since``, oldest first."""
        ...

    def requeue_events(self, directory: str, *, since_time: str) -> int:
        """Deliver again every event that occurred at or after ``since_time``; return how many."""
        ...


Subscriber = Callable[[Event], None]
"""An in-process subscriber: called after commit with each event; exceptions are logged, never raised."""

EventSeq = Sequence[Event]
