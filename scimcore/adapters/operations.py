"""Operations endpoints beside the SCIM API: liveness, readiness and Prometheus metrics (ASGI).

:class:`OperationsASGI` wraps a :class:`~scimcore.adapters.asgi.ScimASGI` (``scimcore serve`` does) and answers,
outside SCIM authentication:

- ``GET /healthz`` — 200 while the process answers;
- ``GET /readyz`` — 200 when the store can serve (its :class:`~scimcore.store.ports.Readiness`: the database
  reachable, the schema current) and the oldest webhook event waiting is younger than ``max_outbox_lag``;
  otherwise 503 with ``Retry-After`` and the reasons, so a load balancer stops sending traffic;
- ``GET /metrics`` — the Prometheus text format, only with ``metrics_token`` set and sent as a bearer token
  (compared in constant time); without one the path is not served.  Requests by directory, method, resource
  type and status; latency by method and resource type; the outbox's pending and dead events and the age of
  the oldest pending one; webhook delivery attempts by outcome.

A directory is a label only for answers other than 401 and 404, so callers without a token (or probing
directory ids) cannot grow the number of series.  Every other request goes to the wrapped app unchanged, and
so does the ``lifespan`` scope.

Owns: those three paths and the request metrics.  Must not: answer SCIM requests, or log or show a token.
Needs the ``metrics`` extra (prometheus-client) only for ``/metrics``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from scimcore.adapters.asgi import ScimASGI
from scimcore.auth import bearer_token, hash_token
from scimcore.errors import ScimError
from scimcore.service import ScimService
from scimcore.store.ports import OutboxStatus, Readiness

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
UNLABELLED = "-"
"""The directory label of answers that are no directory's (401, 404) and of requests outside a directory."""

_ROOT_ENDPOINTS = {"serviceproviderconfig": "ServiceProviderConfig", "resourcetypes": "ResourceTypes",
                   "schemas": "Schemas", "bulk": "Bulk", ".search": ".search", "me": "Me"}
"""The endpoints of the SCIM root other than resource types (RFC 7644 §3.2), as labels."""

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class OperationsASGI:
    """``/healthz``, ``/readyz`` and ``/metrics`` in front of a SCIM ASGI app (see the module docstring)."""

    def __init__(
        self,
        app: ScimASGI,
        *,
        metrics_token: str | None = None,
        max_outbox_lag: float = 300.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.perf_counter,
    ) -> None:
        if metrics_token is not None and len(metrics_token) < 16:
            raise ValueError("a metrics token needs at least 16 characters")
        self.app = app
        self.store = app.service.store
        self.max_outbox_lag = max_outbox_lag
        self.clock = clock
        self.monotonic = monotonic
        self._endpoints = {rtype.endpoint.lstrip("/").lower(): rtype.name
                           for rtype in app.service.registry.resource_types}
        self._metrics_digest = hash_token(metrics_token) if metrics_token is not None else None
        self._metrics = _Metrics(self) if metrics_token is not None else None

    @property
    def service(self) -> ScimService:
        """The SCIM service of the wrapped app."""
        return self.app.service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve an ASGI 3 connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path == HEALTH_PATH:
            await _answer(send, 200, {"status": "ok"})
        elif path == READY_PATH:
            problems = await asyncio.to_thread(self.problems)
            if problems:
                await _answer(send, 503, {"status": "unready", "problems": problems}, [(b"retry-after", b"5")])
            else:
                await _answer(send, 200, {"status": "ready"})
        elif path == METRICS_PATH and self._metrics is not None:
            await self._serve_metrics(scope, send)
        elif self._metrics is None:
            await self.app(scope, receive, send)
        else:
            await self._observed(scope, receive, send, self._metrics)

    def problems(self) -> list[str]:
        """What keeps the service from taking traffic now; empty when ready (``/readyz``)."""
        found = self.store.readiness() if isinstance(self.store, Readiness) else []
        if not found and isinstance(self.store, OutboxStatus):
            try:
                figures = self.store.outbox_figures(self.clock())
            except ScimError:
                return ["the database cannot be reached"]
            lag = figures.oldest_pending_seconds
            if lag is not None and lag > self.max_outbox_lag:
                found.append(
                    f"the oldest webhook event has waited {lag:.0f} s (more than {self.max_outbox_lag:.0f} s): "
                    "is the dispatcher running, and its receivers answering?"
                )
        return found

    async def _serve_metrics(self, scope: Scope, send: Send) -> None:
        assert self._metrics is not None and self._metrics_digest is not None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        token = bearer_token(headers)
        if token is None or not hmac.compare_digest(hash_token(token), self._metrics_digest):
            await _answer(send, 401, {"status": "401", "detail": "The metrics need their bearer token."},
                          [(b"www-authenticate", b'Bearer realm="metrics"')])
            return
        body = await asyncio.to_thread(self._metrics.render)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", self._metrics.content_type.encode("latin-1")),
                                (b"content-length", str(len(body)).encode("latin-1"))]})
        await send({"type": "http.response.body", "body": body})

    async def _observed(self, scope: Scope, receive: Receive, send: Send, metrics: _Metrics) -> None:
        started = self.monotonic()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            metrics.observe(scope, status, self.monotonic() - started)

    def labels(self, scope: Scope, status: int) -> tuple[str, str]:
        """The (directory, resource type) labels of a request: bounded by known endpoints and answered status."""
        try:
            target = self.app.target(scope)
        except ScimError:
            return UNLABELLED, "other"
        segment = target.path.lstrip("/").split("/", 1)[0]
        lowered = segment.lower()
        resource_type = self._endpoints.get(lowered) or _ROOT_ENDPOINTS.get(lowered, "other" if segment else "root")
        directory = target.directory if status not in (401, 404) and target.directory else UNLABELLED
        return directory, resource_type


