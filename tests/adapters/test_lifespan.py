"""The ASGI lifespan runs the webhook dispatcher; without one running, waiting webhook events are warned of once."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.adapters.asgi import ScimASGI
from scimcore.directories import DirectoryManager
from scimcore.dispatch import DispatchConfig
from scimcore.emitter import dispatchers_running
from scimcore.store.port import DEFAULT_DIRECTORY
from tests.conftest import TOKEN, USER_SCHEMA
from tests.test_directory_sync import SECRET, Receiver

FAST = DispatchConfig(poll_seconds=0.05, timeout_seconds=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def service_with_webhook(url: str | None) -> ScimService:
    """A memory service whose default directory sends its events to ``url`` (``None``: it has no webhook)."""
    store = MemoryStore()
    secret = SECRET if url else None
    DirectoryManager(store).create("default", directory_id=DEFAULT_DIRECTORY, webhook_url=url, webhook_secret=secret)
    return ScimService(store, authenticator=BearerTokens([TOKEN]))


class Lifespan:
    """Drives an ASGI app's ``lifespan`` scope the way a server does, recording what the app answers."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.incoming: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.sent: list[MutableMapping[str, Any]] = []
        self.task: asyncio.Task[None] | None = None

    async def _receive(self) -> dict[str, str]:
        return await self.incoming.get()

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        self.sent.append(message)

    async def _answer(self, count: int) -> MutableMapping[str, Any]:
        for _ in range(500):
            if len(self.sent) >= count:
                return self.sent[count - 1]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no lifespan answer: {self.sent}")

    async def startup(self) -> MutableMapping[str, Any]:
        self.task = asyncio.create_task(self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, self._receive,
                                                 self._send))
        await self.incoming.put({"type": "lifespan.startup"})
        return await self._answer(1)

    async def shutdown(self) -> MutableMapping[str, Any]:
        await self.incoming.put({"type": "lifespan.shutdown"})
        answer = await self._answer(2)
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout=10)
        return answer


async def create_user(app: Any, name: str = "alice") -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://scim.test") as client:
        response = await client.post(
            "/Users", content=json.dumps({"schemas": [USER_SCHEMA], "userName": name}),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"},
        )
    assert response.status_code == 201, response.text


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def statuses(service: ScimService) -> list[str]:
    return [stored.status for stored in service.store.list_events(DEFAULT_DIRECTORY)]  # type: ignore[attr-defined]


def test_lifespan_startup_starts_a_dispatcher_that_delivers_webhooks(receiver: Receiver) -> None:
    """After lifespan startup, a user created over HTTP reaches the directory's webhook, signed."""
    app = ScimASGI(service_with_webhook(receiver.url), dispatch_config=FAST)

    async def go() -> None:
        lifespan = Lifespan(app)
        assert await lifespan.startup() == {"type": "lifespan.startup.complete"}
        assert app.dispatcher is not None and dispatchers_running() == 1
        await create_user(app)
        await until(lambda: len(receiver.events) == 1)
        await lifespan.shutdown()

    asyncio.run(go())
    assert receiver.events[0]["type"] == "user.created" and receiver.bad_signatures == 0
    assert statuses(app.service) == ["delivered"]


def test_lifespan_shutdown_stops_the_dispatcher(receiver: Receiver) -> None:
    """Lifespan shutdown stops the dispatcher and is then acknowledged."""
    app = ScimASGI(service_with_webhook(receiver.url), dispatch_config=FAST)

    async def go() -> MutableMapping[str, Any]:
        lifespan = Lifespan(app)
        await lifespan.startup()
        return await lifespan.shutdown()

    assert asyncio.run(go()) == {"type": "lifespan.shutdown.complete"}
    assert app.dispatcher is None and dispatchers_running() == 0


def test_events_written_while_stopped_are_delivered_at_the_next_startup(receiver: Receiver) -> None:
    """The outbox keeps what was written between two lifespans; the next startup delivers it."""
    app = ScimASGI(service_with_webhook(receiver.url), dispatch_config=FAST)

    async def go() -> None:
        await create_user(app)
        assert statuses(app.service) == ["pending"]
        lifespan = Lifespan(app)
        await lifespan.startup()
        await until(lambda: len(receiver.events) == 1)
        await lifespan.shutdown()

    asyncio.run(go())
    assert statuses(app.service) == ["delivered"]


def test_dispatch_false_leaves_delivery_to_another_process(receiver: Receiver) -> None:
    """With ``dispatch=False`` the lifespan starts no dispatcher: events stay pending for someone else."""
    app = ScimASGI(service_with_webhook(receiver.url), dispatch=False, dispatch_config=FAST)

    async def go() -> None:
        lifespan = Lifespan(app)
        await lifespan.startup()
        assert app.dispatcher is None and dispatchers_running() == 0
        await create_user(app)
        await asyncio.sleep(0.3)
        await lifespan.shutdown()

    asyncio.run(go())
    assert receiver.events == [] and statuses(app.service) == ["pending"]


