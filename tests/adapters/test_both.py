"""What both adapters do alike, run through each: mounting, directories, URLs, bounded bodies, responses.

The ``send`` fixture drives :class:`ScimASGI` with ``asyncio.run`` and a hand-made scope, ``receive`` and
``send``, or :class:`ScimWSGI` with a PEP 3333 environ and ``start_response``, the way a server would, and
answers ``(status, headers with lower-case names, body)``.  What only one adapter does is tested in
``test_asgi.py`` or ``test_wsgi.py``.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Protocol

import pytest

from scimcore.adapters import common
from scimcore.adapters.asgi import ScimASGI
from scimcore.adapters.wsgi import ScimWSGI
from tests.conftest import TOKEN, USER_SCHEMA, make_service

HOST = "idp.test:8080"
ORIGIN = f"http://{HOST}"
SERVER = ("127.0.0.1", 8000)
AUTH = {"authorization": f"Bearer {TOKEN}"}
USER = {"schemas": [USER_SCHEMA], "userName": "alice"}
USER_BODY = json.dumps(USER).encode()
FORWARDED = {"x-forwarded-proto": "https", "x-forwarded-host": "public.example", "x-forwarded-prefix": "/proxy"}

App = ScimASGI | ScimWSGI
Response = tuple[int, dict[str, str], bytes]


class Adapter(Protocol):
    def __call__(self, service: Any, **options: Any) -> App: ...


class Send(Protocol):
    def __call__(
        self,
        app: App,
        method: str,
        path: str,
        *,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        chunks: Iterable[bytes] | None = None,
        unread_length: int | None = None,
        mount: str = "",
        host: str | None = HOST,
        scheme: str = "http",
        server: tuple[str, int] = SERVER,
    ) -> Response: ...


def _request_headers(
    headers: Mapping[str, str] | None, host: str | None, has_body: bool, length: int | None
) -> dict[str, str]:
    """The request's headers, lower-cased: AUTH unless given, Host, a SCIM Content-Type and the length."""
    out = {k.lower(): v for k, v in (AUTH if headers is None else headers).items()}
    if host is not None:
        out.setdefault("host", host)
    if has_body:
        out.setdefault("content-type", "application/scim+json")
    if length is not None:
        out["content-length"] = str(length)
    return out


def _asgi(
    app: ScimASGI,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes | None,
    chunks: Iterable[bytes] | None,
    unread: bool,
    mount: str,
    scheme: str,
    server: tuple[str, int],
) -> Response:
    """One request through the ASGI app: ``path`` below the mount point, which the scope's root_path names."""
    scope: MutableMapping[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": mount + path,
        "raw_path": (mount + path).encode(),
        "root_path": mount,
        "query_string": query.encode("latin-1"),
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "server": server,
        "client": ("127.0.0.1", 50000),
    }
    pending: Iterator[bytes] = iter(chunks) if chunks is not None else iter([body or b""])
    streamed = chunks is not None
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        if unread:
            raise AssertionError("the body must not be read")
        chunk = next(pending, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": streamed}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start, *rest = sent
    response_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]}
    return start["status"], response_headers, b"".join(m.get("body", b"") for m in rest)


