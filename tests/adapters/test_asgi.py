"""What only the ASGI adapter does: client disconnects, lifespan, blocking stores off the event loop.

What both adapters do alike is in ``test_both.py``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine, MutableMapping
from typing import Any

import httpx
import pytest

from scimcore import MemoryStore, ScimService
from scimcore.adapters.asgi import ScimASGI
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store.port import Page, Query
from tests.conftest import TOKEN, USER_SCHEMA, StepClock, make_service

ORIGIN = "http://idp.test:8080"
USER = {"schemas": [USER_SCHEMA], "userName": "alice"}


def _run(coro: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(coro())


@pytest.fixture
def app() -> ScimASGI:
    return ScimASGI(make_service(), prefix="/scim/v2")


def test_disconnect_before_the_body_is_complete_serves_nothing() -> None:
    """A client that leaves mid-body gets no response and causes no write."""
    service = make_service()
    app = ScimASGI(service)
    messages: list[MutableMapping[str, Any]] = [
        {"type": "http.request", "body": json.dumps(USER).encode(), "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return messages.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/Users",
        "headers": [(b"authorization", f"Bearer {TOKEN}".encode())],
    }
    _run(lambda: app(scope, receive, send))
    assert sent == []
    assert service.store.search(service.registry.resource_type("User"), Query()).total == 0


# -- lifespan and threads --------------------------------------------------------------------------


def test_lifespan_startup_and_shutdown_complete(app: ScimASGI) -> None:
    """Lifespan startup and shutdown are acknowledged, and the lifespan call then returns."""
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return incoming.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def go() -> None:
        await asyncio.wait_for(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send), timeout=5)

    _run(go)
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]


class BlockingStore(MemoryStore):
    """A store that says it blocks, and records the thread each search runs on."""

    blocking = True

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[int] = []

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = "default") -> Page:
        self.threads.append(threading.get_ident())
        return super().search(rtype, query, directory=directory)


def test_blocking_store_runs_off_the_event_loop() -> None:
    """A store marked blocking is called from a worker thread, not the event loop's thread."""
    store = BlockingStore()
    app = ScimASGI(ScimService(store, clock=StepClock(), anonymous=True))
    loop_threads: list[int] = []

    async def go() -> int:
        loop_threads.append(threading.get_ident())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
            return (await client.get("/Users")).status_code

    assert _run(go) == 200
    assert store.threads and store.threads[0] != loop_threads[0]