def test_a_failing_startup_hook_reports_startup_failed() -> None:
    """A start-up hook that raises is answered ``lifespan.startup.failed`` with its message (ASGI lifespan spec)."""

    async def broken() -> None:
        raise RuntimeError("no config")

    app = ScimASGI(service_with_webhook(None), on_startup=[broken])

    async def go() -> MutableMapping[str, Any]:
        lifespan = Lifespan(app)
        answer = await lifespan.startup()
        assert lifespan.task is not None
        await asyncio.wait_for(lifespan.task, timeout=5)
        return answer

    assert asyncio.run(go()) == {"type": "lifespan.startup.failed", "message": "RuntimeError: no config"}
    assert app.dispatcher is None and dispatchers_running() == 0


def test_waiting_webhook_events_are_warned_of_once(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    """Without a running dispatcher, the first webhook event written logs one warning saying how to start one."""
    app = ScimASGI(service_with_webhook(receiver.url))

    async def go() -> None:
        await create_user(app, "alice")
        await create_user(app, "bob")

    with caplog.at_level(logging.WARNING, logger="scimcore"):
        asyncio.run(go())
    warnings = [r.getMessage() for r in caplog.records if "no dispatcher runs" in r.getMessage()]
    assert len(warnings) == 1
    assert "dispatching()" in warnings[0] and "dispatch=False" in warnings[0]


def test_events_of_a_directory_without_webhook_are_not_warned_of(caplog: pytest.LogCaptureFixture) -> None:
    """A directory with no webhook has nothing waiting for a dispatcher: no warning."""
    app = ScimASGI(service_with_webhook(None))
    with caplog.at_level(logging.WARNING, logger="scimcore"):
        asyncio.run(create_user(app))
    assert not [r for r in caplog.records if "no dispatcher runs" in r.getMessage()]


def test_no_warning_while_a_dispatcher_runs(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    """Events written while the lifespan's dispatcher runs are not warned of."""
    app = ScimASGI(service_with_webhook(receiver.url), dispatch_config=FAST)

    async def go() -> None:
        lifespan = Lifespan(app)
        await lifespan.startup()
        await create_user(app)
        await until(lambda: len(receiver.events) == 1)
        await lifespan.shutdown()

    with caplog.at_level(logging.WARNING, logger="scimcore"):
        asyncio.run(go())
    assert not [r for r in caplog.records if "no dispatcher runs" in r.getMessage()]


def test_fastapi_lifespan_entering_dispatching_delivers_webhooks(receiver: Receiver) -> None:
    """Mounted in FastAPI, whose lifespan skips mounted apps, ``dispatching()`` in FastAPI's own lifespan delivers."""
    fastapi = pytest.importorskip("fastapi")
    scim = ScimASGI(service_with_webhook(receiver.url), dispatch_config=FAST)

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        async with scim.dispatching():
            yield

    app = fastapi.FastAPI(lifespan=lifespan)
    app.mount("/scim/v2", scim)

    async def go() -> None:
        server = Lifespan(app)
        assert await server.startup() == {"type": "lifespan.startup.complete"}
        assert dispatchers_running() == 1
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as client:
            response = await client.post(
                "/scim/v2/Users", content=json.dumps({"schemas": [USER_SCHEMA], "userName": "alice"}),
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"},
            )
        assert response.status_code == 201, response.text
        await until(lambda: len(receiver.events) == 1)
        await server.shutdown()

    asyncio.run(go())
    assert [event["type"] for event in receiver.events] == ["user.created"]
    assert scim.dispatcher is None and dispatchers_running() == 0


def test_dispatching_inside_a_running_lifespan_starts_no_second_dispatcher(receiver: Receiver) -> None:
    """``dispatching()`` while the app's own lifespan runs one yields ``None``: one dispatcher per app."""
    app = ScimASGI(service_with_webhook(receiver.url), dispatch_config=FAST)

    async def go() -> None:
        lifespan = Lifespan(app)
        await lifespan.startup()
        async with app.dispatching() as second:
            assert second is None and dispatchers_running() == 1
        assert app.dispatcher is not None
        await lifespan.shutdown()

    asyncio.run(go())


def test_a_webhook_added_later_is_warned_of_after_the_recheck(caplog: pytest.LogCaptureFixture) -> None:
    """A directory seen without a webhook is looked at again after ``recheck_seconds``, then warned of."""
    from scimcore.emitter import UndeliveredEvents

    app = ScimASGI(service_with_webhook(None))
    [watch] = [s for s in app.service.subscribers if isinstance(s, UndeliveredEvents)]
    now = [0.0]
    watch.monotonic = lambda: now[0]
    with caplog.at_level(logging.WARNING, logger="scimcore"):
        asyncio.run(create_user(app, "alice"))
        DirectoryManager(app.service.store).update(  # type: ignore[arg-type]
            DEFAULT_DIRECTORY, webhook_url="https://hooks.example.com/scim"
        )
        asyncio.run(create_user(app, "bob"))
        assert not [r for r in caplog.records if "no dispatcher runs" in r.getMessage()]
        now[0] = watch.recheck_seconds + 1
        asyncio.run(create_user(app, "carol"))
    assert len([r for r in caplog.records if "no dispatcher runs" in r.getMessage()]) == 1