class _ChunkStream(io.RawIOBase):
    """A dechunked wsgi.input that pulls the next chunk only when the adapter reads past the last one."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        if n is None or n < 0:
            n = len(self._buffer)
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


class _Unreadable(io.RawIOBase):
    """A wsgi.input that fails the test when read."""

    def read(self, n: int | None = -1) -> bytes:
        raise AssertionError("the body must not be read")


def _wsgi(
    app: ScimWSGI,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes | None,
    chunks: Iterable[bytes] | None,
    unread: bool,
    mount: str,
    scheme: str,
    server: tuple[str, int],
) -> Response:
    """One request through the WSGI app: ``path`` as PATH_INFO (latin-1, PEP 3333), the mount as SCRIPT_NAME."""
    stream: io.RawIOBase = (
        _Unreadable() if unread else _ChunkStream(chunks) if chunks is not None else io.BytesIO(body or b"")
    )
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": mount,
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": stream,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if chunks is not None:
        environ["wsgi.input_terminated"] = True
    for name, value in headers.items():
        if name in ("content-type", "content-length"):
            environ[name.upper().replace("-", "_")] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, response_headers

    response_body = b"".join(app(environ, start_response))
    response_headers = {k.lower(): v for k, v in captured["headers"]}
    return int(captured["status"].split(" ", 1)[0]), response_headers, response_body


@pytest.fixture(params=["asgi", "wsgi"])
def adapter(request: pytest.FixtureRequest) -> Adapter:
    """The adapter class under test."""
    return ScimASGI if request.param == "asgi" else ScimWSGI  # type: ignore[return-value]


@pytest.fixture
def send() -> Send:
    """A callable sending one request through either adapter: ``send(app, method, path, ...)``."""

    def go(
        app: App,
        method: str,
        path: str,
        *,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        chunks: Iterable[bytes] | None = None,
        unread_length: int | None = None,
        mount: str = "",
        host: str | None = HOST,
        scheme: str = "http",
        server: tuple[str, int] = SERVER,
    ) -> Response:
        length = unread_length if unread_length is not None else len(body) if body is not None else None
        all_headers = _request_headers(headers, host, body is not None or chunks is not None, length)
        drive = _asgi if isinstance(app, ScimASGI) else _wsgi
        return drive(
            app,  # type: ignore[arg-type]
            method,
            path,
            query,
            all_headers,
            body,
            chunks,
            unread_length is not None,
            mount,
            scheme,
            server,
        )

    return go


@pytest.fixture
def app(adapter: Adapter) -> App:
    return adapter(make_service(), prefix="/scim/v2")


def _json(body: bytes) -> Any:
    return json.loads(body)


def test_public_import_path_serves_the_adapter(adapter: Adapter) -> None:
    """scimcore.asgi.ScimASGI and scimcore.wsgi.ScimWSGI are the classes in scimcore.adapters."""
    name = adapter.__name__  # type: ignore[attr-defined]
    module = importlib.import_module("scimcore.asgi" if name == "ScimASGI" else "scimcore.wsgi")
    assert getattr(module, name) is adapter
    assert module.__all__ == [name]


# -- the mount prefix --------------------------------------------------------------------------------


def test_prefix_mounting(app: App, send: Send) -> None:
    """Endpoints are served below the prefix: POST then GET /scim/v2/Users/{id}."""
    status, _, created = send(app, "POST", "/scim/v2/Users", body=USER_BODY)
    assert status == 201
    status, _, fetched = send(app, "GET", f"/scim/v2/Users/{_json(created)['id']}")
    assert status == 200
    assert _json(fetched) == _json(created)


@pytest.mark.parametrize("prefix", ["scim/v2", "/scim/v2/", "/scim/v2"])
def test_prefix_spelling_does_not_matter(adapter: Adapter, send: Send, prefix: str) -> None:
    """A prefix with or without leading and trailing slashes mounts at the same place."""
    assert send(adapter(make_service(), prefix=prefix), "GET", "/scim/v2/Users")[0] == 200


@pytest.mark.parametrize("path", ["/other", "/scim", "/scim/v2x/Users", "/Users"])
def test_outside_the_prefix_is_a_scim_404(app: App, send: Send, path: str) -> None:
    """A path outside the prefix is a 404 SCIM error."""
    status, headers, body = send(app, "GET", path)
    assert status == 404
    assert headers["content-type"] == "application/scim+json"
    assert _json(body)["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert _json(body)["status"] == "404"


def test_prefix_itself_is_the_root(app: App, send: Send) -> None:
    """The prefix without a trailing slash is the service root (GET / lists every type)."""
    send(app, "POST", "/scim/v2/Users", body=USER_BODY)
    status, _, body = send(app, "GET", "/scim/v2")
    assert status == 200
    assert _json(body)["totalResults"] == 1


def test_no_prefix_serves_at_the_root(adapter: Adapter, send: Send) -> None:
    """Without a prefix, /Users is served directly."""
    _, headers, body = send(adapter(make_service()), "POST", "/Users", body=USER_BODY)
    assert headers["location"] == f"{ORIGIN}/Users/{_json(body)['id']}"


def test_mount_point_is_part_of_urls(app: App, send: Send) -> None:
    """The mount point (ASGI root_path, WSGI SCRIPT_NAME) precedes the prefix in Location."""
    status, headers, body = send(app, "POST", "/scim/v2/Users", body=USER_BODY, mount="/mount")
    assert status == 201
    assert headers["location"] == f"{ORIGIN}/mount/scim/v2/Users/{_json(body)['id']}"


# -- directories ---------------------------------------------------------------------------------------


def test_directory_segment_routes_to_that_directory(adapter: Adapter, send: Send) -> None:
    """With directories=True, /<directory>/Users reaches that directory and no other."""
    app = adapter(make_service(), prefix="/scim/v2", directories=True)
    assert send(app, "POST", "/scim/v2/acme/Users", body=USER_BODY)[0] == 201
    assert _json(send(app, "GET", "/scim/v2/acme/Users")[2])["totalResults"] == 1
    assert _json(send(app, "GET", "/scim/v2/other/Users")[2])["totalResults"] == 0
    assert _json(send(app, "GET", "/scim/v2/Users")[2])["totalResults"] == 0


def test_directory_segment_is_part_of_urls(adapter: Adapter, send: Send) -> None:
    """A directory's Location and meta.location keep its segment after the prefix."""
    app = adapter(make_service(), prefix="/scim/v2", directories=True)
    _, headers, body = send(app, "POST", "/scim/v2/acme/Users", body=USER_BODY)
    expected = f"{ORIGIN}/scim/v2/acme/Users/{_json(body)['id']}"
    assert headers["location"] == expected
    assert _json(body)["meta"]["location"] == expected


