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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
    and ``group.*`` events and ``{"group": ..., "user": ...}`` for membership events.  ``changed`` names the
    top-level attributes an ``*.updated`` event's change added, modified or removed (empty when not known);
    it is not part of :meth:`payload`, and RFC 9967 notice SETs list it (:mod:`scimcore.sets`).
    """

    id: str
    type: str
    directory_id: str
    occurred_at: str
    data: Mapping[str, Any]
    resource_key: str
    tenant: str | None = None
    product: str | None = None
    changed: tuple[str, ...] = ()

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

    def make(
        self, type_: str, data: Mapping[str, Any], resource_key: str, changed: Sequence[str] = ()
    ) -> Event:
        """One event of ``type_`` about ``resource_key``; ``changed`` names the attributes an update changed."""
        return Event(
            id=self.new_id(),
            type=type_,
            directory_id=self.directory_id,
            occurred_at=self.occurred_at,
            data=data,
            resource_key=resource_key,
            tenant=self.tenant,
            product=self.product,
            changed=tuple(changed),
        )

    def membership(self, type_: str, group: Mapping[str, Any], user: Mapping[str, Any]) -> Event:
        """A ``group.user_added`` or ``group.user_removed`` event, ordered with the group's events."""
        return self.make(type_, {"group": dict(group), "user": dict(user)}, str(group.get("id")))


def kind_of(resource_type: str) -> str | None:
    """The event family for a resource type: ``user``, ``group`` or ``None`` for others."""
    lowered = resource_type.lower()
    return lowered if lowered in ("user", "group") else None


Subscriber = Callable[[Event], None]
"""An in-process subscriber: called after commit with each event; exceptions are logged, never raised."""

EventSeq = Sequence[Event]


def __getattr__(name: str) -> object:
    """``Outbox`` and ``EventLog`` are storage ports and live in :mod:`scimcore.store.ports`."""
    if name in ("Outbox", "EventLog"):
        from scimcore.store import ports

        return getattr(ports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def occurred_epoch(occurred_at: str) -> float | None:
    """An event's ``occurred_at`` (RFC 3339) as Unix time, or ``None`` when it is not such a time."""
    try:
        return datetime.fromisoformat(occurred_at.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
