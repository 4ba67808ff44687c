"""/healthz, /readyz and /metrics in front of the SCIM ASGI app (scimcore.adapters.operations)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.adapters.operations import OperationsASGI
from scimcore.asgi import ScimASGI
from scimcore.directories import DirectoryManager
from scimcore.events import Event
from scimcore.testing.documents import USER, user_doc
from tests.conftest import TOKEN
from tests.servers import free_port

METRICS_TOKEN = "metrics-token-0123456789"


def _app(store: Any = None, **options: Any) -> OperationsASGI:
    service = ScimService(store if store is not None else MemoryStore(), authenticator=BearerTokens([TOKEN]))
    return OperationsASGI(ScimASGI(service, prefix="/scim/v2", directories=True), **options)


def _get(app: OperationsASGI, path: str, token: str | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ops.test") as client:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return await client.get(path, headers=headers)

    return asyncio.run(go())


def test_healthz_answers_without_a_token() -> None:
    """/healthz is 200 while the process answers, outside SCIM authentication."""
    response = _get(_app(), "/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_200_when_the_store_can_serve() -> None:
    """/readyz is 200 for a store with nothing in the way."""
    response = _get(_app(), "/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


def test_readyz_is_503_with_the_reasons_when_the_store_cannot_serve() -> None:
    """A store that reports a problem makes /readyz 503 with Retry-After and the store's sentence."""

    class Down(MemoryStore):
        def readiness(self) -> list[str]:
            return ["the database cannot be reached"]

    response = _get(_app(Down()), "/readyz")
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json() == {"status": "unready", "problems": ["the database cannot be reached"]}


def test_readyz_is_503_when_webhook_events_wait_too_long() -> None:
    """An undelivered webhook event older than max_outbox_lag makes /readyz 503, naming the wait."""
    store = MemoryStore()
    directory, _ = DirectoryManager(store, allow_private_webhooks=True).create("D", webhook_url="http://127.0.0.1:9/")
    event = Event(id="e1", type="user.created", directory_id=directory.id, occurred_at="2026-01-01T00:00:00Z",
                  data={}, resource_key="u1")
    store.create(USER, user_doc("u1", "a"), directory=directory.id, events=[event])
    waited = 1767225600.0 + 900
    assert _get(_app(store, max_outbox_lag=1000, clock=lambda: waited), "/readyz").status_code == 200
    response = _get(_app(store, max_outbox_lag=300, clock=lambda: waited), "/readyz")
    assert response.status_code == 503 and "waited 900 s" in response.json()["problems"][0]


def test_readyz_reports_a_sql_schema_behind_this_scimcore(tmp_path: Path) -> None:
    """A SQL database whose schema is older than this scimcore's is not ready."""
    pytest.importorskip("sqlalchemy")
    from sqlalchemy import delete

    from scimcore.store.sql import SqlStore
    from scimcore.store.sql.schema import LATEST, schema_version

    store = SqlStore(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        assert store.readiness() == []
        with store.engine.begin() as conn:
            conn.execute(delete(schema_version).where(schema_version.c.version == LATEST))
        assert "scimcore db upgrade" in store.readiness()[0]
    finally:
        store.close()


def test_readyz_reports_an_unreachable_database() -> None:
    """A PostgreSQL store whose server is gone answers readiness with one sentence, not an exception."""
    pytest.importorskip("psycopg")
    from scimcore.store.sql import SqlStore

    store = SqlStore(f"postgresql://postgres@127.0.0.1:{free_port()}/none", migrate=False)
    try:
        assert store.readiness() == ["the database cannot be reached"]
    finally:
        store.close()


def test_metrics_are_not_served_without_a_token() -> None:
    """Without metrics_token, /metrics is not an operations path: the SCIM app answers it (404)."""
    assert _get(_app(), "/metrics").status_code == 404


def test_metrics_need_their_token() -> None:
    """/metrics refuses a missing or wrong bearer token with 401, and never the SCIM token."""
    app = _app(metrics_token=METRICS_TOKEN)
    assert _get(app, "/metrics").status_code == 401
    assert _get(app, "/metrics", TOKEN).status_code == 401
    assert _get(app, "/metrics", METRICS_TOKEN).status_code == 200


def test_metrics_count_requests_by_directory_type_and_status() -> None:
    """Requests are counted by directory, method, resource type and status; a 401 carries no directory."""
    pytest.importorskip("prometheus_client")
    app = _app(metrics_token=METRICS_TOKEN)
    _get(app, "/scim/v2/Users", TOKEN)
    _get(app, "/scim/v2/some-directory-id/Users", "wrong")
    text = _get(app, "/metrics", METRICS_TOKEN).text
    assert 'scimcore_requests_total{directory="default",method="GET",resource_type="User",status="200"} 1.0' in text
    assert 'scimcore_requests_total{directory="-",method="GET",resource_type="User",status="401"} 1.0' in text
    assert "some-directory-id" not in text
    assert 'scimcore_request_duration_seconds_count{method="GET",resource_type="User"} 2.0' in text
    assert "scimcore_outbox_pending_events 0.0" in text


def test_a_short_metrics_token_is_refused() -> None:
    """A metrics token shorter than 16 characters is a configuration error."""
    with pytest.raises(ValueError, match="16 characters"):
        _app(metrics_token="short")


def test_the_lifespan_reaches_the_scim_app() -> None:
    """The wrapper passes the lifespan scope on, so the SCIM app's start-up hooks still run."""
    started: list[float] = []

    async def hook() -> None:
        started.append(time.monotonic())

    service = ScimService(MemoryStore(), authenticator=BearerTokens([TOKEN]))
    app = OperationsASGI(ScimASGI(service, on_startup=[hook], dispatch=False))
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app({"type": "lifespan"}, receive, send))
    assert started and [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_metrics_count_webhook_deliveries_by_outcome() -> None:
    """Each delivery attempt of the app's dispatcher is counted by its outcome."""
    pytest.importorskip("prometheus_client")
    app = _app(metrics_token=METRICS_TOKEN)
    for outcome in ("delivered", "delivered", "failed"):
        app.app._delivery_outcome("d1", outcome)
    text = _get(app, "/metrics", METRICS_TOKEN).text
    assert 'scimcore_webhook_deliveries_total{outcome="delivered"} 2.0' in text
    assert 'scimcore_webhook_deliveries_total{outcome="failed"} 1.0' in text