@pytest.mark.parametrize("path", ["/scim/v2/Users", "/scim/v2/Schemas", "/scim/v2/ServiceProviderConfig"])
def test_endpoints_address_the_default_directory(adapter: Adapter, send: Send, path: str) -> None:
    """With directories=True, a first segment that is a SCIM endpoint is served by the default directory."""
    assert send(adapter(make_service(), prefix="/scim/v2", directories=True), "GET", path)[0] == 200


def test_directory_segment_is_a_path_when_directories_are_off(app: App, send: Send) -> None:
    """Without directories=True, /<directory>/Users names no endpoint: a 404."""
    assert send(app, "GET", "/scim/v2/acme/Users")[0] == 404


def test_missing_directory_is_a_404_without_a_default_directory(adapter: Adapter, send: Send) -> None:
    """With default_directory=None, a path naming no directory is a 404 saying how to address one."""
    app = adapter(make_service(), prefix="/scim/v2", directories=True, default_directory=None)
    status, headers, body = send(app, "GET", "/scim/v2/Users")
    assert status == 404
    assert headers["content-type"] == "application/scim+json"
    assert _json(body)["detail"] == "No SCIM endpoint at '/scim/v2/Users': address a directory as /scim/v2/<id>/..."


def test_named_directory_is_served_without_a_default_directory(adapter: Adapter, send: Send) -> None:
    """With default_directory=None, /<directory>/Users is still served."""
    app = adapter(make_service(), prefix="/scim/v2", directories=True, default_directory=None)
    assert send(app, "GET", "/scim/v2/acme/Users")[0] == 200


# -- the base URL --------------------------------------------------------------------------------------


def test_location_is_built_from_the_request_host(app: App, send: Send) -> None:
    """Location and meta.location use the scheme, Host and prefix of the request."""
    _, headers, body = send(app, "POST", "/scim/v2/Users", body=USER_BODY)
    expected = f"{ORIGIN}/scim/v2/Users/{_json(body)['id']}"
    assert headers["location"] == expected
    assert _json(body)["meta"]["location"] == expected