class _Metrics:
    """The Prometheus registry of one :class:`OperationsASGI`: request series and the outbox's gauges."""

    def __init__(self, owner: OperationsASGI) -> None:
        try:
            import prometheus_client as prom
        except ImportError:  # pragma: no cover - depends on the installation
            raise RuntimeError("metrics need prometheus-client: pip install 'scimcore[metrics]'") from None
        self.prom = prom
        self.owner = owner
        self.registry = prom.CollectorRegistry(auto_describe=True)
        self.content_type = prom.CONTENT_TYPE_LATEST
        self.requests = prom.Counter(
            "scimcore_requests", "SCIM requests answered", ("directory", "method", "resource_type", "status"),
            registry=self.registry,
        )
        self.latency = prom.Histogram(
            "scimcore_request_duration_seconds", "Time to answer a SCIM request", ("method", "resource_type"),
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.deliveries = prom.Counter(
            "scimcore_webhook_deliveries", "Webhook delivery attempts by outcome: delivered, failed (retried), dead",
            ("outcome",), registry=self.registry,
        )
        owner.app.delivery_observers.append(self.delivered)
        self.registry.register(_OutboxCollector(owner))

    def delivered(self, _directory_id: str, outcome: str) -> None:
        """Count one delivery attempt of the app's dispatcher."""
        self.deliveries.labels(outcome).inc()

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        directory, resource_type = self.owner.labels(scope, status)
        method = str(scope.get("method", "")).upper()
        method = method if method in ("GET", "POST", "PUT", "PATCH", "DELETE") else "other"
        self.requests.labels(directory, method, resource_type, str(status)).inc()
        self.latency.labels(method, resource_type).observe(seconds)

    def render(self) -> bytes:
        return bytes(self.prom.generate_latest(self.registry))


class _OutboxCollector:
    """Reads the outbox's figures at each scrape (:class:`~scimcore.store.ports.OutboxStatus`)."""

    def __init__(self, owner: OperationsASGI) -> None:
        self.owner = owner

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        store = self.owner.store
        if not isinstance(store, OutboxStatus):
            return
        try:
            figures = store.outbox_figures(self.owner.clock())
        except ScimError:
            yield GaugeMetricFamily("scimcore_database_up", "Whether the database answered the last scrape", 0)
            return
        yield GaugeMetricFamily("scimcore_database_up", "Whether the database answered the last scrape", 1)
        yield GaugeMetricFamily("scimcore_outbox_pending_events", "Webhook events waiting for delivery",
                                figures.pending)
        yield GaugeMetricFamily("scimcore_outbox_dead_events", "Webhook events given up on (dead letters)",
                                figures.dead)
        yield GaugeMetricFamily("scimcore_outbox_oldest_pending_seconds",
                                "Age of the oldest webhook event waiting (0 when none waits)",
                                figures.oldest_pending_seconds or 0.0)


async def _answer(send: Send, status: int, doc: dict[str, Any],
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(doc).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode("latin-1")),
               (b"cache-control", b"no-store"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
