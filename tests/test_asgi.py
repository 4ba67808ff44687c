"""The ASGI adapter, in process through httpx.ASGITransport: mounting, URLs, bounded bodies, lifespan."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, MutableMapping
from typing import Any

import httpx
import pytest

from scimcore import MemoryStore, ScimService
from scimcore.asgi import ScimASGI
from scimcore.schema.registry import ResourceTypeDef
from scimcore.store.port import Page, Query
from tests.conftest import TOKEN, USER_SCHEMA, StepClock, make_service

ORIGIN = "http://idp.test:8080"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
USER = {"schemas": [USER_SCHEMA], "userName": "alice"}


def _run(coro: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(coro())


def _send(app: ScimASGI, method: str, url: str, *, root_path: str = "", **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, root_path=root_path)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            kwargs.setdefault("headers", AUTH)
            return await client.request(method, url, **kwargs)

    result: httpx.Response = _run(go)
    return result


@pytest.fixture
def app() -> ScimASGI:
    return ScimASGI(make_service(), prefix="/scim/v2")


def test_prefix_mounting(app: ScimASGI) -> None:
    """Endpoints are served below the prefix: POST then GET /scim/v2/Users/{id}."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER)
    assert created.status_code == 201
    fetched = _send(app, "GET", f"/scim/v2/Users/{created.json()['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created.json()


@pytest.mark.parametrize("prefix", ["scim/v2", "/scim/v2/", "/scim/v2"])
def test_prefix_spelling_does_not_matter(prefix: str) -> None:
    """A prefix with or without leading and trailing slashes mounts at the same place."""
    app = ScimASGI(make_service(), prefix=prefix)
    assert _send(app, "GET", "/scim/v2/Users").status_code == 200


@pytest.mark.parametrize("path", ["/other", "/scim", "/scim/v2x/Users", "/Users"])
def test_outside_the_prefix_is_a_scim_404(app: ScimASGI, path: str) -> None:
    """A path outside the prefix is a 404 SCIM error."""
    response = _send(app, "GET", path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "404"


def test_prefix_itself_is_the_root(app: ScimASGI) -> None:
    """The prefix without a trailing slash is the service root (GET / lists every type)."""
    _send(app, "POST", "/scim/v2/Users", json=USER)
    response = _send(app, "GET", "/scim/v2")
    assert response.status_code == 200
    assert response.json()["totalResults"] == 1


def test_no_prefix_serves_at_the_root() -> None:
    """Without a prefix, /Users is served directly."""
    app = ScimASGI(make_service())
    created = _send(app, "POST", "/Users", json=USER)
    assert created.headers["location"] == f"{ORIGIN}/Users/{created.json()['id']}"


def test_location_is_built_from_the_request_host(app: ScimASGI) -> None:
    """Location and meta.location use the scheme, Host and prefix of the request."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER)
    expected = f"{ORIGIN}/scim/v2/Users/{created.json()['id']}"
    assert created.headers["location"] == expected
    assert created.json()["meta"]["location"] == expected


def test_location_follows_another_host(app: ScimASGI) -> None:
    """A different Host header gives a different Location."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER, headers={**AUTH, "Host": "other.example"})
    assert created.headers["location"].startswith("http://other.example/scim/v2/Users/")


def test_root_path_is_part_of_urls(app: ScimASGI) -> None:
    """A mount point given as the ASGI root_path is stripped from the path and kept in URLs."""
    created = _send(app, "POST", "/mount/scim/v2/Users", json=USER, root_path="/mount")
    assert created.status_code == 201
    assert created.headers["location"] == f"{ORIGIN}/mount/scim/v2/Users/{created.json()['id']}"


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example", "X-Forwarded-Prefix": "/proxy"}


def test_forwarded_headers_are_ignored_by_default(app: ScimASGI) -> None:
    """Without trust_forwarded, X-Forwarded-* headers do not change Location."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER, headers={**AUTH, **FORWARDED})
    assert created.headers["location"].startswith(f"{ORIGIN}/scim/v2/Users/")


def test_forwarded_headers_are_honoured_when_trusted() -> None:
    """With trust_forwarded=True, X-Forwarded-Proto, -Host and -Prefix shape Location and meta.location."""
    app = ScimASGI(make_service(), prefix="/scim/v2", trust_forwarded=True)
    created = _send(app, "POST", "/scim/v2/Users", json=USER, headers={**AUTH, **FORWARDED})
    expected = f"https://public.example/proxy/scim/v2/Users/{created.json()['id']}"
    assert created.headers["location"] == expected
    assert created.json()["meta"]["location"] == expected


def test_first_forwarded_value_wins() -> None:
    """A list of forwarded hosts (several proxies) uses the first, the client-facing one."""
    app = ScimASGI(make_service(), prefix="/scim/v2", trust_forwarded=True)
    headers = {**AUTH, "X-Forwarded-Host": "public.example, inner.example", "X-Forwarded-Proto": "https, http"}
    created = _send(app, "POST", "/scim/v2/Users", json=USER, headers=headers)
    assert created.headers["location"].startswith("https://public.example/scim/v2/Users/")


# -- bounded body reads ----------------------------------------------------------------------------


def test_body_over_the_limit_by_content_length_is_413() -> None:
    """A Content-Length above the bound is a 413 SCIM error."""
    app = ScimASGI(make_service(), prefix="/scim/v2", max_body_bytes=100)
    response = _send(
        app, "POST", "/scim/v2/Users", content=b" " * 101, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["status"] == "413"
    assert response.headers["content-type"] == "application/scim+json"


def test_content_length_over_the_limit_is_refused_before_reading() -> None:
    """A Content-Length above the bound is refused without reading any of the body."""
    app = ScimASGI(make_service(), max_body_bytes=100)
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        raise AssertionError("the body must not be read")

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/Users",
        "headers": [(b"content-length", b"1000000000"), (b"authorization", f"Bearer {TOKEN}".encode())],
    }
    _run(lambda: app(scope, receive, send))
    assert sent[0]["status"] == 413


def test_streamed_body_over_the_limit_is_413_and_read_no_further() -> None:
    """A body without Content-Length is read only up to the bound, then answered 413."""
    app = ScimASGI(make_service(), prefix="/scim/v2", max_body_bytes=200)
    produced = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(100):
            produced += 1
            yield b" " * 50

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
            request = client.build_request("POST", "/scim/v2/Users", content=chunks(), headers=AUTH)
            assert "content-length" not in request.headers
            return await client.send(request)

    response: httpx.Response = _run(go)
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body exceeds 200 bytes."
    assert produced <= 6


def test_streamed_body_under_the_limit_is_reassembled() -> None:
    """A body streamed in small chunks without Content-Length is read whole and served."""
    app = ScimASGI(make_service(), prefix="/scim/v2")
    payload = json.dumps(USER).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 7):
            yield payload[i : i + 7]

    response = _send(app, "POST", "/scim/v2/Users", content=chunks())
    assert response.status_code == 201
    assert response.json()["userName"] == "alice"


def test_adapter_limit_defaults_to_the_service_limit() -> None:
    """Without max_body_bytes the adapter uses the service's configured limit."""
    app = ScimASGI(make_service(max_body_bytes=50), prefix="/scim/v2")
    assert app.max_body_bytes == 50
    assert _send(app, "POST", "/scim/v2/Users", content=b" " * 51).status_code == 413


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
    app = ScimASGI(ScimService(store, clock=StepClock()))
    loop_threads: list[int] = []

    async def go() -> int:
        loop_threads.append(threading.get_ident())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
            return (await client.get("/Users")).status_code

    assert _run(go) == 200
    assert store.threads and store.threads[0] != loop_threads[0]


# -- content type ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/scim/v2/Users", {"json": USER}, 201),
        ("GET", "/scim/v2/Users", {}, 200),
        ("GET", "/scim/v2/ServiceProviderConfig", {}, 200),
        ("GET", "/scim/v2/Schemas", {}, 200),
        ("GET", "/scim/v2/Users/nope", {}, 404),
        ("DELETE", "/scim/v2/Users", {}, 405),
        ("POST", "/scim/v2/Bulk", {"json": {}}, 400),
        ("GET", "/scim/v2/Users", {"headers": {}}, 401),
        ("POST", "/scim/v2/Users", {"content": b"{", "headers": {**AUTH, "Content-Type": "application/json"}}, 400),
        ("POST", "/scim/v2/Users", {"content": b"x", "headers": {**AUTH, "Content-Type": "text/plain"}}, 415),
        ("GET", "/elsewhere", {}, 404),
    ],
)
def test_every_response_is_scim_json(
    app: ScimASGI, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    """Every response with a body is application/scim+json with a correct Content-Length."""
    response = _send(app, method, path, **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/scim+json"
    assert int(response.headers["content-length"]) == len(response.content)
    json.loads(response.content)


def test_headers_pass_through(app: ScimASGI) -> None:
    """ETag, Allow and WWW-Authenticate set by the service reach the client."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER)
    assert created.headers["etag"] == 'W/"1"'
    assert _send(app, "DELETE", "/scim/v2/Users").headers["allow"] == "GET, POST"
    assert _send(app, "GET", "/scim/v2/Users", headers={}).headers["www-authenticate"].startswith("Bearer")


def test_delete_and_not_modified_have_empty_bodies(app: ScimASGI) -> None:
    """204 and 304 responses carry no body."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER).json()
    url = f"/scim/v2/Users/{created['id']}"
    not_modified = _send(app, "GET", url, headers={**AUTH, "If-None-Match": created["meta"]["version"]})
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    deleted = _send(app, "DELETE", url)
    assert (deleted.status_code, deleted.content) == (204, b"")


def test_query_string_reaches_the_service(app: ScimASGI) -> None:
    """filter and the aadOptscim062020 flag in the URL query are passed through."""
    _send(app, "POST", "/scim/v2/Users", json=USER)
    _send(app, "POST", "/scim/v2/Users", json={**USER, "userName": "bob"})
    response = _send(app, "GET", '/scim/v2/Users?aadOptscim062020&filter=userName eq "bob"')
    assert [r["userName"] for r in response.json()["Resources"]] == ["bob"]