def test_location_follows_another_host(app: App, send: Send) -> None:
    """A different Host header gives a different Location."""
    _, headers, _ = send(app, "POST", "/scim/v2/Users", body=USER_BODY, host="other.example")
    assert headers["location"].startswith("http://other.example/scim/v2/Users/")


def test_location_without_host_uses_the_server_address(adapter: Adapter, send: Send) -> None:
    """Without a Host header the base URL comes from the server's name and port and the scheme."""
    app = adapter(make_service())
    status, headers, _ = send(
        app, "POST", "/Users", body=USER_BODY, host=None, scheme="https", server=("scim.internal", 8443)
    )
    assert status == 201
    assert headers["location"].startswith("https://scim.internal:8443/Users/")


def test_forwarded_headers_are_ignored_by_default(app: App, send: Send) -> None:
    """Without trust_forwarded, X-Forwarded-* headers do not change Location."""
    _, headers, _ = send(app, "POST", "/scim/v2/Users", body=USER_BODY, headers={**AUTH, **FORWARDED})
    assert headers["location"].startswith(f"{ORIGIN}/scim/v2/Users/")


def test_forwarded_headers_are_honoured_when_trusted(adapter: Adapter, send: Send) -> None:
    """With trust_forwarded=True, X-Forwarded-Proto, -Host and -Prefix shape Location and meta.location."""
    app = adapter(make_service(), prefix="/scim/v2", trust_forwarded=True)
    _, headers, body = send(app, "POST", "/scim/v2/Users", body=USER_BODY, headers={**AUTH, **FORWARDED})
    expected = f"https://public.example/proxy/scim/v2/Users/{_json(body)['id']}"
    assert headers["location"] == expected
    assert _json(body)["meta"]["location"] == expected


def test_first_forwarded_value_wins(adapter: Adapter, send: Send) -> None:
    """A list of forwarded hosts (several proxies) uses the first, the client-facing one."""
    app = adapter(make_service(), prefix="/scim/v2", trust_forwarded=True)
    forwarded = {**AUTH, "x-forwarded-host": "public.example, inner.example", "x-forwarded-proto": "https, http"}
    _, headers, _ = send(app, "POST", "/scim/v2/Users", body=USER_BODY, headers=forwarded)
    assert headers["location"].startswith("https://public.example/scim/v2/Users/")


def test_public_url_is_the_base_of_location(adapter: Adapter, send: Send) -> None:
    """With public_url, Location and meta.location start with it, whatever Host says."""
    app = adapter(make_service(), prefix="/scim/v2", public_url="https://scim.example.com/api/scim/v2/")
    _, headers, body = send(app, "POST", "/scim/v2/Users", body=USER_BODY, headers=AUTH)
    expected = f"https://scim.example.com/api/scim/v2/Users/{_json(body)['id']}"
    assert headers["location"] == expected and _json(body)["meta"]["location"] == expected


def test_public_url_keeps_the_directory_segment(adapter: Adapter, send: Send) -> None:
    """A directory addressed by path keeps its segment after the public URL."""
    app = adapter(make_service(), prefix="/scim/v2", directories=True, public_url="https://scim.example.com/scim/v2")
    _, headers, _ = send(app, "POST", "/scim/v2/acme/Users", body=USER_BODY, headers=AUTH)
    assert headers["location"].startswith("https://scim.example.com/scim/v2/acme/Users/")


def test_public_url_must_be_absolute(adapter: Adapter) -> None:
    """A public URL that is not an absolute http(s) URL is refused when the adapter is built."""
    with pytest.raises(ValueError, match="absolute"):
        adapter(make_service(), public_url="scim.example.com/scim/v2")


# -- bounded bodies ------------------------------------------------------------------------------------


