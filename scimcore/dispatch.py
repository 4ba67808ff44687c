"""Event delivery: the dispatcher that takes events from the outbox to each directory's webhook.

At-least-once: an event leaves the outbox only after its webhook answered 2xx; a failure is retried with
exponential backoff and jitter until ``retry_period`` has passed since the event occurred, then it is
dead-lettered (visible in the event log with its last error).  Events of one resource are delivered in the
order they happened (the outbox hands out only the oldest undelivered event per resource).  Several
dispatchers — several ``scimcore serve`` processes on one PostgreSQL database — share the outbox through
leases and ``FOR UPDATE SKIP LOCKED``, so an event is not delivered twice in normal operation.

Fairness: each directory is delivered by its own worker, up to ``concurrency`` directories at once, and a
directory whose worker is busy or whose webhook just failed is left out of the next claims until it is idle
or its backoff has passed.  A receiver that hangs therefore costs its own directory one timeout and nobody
else anything: the other directories' events keep flowing.  Within a directory, events go one at a time in
the order they were claimed; after a failure the rest of that directory's claim is not attempted (its
leases run out and it is claimed again after the backoff).

Webhook targets follow :mod:`scimcore.webhook_targets`: each delivery resolves the host again, refuses
private and metadata addresses unless private receivers are allowed, connects to the checked address, and
never follows a redirect.

A directory's ``event_delivery`` says what is posted (:class:`~scimcore.store.ports.Directory`): scimcore's
own event JSON (``webhook``), or the event as an RFC 9967 Security Event Token pushed per RFC 8935
(``set-push``: :mod:`scimcore.sets` builds it, :mod:`scimcore.set_tokens` signs it with the directory's key
or the server's).  A receiver refusing a SET with ``400`` and an RFC 8935 ``err`` code has judged the SET
itself, so it is dead-lettered at once with that code; any other failure is retried as above.  Events of
a ``set-poll`` directory are never pushed: they wait for its poller (:mod:`scimcore.set_poll`).

The dispatcher runs beside the server, never inside a SCIM request: a slow or failing webhook never slows or
fails provisioning.  :meth:`Dispatcher.wake` and :meth:`Dispatcher.stop` may be called from any thread (a
SCIM request served in a worker thread wakes it), so the loop may also run in a thread of its own beside a
WSGI server.  Stopping loses nothing: the outbox is durable, and a delivery cut short keeps its lease and is
made again later.  It needs httpx (the ``server`` extra).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scimcore.directories import Directory, DirectoryStore
from scimcore.emitter import register_dispatcher
from scimcore.events import StoredEvent, occurred_epoch
from scimcore.store.ports import Outbox, SigningKeys
from scimcore.webhook_post import Attempt, post_event, post_set
from scimcore.webhook_targets import Resolver, private_webhooks_allowed

logger = logging.getLogger("scimcore.dispatch")


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    """Delivery tuning: batch size, lease, timeouts, the backoff schedule, fairness and target rules.

    ``concurrency`` is how many directories are delivered to at once.  ``allow_private_webhooks`` lifts the
    address rules of :mod:`scimcore.webhook_targets`; ``None`` reads ``SCIMCORE_ALLOW_PRIVATE_WEBHOOKS``.
    ``set_issuer`` is the ``iss`` of the SETs pushed (RFC 8417 §2.2).
    """

    batch: int = 50
    lease_seconds: float = 60.0
    timeout_seconds: float = 10.0
    poll_seconds: float = 1.0
    base_backoff: float = 2.0
    max_backoff: float = 3600.0
    retry_period: float = 24 * 3600.0
    concurrency: int = 16
    allow_private_webhooks: bool | None = None
    set_issuer: str = "scimcore"


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
        resolver: Resolver = socket.getaddrinfo,
        on_outcome: Callable[[str, str], None] | None = None,
        keys: SigningKeys | None = None,
    ) -> None:
        self.outbox = outbox
        # The SET signing keys (RFC 9967 directories): the directory store's when it keeps them.
        self.keys = keys if keys is not None else directories if isinstance(directories, SigningKeys) else None
        # Told (directory id, outcome) after each attempt: "delivered", "failed" (tried again later), "dead".
        self.on_outcome = on_outcome
        self.directories = directories
        self.config = config or DispatchConfig()
        self.clock = clock
        self._client = client
        self._resolver = resolver
        self._allow_private = private_webhooks_allowed(self.config.allow_private_webhooks)
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop of :meth:`run`, for calls from other threads
        self._paused: dict[str, float] = {}  # directory -> clock time its webhook may be tried again

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before attempt ``attempts + 1``: exponential with full jitter."""
        ceiling = min(self.config.max_backoff, self.config.base_backoff * (2 ** min(attempts, 30)))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret

    def _left_out(self, now: float) -> frozenset[str]:
        """Directories not to claim for now: a worker is delivering to them, or their webhook is backing off."""
        for directory, until in list(self._paused.items()):
            if until <= now:
                del self._paused[directory]
        return frozenset(self._workers) | frozenset(self._paused)

    async def _claim(self) -> dict[str, list[StoredEvent]]:
        """Claim due events of idle directories, grouped by directory in claim order."""
        if len(self._workers) >= self.config.concurrency:
            return {}
        now = self.clock()
        claimed = await asyncio.to_thread(
            self.outbox.claim_events, now, self.config.batch, self.config.lease_seconds, exclude=self._left_out(now)
        )
        groups: dict[str, list[StoredEvent]] = {}
        for stored in claimed:
            groups.setdefault(stored.event.directory_id, []).append(stored)
        return groups

    def _start(self, groups: dict[str, list[StoredEvent]]) -> list[asyncio.Task[None]]:
        started = []
        for directory_id, events in groups.items():
            task = asyncio.create_task(self._deliver_directory(directory_id, events))
            self._workers[directory_id] = task
            task.add_done_callback(functools.partial(self._finished, directory_id))
            started.append(task)
        return started

    def _finished(self, directory_id: str, _task: asyncio.Task[None]) -> None:
        self._workers.pop(directory_id, None)
        self._wake.set()

    async def deliver_due(self) -> int:
        """Deliver one round of due events, every directory at once, and wait for it; return how many."""
        groups = await self._claim()
        tasks = self._start(groups)
        if tasks:
            await asyncio.gather(*tasks)
        return sum(len(events) for events in groups.values())

    async def _deliver_directory(self, directory_id: str, events: Sequence[StoredEvent]) -> None:
        """Deliver one directory's claimed events in order; stop at the first failure (its backoff applies)."""
        import httpx

        # A client of its own per directory worker: connections are never shared between webhook hosts.
        client = self._client or httpx.AsyncClient(timeout=self.config.timeout_seconds, follow_redirects=False)
        try:
            directory = await asyncio.to_thread(self.directories.get_directory, directory_id)
            for stored in events:
                retry_at = await self._deliver(client, stored, directory)
                if retry_at is not None:
                    self._paused[directory_id] = retry_at
                    break
        except Exception as exc:  # noqa: BLE001 - one directory's trouble never stops the dispatcher
            # A store that failed (its database unreachable, a 503) leaves the events leased: claimed again later.
            logger.error("delivery to directory %s failed: %s", directory_id, type(exc).__name__)
        finally:
            if self._client is None:
                await client.aclose()

    async def _deliver(self, client: Any, stored: StoredEvent, directory: Directory | None) -> float | None:
        """Deliver one event; return when its directory may be tried again after a failure, else ``None``."""
        event = stored.event
        if directory is None or not directory.webhook_url:
            await asyncio.to_thread(self.outbox.mark_failed, stored.seq, "no webhook configured", None)
            self._outcome(event.directory_id, "dead")
            return None
        if directory.event_delivery == "set-poll":  # its poller fetches it; the lease runs out meanwhile
            return self.clock() + self.config.lease_seconds
        if directory.event_delivery == "set-push":
            attempt = await self._push_set(client, stored, directory)
        else:
            attempt = await post_event(
                client, directory, event.payload(), allow_private=self._allow_private, resolver=self._resolver,
            )
        if attempt.delivered:
            await asyncio.to_thread(self.outbox.mark_delivered, stored.seq)
            self._outcome(event.directory_id, "delivered")
            return None
        if attempt.rejected:  # RFC 8935 §2.3: the receiver refused this SET; the same SET fails again
            logger.warning("event %s refused by its receiver: %s", event.id, attempt.detail)
            await asyncio.to_thread(self.outbox.mark_failed, stored.seq, attempt.detail, None)
            self._outcome(event.directory_id, "dead")
            return None
        if attempt.refused:  # the address rules refused the target: trying again cannot help
            logger.warning("event %s not delivered: %s", event.id, attempt.detail)
            await asyncio.to_thread(self.outbox.mark_failed, stored.seq, attempt.detail, None)
            self._outcome(event.directory_id, "dead")
            return None
        error = attempt.detail
        occurred = occurred_epoch(event.occurred_at)
        retry_at = self.clock() + self.backoff(stored.attempts)
        if occurred is not None and retry_at - occurred > self.config.retry_period:
            logger.warning("event %s dead-lettered after %d attempts: %s", event.id, stored.attempts + 1, error)
            await asyncio.to_thread(self.outbox.mark_failed, stored.seq, error, None)
            self._outcome(event.directory_id, "dead")
        else:
            await asyncio.to_thread(self.outbox.mark_failed, stored.seq, error, retry_at)
            self._outcome(event.directory_id, "failed")
        return retry_at

    async def _push_set(self, client: Any, stored: StoredEvent, directory: Directory) -> Attempt:
        """Sign the event as a SET and push it (RFC 8935); a store without keys cannot sign."""
        if self.keys is None:
            return Attempt(error="no signing keys: the store keeps none", refused=True)
        from scimcore import set_tokens, sets  # the sets extra (joserfc), needed only by SET directories

        now = self.clock()
        key = await asyncio.to_thread(set_tokens.signer_for, self.keys, directory.id, set_tokens.utc_stamp(now))
        claims = sets.set_claims(
            stored.event, issuer=self.config.set_issuer, audience=sets.audience_of(directory),
            issued_at=int(now), form=directory.set_form,
        )
        token = set_tokens.sign_set(claims, key)
        return await post_set(
            client, directory, token, event_id=stored.event.id, allow_private=self._allow_private,
            resolver=self._resolver,
        )

    def _outcome(self, directory_id: str, outcome: str) -> None:
        if self.on_outcome is not None:
            try:
                self.on_outcome(directory_id, outcome)
            except Exception:  # an observer's failure never stops deliveries
                logger.exception("the delivery observer failed")

    def wake(self) -> None:
        """Look for due events now (called after a write made events); safe from any thread."""
        self._call_in_loop(self._wake.set)

    def stop(self) -> None:
        """Ask :meth:`run` to return; deliveries under way get ``timeout_seconds`` to finish.  Safe from any thread."""
        self._call_in_loop(self._stop_now)

    def _stop_now(self) -> None:
        self._stopping.set()
        self._wake.set()

    def _call_in_loop(self, action: Callable[[], None]) -> None:
        """Run ``action`` now in the loop's thread, or hand it to the loop from another thread."""
        loop = self._loop
        try:
            in_loop = loop is None or asyncio.get_running_loop() is loop
        except RuntimeError:  # no loop runs in this thread
            in_loop = False
        if in_loop or loop is None or loop.is_closed():
            action()
        else:
            loop.call_soon_threadsafe(action)

    async def run(self) -> None:
        """Deliver until :meth:`stop`: claims for idle directories whenever woken or every ``poll_seconds``."""
        self._loop = asyncio.get_running_loop()
        with register_dispatcher():
            await self._run()

    async def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    groups = await self._claim()
                except Exception as exc:  # noqa: BLE001 - the loop must survive a database hiccup
                    logger.error("event dispatch failed: %s", type(exc).__name__)
                    groups = {}
                if groups:
                    self._start(groups)
                    continue
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.config.poll_seconds)
                except TimeoutError:
                    pass
                self._wake.clear()
        finally:
            running = list(self._workers.values())
            if running:
                _, pending = await asyncio.wait(running, timeout=self.config.timeout_seconds)
                for task in pending:
                    task.cancel()  # its events stay leased and are delivered again later (at least once)
