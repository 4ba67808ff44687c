"""The event outbox and event log in SQL (``scim_events``).

Events are inserted by the writing transaction of the change they describe (:meth:`SqlOutbox._append_events`);
claims lease at most the oldest undelivered event per resource key, so each resource's events are delivered
in order, and leave out the directories the dispatcher names.

Owns: appending, claiming, a directory's claims for its RFC 8936 poller, delivery bookkeeping, the
per-directory log and re-queueing.
Must not: deliver anything (:mod:`scimcore.dispatch` does) or touch resources.
"""


import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)

from scimcore.events import Event, StoredEvent
from scimcore.store.ports import OutboxFigures, event_age
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.schema import directories
from scimcore.store.sql.schema import events as events_table

# Built once: a writing transaction binds values to them instead of building expressions (and SQLAlchemy
# keeps their cache keys and compiled forms).
_WEBHOOK_OF = select(directories.c.webhook_url, directories.c.event_delivery).where(
    directories.c.id == bindparam("directory")
)
_APPEND = insert(events_table)
_UNDELIVERED = ("pending", "stored")


def _changed(value: Any) -> list[str]:
    """The ``changed`` column as a list (SQLite may hand JSON back as text; older events have none)."""
    if isinstance(value, str):
        value = json.loads(value)
    return [str(name) for name in value] if isinstance(value, list) else []