def test_body_over_the_limit_by_content_length_is_413(adapter: Adapter, send: Send) -> None:
    """A Content-Length above the bound is a 413 SCIM error."""
    app = adapter(make_service(), prefix="/scim/v2", max_body_bytes=100)
    headers = {**AUTH, "content-type": "application/json"}
    status, response_headers, body = send(app, "POST", "/scim/v2/Users", body=b" " * 101, headers=headers)
    assert status == 413
    assert _json(body)["status"] == "413"
    assert response_headers["content-type"] == "application/scim+json"


def test_content_length_over_the_limit_is_refused_before_reading(adapter: Adapter, send: Send) -> None:
    """A Content-Length above the bound is refused without reading any of the body."""
    app = adapter(make_service(), max_body_bytes=100)
    status, _, body = send(app, "POST", "/Users", unread_length=10**9)
    assert status == 413
    assert _json(body)["status"] == "413"


def test_streamed_body_over_the_limit_is_413(adapter: Adapter, send: Send) -> None:
    """A body streamed without Content-Length is bounded too: a 413 naming the bound."""
    app = adapter(make_service(), prefix="/scim/v2", max_body_bytes=200)
    status, _, body = send(app, "POST", "/scim/v2/Users", chunks=[b" " * 50] * 100)
    assert status == 413
    assert _json(body)["detail"] == "The request body exceeds 200 bytes."


class _CountedChunks:
    """``count`` chunks of ``size`` spaces, counting how many were taken."""

    def __init__(self, count: int, size: int) -> None:
        self.count, self.size, self.produced = count, size, 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.count):
            self.produced += 1
            yield b" " * self.size


def test_streamed_body_over_the_limit_is_read_no_further_than_the_drain_bound(
    adapter: Adapter, send: Send, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A streamed body over the limit is read, and dropped, only up to DRAIN_BYTES."""
    monkeypatch.setattr(common, "DRAIN_BYTES", 1000)
    app = adapter(make_service(), prefix="/scim/v2", max_body_bytes=200)
    body = _CountedChunks(100, 50)
    assert send(app, "POST", "/scim/v2/Users", chunks=body)[0] == 413
    assert body.produced <= 1000 // 50 + 2


def test_a_refused_body_is_read_to_its_end_before_the_413(adapter: Adapter, send: Send) -> None:
    """A body over the limit but within DRAIN_BYTES is read to its end, so the client hears the 413."""
    app = adapter(make_service(), prefix="/scim/v2", max_body_bytes=200)
    body = _CountedChunks(100, 50)
    assert send(app, "POST", "/scim/v2/Users", chunks=body)[0] == 413
    assert body.produced == 100


def test_an_announced_body_over_the_limit_is_drained_unless_100_continue(adapter: Adapter, send: Send) -> None:
    """A Content-Length over the bound is read to its end; after Expect: 100-continue nothing is read."""
    app = adapter(make_service(), prefix="/scim/v2", max_body_bytes=100)
    headers = {**AUTH, "content-type": "application/json"}
    assert send(app, "POST", "/scim/v2/Users", body=b" " * 5000, headers=headers)[0] == 413
    waiting = {**headers, "expect": "100-continue"}
    assert send(app, "POST", "/scim/v2/Users", unread_length=5000, headers=waiting)[0] == 413


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("filter=" + "a" * 40_000, None, 414),
        ("", {**AUTH, "x-big": "b" * 40_000}, 431),
    ],
    ids=["long-query", "large-headers"],
)
def test_an_oversized_head_is_refused_with_its_status(
    adapter: Adapter, send: Send, query: str, headers: dict[str, str] | None, status: int
) -> None:
    """A query string over MAX_TARGET_BYTES is 414 and headers over MAX_HEADER_BYTES are 431, as SCIM errors."""
    app = adapter(make_service(), prefix="/scim/v2")
    got, _, body = send(app, "GET", "/scim/v2/Users", query=query, headers=headers)
    assert got == status
    assert _json(body)["status"] == str(status) and str(common.MAX_HEADER_BYTES) in _json(body)["detail"]


def test_streamed_body_under_the_limit_is_reassembled(app: App, send: Send) -> None:
    """A body streamed in small chunks without Content-Length is read whole and served."""
    chunks = [USER_BODY[i : i + 7] for i in range(0, len(USER_BODY), 7)]
    status, _, body = send(app, "POST", "/scim/v2/Users", chunks=chunks)
    assert status == 201
    assert _json(body)["userName"] == "alice"


def test_adapter_limit_defaults_to_the_service_limit(adapter: Adapter, send: Send) -> None:
    """Without max_body_bytes the adapter uses the service's configured limit."""
    app = adapter(make_service(max_body_bytes=50), prefix="/scim/v2")
    assert app.max_body_bytes == 50
    assert send(app, "POST", "/scim/v2/Users", body=b" " * 51)[0] == 413


# -- responses -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("POST", "/scim/v2/Users", USER_BODY, None, 201),
        ("GET", "/scim/v2/Users", None, None, 200),
        ("GET", "/scim/v2/ServiceProviderConfig", None, None, 200),
        ("GET", "/scim/v2/Schemas", None, None, 200),
        ("GET", "/scim/v2/ResourceTypes", None, None, 200),
        ("GET", "/scim/v2/Users/nope", None, None, 404),
        ("DELETE", "/scim/v2/Users", None, None, 405),
        ("PUT", "/scim/v2/Users", b"{}", None, 405),
        ("GET", "/scim/v2/Me", None, None, 501),
        ("POST", "/scim/v2/Bulk", b"{}", None, 400),
        ("GET", "/scim/v2/Users", None, {}, 401),
        ("POST", "/scim/v2/Users", b"{", {**AUTH, "content-type": "application/json"}, 400),
        ("POST", "/scim/v2/Users", b"x", {**AUTH, "content-type": "text/plain"}, 415),
        ("GET", "/elsewhere", None, None, 404),
    ],
)
def test_every_response_is_scim_json(
    app: App, send: Send, method: str, path: str, body: bytes | None, headers: dict[str, str] | None, status: int
) -> None:
    """Every response with a body is application/scim+json with a correct Content-Length."""
    got_status, got_headers, got_body = send(app, method, path, body=body, headers=headers)
    assert got_status == status
    assert got_headers["content-type"] == "application/scim+json"
    assert int(got_headers["content-length"]) == len(got_body)
    json.loads(got_body)


