"""The WSGI adapter, in process through httpx.WSGITransport: mounting, URLs, bounded bodies (PEP 3333)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest

from scimcore.wsgi import ScimWSGI
from tests.conftest import TOKEN, USER_SCHEMA, make_service

ORIGIN = "http://idp.test:8080"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
USER = {"schemas": [USER_SCHEMA], "userName": "alice"}

WSGIApp = Any


def _send(app: WSGIApp, method: str, url: str, *, script_name: str = "", **kwargs: Any) -> httpx.Response:
    transport = httpx.WSGITransport(app=app, script_name=script_name)
    with httpx.Client(transport=transport, base_url=ORIGIN) as client:
        kwargs.setdefault("headers", AUTH)
        return client.request(method, url, **kwargs)


def _terminated(app: ScimWSGI) -> WSGIApp:
    """The app behind a server that dechunks request bodies and says so (gunicorn, werkzeug)."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return app({**environ, "wsgi.input_terminated": True}, start_response)

    return wrapped


class CountingInput(io.RawIOBase):
    """A wsgi.input that yields ``size`` bytes and counts how many were read; reading too far can fail."""

    def __init__(self, size: int, *, forbid: bool = False) -> None:
        self.left = size
        self.read_bytes = 0
        self.forbid = forbid

    def read(self, n: int | None = -1) -> bytes:
        if self.forbid:
            raise AssertionError("the body must not be read")
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        self.read_bytes += n
        return b" " * n


def _call(app: ScimWSGI, **environ: Any) -> tuple[str, dict[str, str], bytes]:
    """Call the app directly with a minimal environ."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, dict(headers)

    base = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/Users",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
        "CONTENT_TYPE": "application/scim+json",
    }
    body = b"".join(app({**base, **environ}, start_response))
    return captured["status"], captured["headers"], body


@pytest.fixture
def app() -> ScimWSGI:
    return ScimWSGI(make_service(), prefix="/scim/v2")


def test_prefix_mounting(app: ScimWSGI) -> None:
    """Endpoints are served below the prefix: POST then GET /scim/v2/Users/{id}."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER)
    assert created.status_code == 201
    fetched = _send(app, "GET", f"/scim/v2/Users/{created.json()['id']}")
    assert fetched.json() == created.json()