class SqlOutbox(SqlEngine):
    """Events in SQL; composed into :class:`~scimcore.store.sql.SqlStore`."""

    def outbox_figures(self, now: float) -> OutboxFigures:
        """Pending and dead events, and the oldest pending one's age (:class:`~scimcore.store.ports.OutboxStatus`)."""
        e = events_table.c
        with self._tx() as conn:
            counts: dict[str, int] = dict(
                conn.execute(
                    select(e.status, func.count()).where(e.status.in_(("pending", "dead"))).group_by(e.status)
                ).all()
            )
            oldest = conn.execute(
                select(e.occurred_at).where(e.status == "pending").order_by(e.seq).limit(1)
            ).scalar_one_or_none()
        age = event_age(oldest, now) if oldest is not None else None
        return OutboxFigures(int(counts.get("pending", 0)), int(counts.get("dead", 0)), age)

    def _append_events(self, conn: Connection, directory: str, batch: Iterable[Event]) -> None:
        rows = list(batch)
        if not rows:
            return
        target = conn.execute(_WEBHOOK_OF, {"directory": directory}).first()
        # Pushed events wait as pending; a directory without a webhook, or whose receiver polls, stores them.
        pushed = target is not None and target.webhook_url and target.event_delivery != "set-poll"
        status = "pending" if pushed else "stored"
        conn.execute(
            _APPEND,
            [
                {
                    "id": e.id,
                    "directory": e.directory_id,
                    "type": e.type,
                    "resource_key": e.resource_key,
                    "occurred_at": e.occurred_at,
                    "payload": e.payload(),
                    "status": status,
                    "attempts": 0,
                    "retry_at": 0.0,
                    "locked_until": 0.0,
                    "changed": list(e.changed) or None,
                }
                for e in rows
            ],
        )

    @staticmethod
    def _stored(row: Any) -> StoredEvent:
        payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
        event = Event(
            id=payload["id"],
            type=payload["type"],
            directory_id=payload["directory_id"],
            occurred_at=payload["occurred_at"],
            data=payload["data"],
            resource_key=row.resource_key,
            tenant=payload.get("tenant"),
            product=payload.get("product"),
            changed=tuple(_changed(row.changed)),
        )
        return StoredEvent(int(row.seq), event, row.status, int(row.attempts), row.last_error)

    def claim_events(
        self, now: float, limit: int, lease_seconds: float, *, exclude: Collection[str] = ()
    ) -> list[StoredEvent]:
        """Lease due events, the oldest undelivered one per resource key, none of ``exclude``.

        Safe across processes: PostgreSQL skips rows another dispatcher holds locked.
        """
        e, earlier = events_table, events_table.alias("earlier")
        blocked = (
            select(literal_column("1"))
            .select_from(earlier)
            .where(
                earlier.c.directory == e.c.directory,
                earlier.c.resource_key == e.c.resource_key,
                earlier.c.status == "pending",
                earlier.c.seq < e.c.seq,
            )
            .exists()
        )
        query = (
            select(e)
            .where(e.c.status == "pending", e.c.retry_at <= now, e.c.locked_until <= now, ~blocked)
            .order_by(e.c.seq)
            .limit(limit)
        )
        if exclude:
            query = query.where(e.c.directory.not_in(sorted(exclude)))
        if self.dialect.pg:
            query = query.with_for_update(skip_locked=True, of=e)
        with self._tx(write=True) as conn:
            rows = conn.execute(query).all()
            if rows:
                conn.execute(
                    update(e).where(e.c.seq.in_([r.seq for r in rows])).values(locked_until=now + lease_seconds)
                )
            return [self._stored(r) for r in rows]

    def claim_directory_events(
        self, directory: str, now: float, limit: int, lease_seconds: float
    ) -> tuple[list[StoredEvent], bool]:
        """Lease ``directory``'s undelivered events for its poller, oldest first (:class:`PolledOutbox`).

        Safe across processes: PostgreSQL skips rows another poll holds locked.
        """
        e = events_table
        query = (
            select(e)
            .where(e.c.directory == directory, e.c.status.in_(_UNDELIVERED), e.c.locked_until <= now)
            .order_by(e.c.seq)
            .limit(limit + 1)
        )
        if self.dialect.pg:
            query = query.with_for_update(skip_locked=True, of=e)
        with self._tx(write=True) as conn:
            rows = conn.execute(query).all()
            leased = rows[:limit]
            if leased:
                conn.execute(
                    update(e).where(e.c.seq.in_([r.seq for r in leased])).values(locked_until=now + lease_seconds)
                )
            return [self._stored(r) for r in leased], len(rows) > limit

    def acknowledge_events(self, directory: str, ids: Collection[str]) -> int:
        """Mark ``directory``'s events with these ids delivered (RFC 8936 ``ack``)."""
        if not ids:
            return 0
        e = events_table
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(e)
                .where(e.c.directory == directory, e.c.id.in_(sorted(ids)), e.c.status.in_(_UNDELIVERED))
                .values(status="delivered", locked_until=0.0, attempts=e.c.attempts + 1)
            )
            return int(result.rowcount or 0)

    def reject_events(self, directory: str, errors: Mapping[str, str]) -> int:
        """Dead-letter ``directory``'s events by id with the receiver's error (RFC 8936 ``setErrs``)."""
        e = events_table
        count = 0
        with self._tx(write=True) as conn:
            for event_id, error in errors.items():
                result = conn.execute(
                    update(e)
                    .where(e.c.directory == directory, e.c.id == event_id, e.c.status.in_(_UNDELIVERED))
                    .values(status="dead", locked_until=0.0, attempts=e.c.attempts + 1, last_error=error)
                )
                count += int(result.rowcount or 0)
        return count

    def mark_delivered(self, seq: int) -> None:
        """Record a successful delivery."""
        with self._tx(write=True) as conn:
            conn.execute(
                update(events_table)
                .where(events_table.c.seq == seq)
                .values(status="delivered", locked_until=0.0, attempts=events_table.c.attempts + 1)
            )

    def mark_failed(self, seq: int, error: str, retry_at: float | None) -> None:
        """Record a failed attempt; without ``retry_at`` the event is dead-lettered."""
        values: dict[str, Any] = {"locked_until": 0.0, "attempts": events_table.c.attempts + 1, "last_error": error}
        if retry_at is None:
            values["status"] = "dead"
        else:
            values["retry_at"] = retry_at
        with self._tx(write=True) as conn:
            conn.execute(update(events_table).where(events_table.c.seq == seq).values(**values))

    def list_events(
        self, directory: str, *, since: int = 0, limit: int = 100, status: str | None = None
    ) -> list[StoredEvent]:
        """Events of ``directory`` after sequence number ``since``, oldest first."""
        query = (
            select(events_table)
            .where(events_table.c.directory == directory, events_table.c.seq > since)
            .order_by(events_table.c.seq)
            .limit(limit)
        )
        if status is not None:
            query = query.where(events_table.c.status == status)
        with self._tx() as conn:
            return [self._stored(r) for r in conn.execute(query)]

    def requeue_event(self, directory: str, seq: int) -> bool:
        """Queue one event of ``directory`` for delivery again (a dead letter); whether there was one."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(events_table)
                .where(events_table.c.directory == directory, events_table.c.seq == seq,
                       events_table.c.status.in_(("dead", "pending")))
                .values(status="pending", retry_at=0.0, locked_until=0.0)
            )
            return bool(result.rowcount)

    def requeue_events(self, directory: str, *, since_time: str) -> int:
        """Queue every event of ``directory`` from ``since_time`` on for delivery again."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(events_table)
                .where(events_table.c.directory == directory, events_table.c.occurred_at >= since_time)
                .values(status="pending", retry_at=0.0, locked_until=0.0)
            )
            return int(result.rowcount or 0)
