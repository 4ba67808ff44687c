"""The event outbox and event log of :class:`~scimcore.store.memory.MemoryStore`.

Events are appended under the store's lock together with the change they describe, so a change and its
events are seen together or not at all.  An event waits as compact JSON until it is read.

Owns: appending, claiming (at most the oldest undelivered event per resource key), a directory's claims
for its RFC 8936 poller, delivery bookkeeping, the per-directory log and re-queueing.
Must not: deliver anything (:mod:`scimcore.dispatch` does) or read resources.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from scimcore.codec import pack, unpack
from scimcore.events import Event, StoredEvent
from scimcore.store.ports import Directory, OutboxFigures, event_age


@dataclass(slots=True)
class EventRow:
    """One event as the outbox keeps it: its head, its data as compact JSON, and its delivery state."""

    seq: int
    event: Event  # without its data
    data: bytes
    status: str
    attempts: int = 0
    last_error: str | None = None
    retry_at: float = 0.0
    locked_until: float = 0.0

    def stored(self) -> StoredEvent:
        """The event as the outbox ports return it."""
        event = replace(self.event, data=unpack(self.data))
        return StoredEvent(self.seq, event, self.status, self.attempts, self.last_error)


_NO_DATA: Mapping[str, Any] = MappingProxyType({})
_UNDELIVERED = ("pending", "stored")



class MemoryOutbox:
    """Events in process memory; composed into :class:`~scimcore.store.memory.MemoryStore`."""

    _lock: threading.RLock
    _directories: dict[str, Directory]
    _events: list[EventRow | None]  # index seq - 1; None once its directory is deleted

    def _forget_events(self, directory: str) -> None:
        """Drop every event of ``directory`` (its deletion); sequence numbers are never reused."""
        for index, row in enumerate(self._events):
            if row is not None and row.event.directory_id == directory:
                self._events[index] = None

    def _append_events(self, directory: str, events: Iterable[Event]) -> None:
        """Called under the lock, together with the change the events describe."""
        target = self._directories.get(directory)
        # Pushed events wait as pending; a directory without a webhook, or whose receiver polls, stores them.
        pending = bool(target and target.webhook_url and target.event_delivery != "set-poll")
        for event in events:
            # The event is kept without its data, which waits as compact JSON until it is read.
            head = replace(event, data=_NO_DATA)
            self._events.append(
                EventRow(len(self._events) + 1, head, pack(event.data), "pending" if pending else "stored")
            )

    def outbox_figures(self, now: float) -> OutboxFigures:
        """Pending and dead events, and the oldest pending one's age (:class:`~scimcore.store.ports.OutboxStatus`)."""
        with self._lock:
            rows = [row for row in self._events if row is not None and row.status in ("pending", "dead")]
        pending = [row for row in rows if row.status == "pending"]
        oldest = event_age(pending[0].event.occurred_at, now) if pending else None
        return OutboxFigures(len(pending), len(rows) - len(pending), oldest)

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

    def claim_directory_events(
        self, directory: str, now: float, limit: int, lease_seconds: float
    ) -> tuple[list[StoredEvent], bool]:
        """Lease ``directory``'s undelivered events for its poller, oldest first (:class:`PolledOutbox`)."""
        with self._lock:
            claimed: list[StoredEvent] = []
            for row in self._events:
                if row is None or row.event.directory_id != directory or row.status not in _UNDELIVERED:
                    continue
                if row.locked_until > now:
                    continue
                if len(claimed) >= limit:
                    return claimed, True
                row.locked_until = now + lease_seconds
                claimed.append(row.stored())
            return claimed, False

    def _settle(self, directory: str, ids: Collection[str], status: str, errors: Mapping[str, str]) -> int:
        wanted = frozenset(ids)
        count = 0
        with self._lock:
            for row in self._events:
                if row is None or row.event.directory_id != directory or row.event.id not in wanted:
                    continue
                if row.status not in _UNDELIVERED:
                    continue
                row.status, row.locked_until, row.attempts = status, 0.0, row.attempts + 1
                if row.event.id in errors:
                    row.last_error = errors[row.event.id]
                count += 1
        return count

    def acknowledge_events(self, directory: str, ids: Collection[str]) -> int:
        """Mark ``directory``'s events with these ids delivered (RFC 8936 ``ack``)."""
        return self._settle(directory, ids, "delivered", {})

    def reject_events(self, directory: str, errors: Mapping[str, str]) -> int:
        """Dead-letter ``directory``'s events by id with the receiver's error (RFC 8936 ``setErrs``)."""
        return self._settle(directory, list(errors), "dead", errors)

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

    def requeue_event(self, directory: str, seq: int) -> bool:
        """Queue one event of ``directory`` for delivery again (a dead letter); whether there was one."""
        with self._lock:
            row = self._events[seq - 1] if 0 < seq <= len(self._events) else None
            if row is None or row.event.directory_id != directory or row.status not in ("dead", "pending"):
                return False
            row.status, row.retry_at, row.locked_until = "pending", 0.0, 0.0
            return True

    def requeue_events(self, directory: str, *, since_time: str) -> int:
        """Queue every event of ``directory`` from ``since_time`` on for delivery again."""
        with self._lock:
            count = 0
            for row in self._events:
                if row is not None and row.event.directory_id == directory and row.event.occurred_at >= since_time:
                    row.status, row.retry_at, row.locked_until = "pending", 0.0, 0.0
                    count += 1
            return count