@pytest.mark.parametrize("path", ["/other", "/scim", "/scim/v2x/Users", "/Users"])
def test_outside_the_prefix_is_a_scim_404(app: ScimWSGI, path: str) -> None:
    """A path outside the prefix is a 404 SCIM error."""
    response = _send(app, "GET", path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/scim+json"
    assert response.json()["status"] == "404"


def test_location_is_built_from_the_request_host(app: ScimWSGI) -> None:
    """Location and meta.location use the scheme, Host and prefix of the request."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER)
    expected = f"{ORIGIN}/scim/v2/Users/{created.json()['id']}"
    assert created.headers["location"] == expected
    assert created.json()["meta"]["location"] == expected


def test_script_name_is_part_of_urls(app: ScimWSGI) -> None:
    """SCRIPT_NAME (the mount point) precedes the prefix in Location."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER, script_name="/app")
    assert created.headers["location"] == f"{ORIGIN}/app/scim/v2/Users/{created.json()['id']}"


def test_location_without_host_header_uses_server_name() -> None:
    """Without a Host header the base URL comes from SERVER_NAME and SERVER_PORT."""
    app = ScimWSGI(make_service())
    body = json.dumps(USER).encode()
    status, headers, _ = _call(
        app,
        SERVER_NAME="scim.internal",
        SERVER_PORT="8443",
        **{"wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))},
    )
    assert status == "201 Created"
    assert headers["Location"].startswith("https://scim.internal:8443/Users/")


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example", "X-Forwarded-Prefix": "/proxy"}


def test_forwarded_headers_are_ignored_by_default(app: ScimWSGI) -> None:
    """Without trust_forwarded, X-Forwarded-* headers do not change Location."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER, headers={**AUTH, **FORWARDED})
    assert created.headers["location"].startswith(f"{ORIGIN}/scim/v2/Users/")


def test_forwarded_headers_are_honoured_when_trusted() -> None:
    """With trust_forwarded=True, X-Forwarded-Proto, -Host and -Prefix shape Location and meta.location."""
    app = ScimWSGI(make_service(), prefix="/scim/v2", trust_forwarded=True)
    created = _send(app, "POST", "/scim/v2/Users", json=USER, headers={**AUTH, **FORWARDED})
    expected = f"https://public.example/proxy/scim/v2/Users/{created.json()['id']}"
    assert created.headers["location"] == expected
    assert created.json()["meta"]["location"] == expected


# -- bounded body reads ----------------------------------------------------------------------------


def test_body_over_the_limit_by_content_length_is_413() -> None:
    """A Content-Length above the bound is a 413 SCIM error."""
    app = ScimWSGI(make_service(), prefix="/scim/v2", max_body_bytes=100)
    response = _send(
        app, "POST", "/scim/v2/Users", content=b" " * 101, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["status"] == "413"


def test_content_length_over_the_limit_is_refused_before_reading() -> None:
    """A CONTENT_LENGTH above the bound is refused without reading the input."""
    app = ScimWSGI(make_service(), max_body_bytes=100)
    status, _, body = _call(app, CONTENT_LENGTH="1000000000", **{"wsgi.input": CountingInput(10**9, forbid=True)})
    assert status == "413 Request Entity Too Large"
    assert json.loads(body)["status"] == "413"


def test_streamed_body_over_the_limit_is_413() -> None:
    """A chunked body without Content-Length from a server that terminates the input is bounded: 413."""
    app = ScimWSGI(make_service(), prefix="/scim/v2", max_body_bytes=200)

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 50

    with httpx.Client(transport=httpx.WSGITransport(app=_terminated(app)), base_url=ORIGIN) as client:
        request = client.build_request("POST", "/scim/v2/Users", content=chunks(), headers=AUTH)
        assert "content-length" not in request.headers
        response = client.send(request)
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body exceeds 200 bytes."


def test_streamed_body_is_read_no_further_than_the_bound() -> None:
    """Without a length, at most one byte past the bound is read before answering 413."""
    app = ScimWSGI(make_service(), max_body_bytes=1000)
    stream = CountingInput(10**7)
    status, _, _ = _call(app, **{"wsgi.input": stream, "wsgi.input_terminated": True})
    assert status.startswith("413")
    assert stream.read_bytes <= 1001


def test_streamed_body_under_the_limit_is_served() -> None:
    """A chunked body under the bound from a terminating server is read whole and served."""
    app = ScimWSGI(make_service(), prefix="/scim/v2")
    payload = json.dumps(USER).encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(payload), 7):
            yield payload[i : i + 7]

    response = _send(_terminated(app), "POST", "/scim/v2/Users", content=chunks())
    assert response.status_code == 201
    assert response.json()["userName"] == "alice"


def test_unknown_length_is_not_read_without_terminated_input() -> None:
    """Without CONTENT_LENGTH or wsgi.input_terminated the input is not read (PEP 3333): an empty body."""
    app = ScimWSGI(make_service())
    status, _, body = _call(app, **{"wsgi.input": CountingInput(100, forbid=True)})
    assert status.startswith("400")
    assert json.loads(body)["scimType"] == "invalidSyntax"


def test_only_content_length_bytes_are_read() -> None:
    """With CONTENT_LENGTH, exactly that many bytes are read from the input."""
    app = ScimWSGI(make_service())
    payload = json.dumps(USER).encode()
    stream = io.BytesIO(payload + b"garbage after the body")
    status, _, _ = _call(app, CONTENT_LENGTH=str(len(payload)), **{"wsgi.input": stream})
    assert status == "201 Created"
    assert stream.tell() == len(payload)


# -- responses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/scim/v2/Users", {"json": USER}, 201),
        ("GET", "/scim/v2/Users", {}, 200),
        ("GET", "/scim/v2/ResourceTypes", {}, 200),
        ("GET", "/scim/v2/Users/nope", {}, 404),
        ("PUT", "/scim/v2/Users", {"json": {}}, 405),
        ("GET", "/scim/v2/Me", {}, 501),
        ("GET", "/scim/v2/Users", {"headers": {}}, 401),
        ("POST", "/scim/v2/Users", {"content": b"{", "headers": {**AUTH, "Content-Type": "application/json"}}, 400),
        ("POST", "/scim/v2/Users", {"content": b"x", "headers": {**AUTH, "Content-Type": "text/plain"}}, 415),
        ("GET", "/elsewhere", {}, 404),
    ],
)
def test_every_response_is_scim_json(
    app: ScimWSGI, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    """Every response with a body is application/scim+json with a correct Content-Length."""
    response = _send(app, method, path, **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/scim+json"
    assert int(response.headers["content-length"]) == len(response.content)
    json.loads(response.content)


@pytest.mark.parametrize(
    ("environ", "status"),
    [
        ({"REQUEST_METHOD": "GET"}, "200 OK"),
        ({"REQUEST_METHOD": "DELETE"}, "405 Method Not Allowed"),
        ({"REQUEST_METHOD": "GET", "PATH_INFO": "/Users/x"}, "404 Not Found"),
        ({"REQUEST_METHOD": "GET", "HTTP_AUTHORIZATION": ""}, "401 Unauthorized"),
    ],
)
def test_status_line_has_the_reason_phrase(environ: dict[str, str], status: str) -> None:
    """The WSGI status line carries the standard reason phrase."""
    assert _call(ScimWSGI(make_service()), **environ)[0] == status


def test_delete_has_an_empty_body(app: ScimWSGI) -> None:
    """A 204 carries no body and Content-Length 0."""
    created = _send(app, "POST", "/scim/v2/Users", json=USER).json()
    deleted = _send(app, "DELETE", f"/scim/v2/Users/{created['id']}")
    assert (deleted.status_code, deleted.content, deleted.headers["content-length"]) == (204, b"", "0")


def test_query_string_reaches_the_service(app: ScimWSGI) -> None:
    """filter and the aadOptscim062020 flag in the URL query are passed through."""
    _send(app, "POST", "/scim/v2/Users", json=USER)
    _send(app, "POST", "/scim/v2/Users", json={**USER, "userName": "bob"})
    response = _send(app, "GET", '/scim/v2/Users?filter=userName eq "bob"&aadOptscim062020')
    assert [r["userName"] for r in response.json()["Resources"]] == ["bob"]


def test_non_ascii_path_is_decoded() -> None:
    """A UTF-8 path delivered as latin-1 characters (PEP 3333) is decoded before routing."""
    raw = "/Users/caf\u00e9".encode().decode("latin-1")
    status, _, body = _call(ScimWSGI(make_service()), REQUEST_METHOD="GET", PATH_INFO=raw)
    assert status == "404 Not Found"
    assert "caf\u00e9" in json.loads(body)["detail"]
