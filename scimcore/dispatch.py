"""Event delivery: the dispatcher that takes events from the outbox to each directory's webhook.

At-least-once: an event leaves the outbox only after its webhook answered 2xx; a failure is retried with
exponential backoff and jitter until ``retry_period`` has passed since the event occurred, then it is
dead-lettered (visible in the event log with its last error).  Events of one resource are delivered in the
order they happened (the outbox hands out only the oldest undelivered event per resource).  Several
dispatchers — several ``scimcore serve`` processes on one PostgreSQL database — share the outbox through
leases and ``FOR UPDATE SKIP LOCKED``, so an event is not delivered twice in normal operation.

The dispatcher runs beside the server, never inside a SCIM request: a slow or failing webhook never slows or
fails provisioning.  It needs httpx (the ``server`` extra).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scimcore.directories import Directory, DirectoryStore
from scimcore.events import Outbox, StoredEvent
from scimcore.webhooks import SIGNATURE_HEADER, sign

logger = logging.getLogger("scimcore.dispatch")


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    """Delivery tuning: batch size, lease, timeouts and the backoff schedule."""

    batch: int = 50
    lease_seconds: float = 60.0
    timeout_seconds: float = 10.0
    poll_seconds: float = 1.0
    base_backoff: float = 2.0
    max_backoff: float = 3600.0
    retry_period: float = 24 * 3600.0


class Dispatcher:
    """Delivers due events from ``outbox`` to the webhooks of ``directories``."""

    def __init__(
        self,
        outbox: Outbox,
        directories: DirectoryStore,
        *,
        config: DispatchConfig | None = None,
        clock: Callable[[], float] = time.time,
        client: Any = None,
    ) -> None:
        self.outbox = outbox
        self.directories = directories
        self.config = config or DispatchConfig()
        self.clock = clock
        self._client = client
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before attempt ``attempts + 1``: exponential with full jitter."""
        ceiling = min(self.config.max_backoff, self.config.base_backoff * (2 ** min(attempts, 30)))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret

    async def deliver_due(self) -> int:
        """Deliver one batch of due events; return how many were attempted."""
        import httpx

        now = self.clock()
        claimed = await asyncio.to_thread(
            self.outbox.claim_events, now, self.config.batch, self.config.lease_seconds
        )
        if not claimed:
            return 0
        client = self._client or httpx.AsyncClient(timeout=self.config.timeout_seconds)
        try:
            directories: dict[str, Directory | None] = {}
            for stored in claimed:
                key = stored.event.directory_id
                if key not in directories:
                    directories[key] = await asyncio.to_thread(self.directories.get_directory, key)
                await self._deliver(client, stored, directories[key])
        finally:
            if self._client is None:
                await client.aclose()
        return len(claimed)

    async def _deliver(self, client: Any, stored: StoredEvent, directory: Directory | None) -> None:
        event = stored.event
        if directory is None or not directory.webhook_url:
            await asyncio.to_thread(self.outbox.mark_failed, stored.seq, "no webhook configured", None)
            return
        body = json.dumps(event.payload(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "scimcore-webhooks",
            "Scimcore-Event-Id": event.id,
            "Scimcore-Event-Type": event.type,
        }
        if directory.webhook_secret:
            headers[SIGNATURE_HEADER] = sign(directory.webhook_secret, body)  # wall-clock time, as receivers check
        error: str | None = None
        try:
            response = await client.post(directory.webhook_url, content=body, headers=headers)
            if 200 <= response.status_code < 300:
                await asyncio.to_thread(self.outbox.mark_delivered, stored.seq)
                return
            error = f"HTTP {response.status_code}"
        except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt
            error = type(exc).__name__
        occurred = _epoch(event.occurred_at)
        retry_at = self.clock() + self.backoff(stored.attempts)
        if occurred is not None and retry_at - occurred > self.config.retry_period:
            logger.warning("event %s dead-lettered after %d attempts: %s", event.id, stored.attempts + 1, error)
            await asyncio.to_thread(self.outbox.mark_failed, stored.seq, error, None)
        else:
            await asyncio.to_thread(self.outbox.mark_failed, stored.seq, error, retry_at)

    def wake(self) -> None:
        """Look for due events now (called after a write made events)."""
        self._wake.set()

    def stop(self) -> None:
        """Ask :meth:`run` to return after the current batch."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Deliver until :meth:`stop`; polls every ``poll_seconds`` or when woken."""
        while not self._stopping.is_set():
            try:
                delivered = await self.deliver_due()
            except Exception as exc:  # noqa: BLE001 - the loop must survive a database hiccup
                logger.error("event dispatch failed: %s", type(exc).__name__)
                delivered = 0
            if delivered:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.config.poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()


def _epoch(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