def test_headers_pass_through(app: App, send: Send) -> None:
    """ETag, Allow and WWW-Authenticate set by the service reach the client."""
    assert send(app, "POST", "/scim/v2/Users", body=USER_BODY)[1]["etag"] == 'W/"1"'
    assert send(app, "DELETE", "/scim/v2/Users")[1]["allow"] == "GET, POST"
    assert send(app, "GET", "/scim/v2/Users", headers={})[1]["www-authenticate"].startswith("Bearer")


def test_delete_and_not_modified_have_empty_bodies(app: App, send: Send) -> None:
    """204 and 304 responses carry no body and Content-Length 0."""
    created = _json(send(app, "POST", "/scim/v2/Users", body=USER_BODY)[2])
    url = f"/scim/v2/Users/{created['id']}"
    status, headers, body = send(app, "GET", url, headers={**AUTH, "if-none-match": created["meta"]["version"]})
    assert (status, body, headers["content-length"]) == (304, b"", "0")
    status, headers, body = send(app, "DELETE", url)
    assert (status, body, headers["content-length"]) == (204, b"", "0")


@pytest.mark.parametrize(
    "query",
    ["aadOptscim062020&filter=userName%20eq%20%22bob%22", "filter=userName%20eq%20%22bob%22&aadOptscim062020"],
)
def test_query_string_reaches_the_service(app: App, send: Send, query: str) -> None:
    """filter and the aadOptscim062020 flag in the URL query are passed through."""
    send(app, "POST", "/scim/v2/Users", body=USER_BODY)
    send(app, "POST", "/scim/v2/Users", body=json.dumps({**USER, "userName": "bob"}).encode())
    _, _, body = send(app, "GET", "/scim/v2/Users", query=query)
    assert [r["userName"] for r in _json(body)["Resources"]] == ["bob"]
