"""The access log of the ASGI and WSGI adapters: one structured record per request on ``scimcore.access``."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scimcore.adapters.access import REDACTED, AccessLog, loggable_path, redact, redact_body, request_id
from scimcore.asgi import ScimASGI
from scimcore.wsgi import ScimWSGI
from tests.conftest import PATCH_OP, TOKEN, USER_SCHEMA, make_service

ORIGIN = "http://idp.test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FIELDS = ("method", "path", "status", "duration_ms", "directory", "request_id")

Send = Callable[..., httpx.Response]


def _asgi_sender(app: ScimASGI) -> Send:
    def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    return send


def _wsgi_sender(app: ScimWSGI) -> Send:
    def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=ORIGIN) as client:
            return client.request(method, url, **kwargs)

    return send


@pytest.fixture(params=["asgi", "wsgi"])
def make(request: pytest.FixtureRequest) -> Callable[..., Send]:
    """Build an app of either adapter over a fresh service and return a function that sends to it."""

    def build(**options: Any) -> Send:
        service = make_service()
        if request.param == "asgi":
            return _asgi_sender(ScimASGI(service, prefix="/scim/v2", **options))
        return _wsgi_sender(ScimWSGI(service, prefix="/scim/v2", **options))

    return build


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every scimcore record down to DEBUG (read ``.records`` in the test phase)."""
    caplog.set_level(logging.DEBUG, logger="scimcore")
    return caplog


def _access(records: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[logging.LogRecord]:
    return [r for r in records.records if r.name == "scimcore.access" and r.levelno == level]


def test_one_record_per_request_with_every_field(make: Callable[..., Send], records: pytest.LogCaptureFixture) -> None:
    """Each request makes one INFO record carrying method, path, status, duration, directory and request id."""
    send = make()
    send("POST", "/scim/v2/Users", json={"schemas": [USER_SCHEMA], "userName": "alice"}, headers=AUTH)
    [record] = _access(records)
    assert all(hasattr(record, name) for name in FIELDS)
    assert (record.method, record.path, record.status) == ("POST", "/scim/v2/Users", 201)  # type: ignore[attr-defined]
    assert record.directory == "default"  # type: ignore[attr-defined]
    assert isinstance(record.duration_ms, float) and record.duration_ms >= 0  # type: ignore[attr-defined]
    assert record.request_id is None  # type: ignore[attr-defined]


def test_message_is_readable(make: Callable[..., Send], records: pytest.LogCaptureFixture) -> None:
    """The message reads as method, path, status, duration and directory on one line."""
    make()("GET", "/scim/v2/Users", headers=AUTH)
    [record] = _access(records)
    message = record.getMessage()
    assert message.startswith("GET /scim/v2/Users 200 ") and "ms directory=default" in message
    assert "\n" not in message


def test_query_values_are_dropped_and_names_kept(make: Callable[..., Send], records: pytest.LogCaptureFixture) -> None:
    """The logged path keeps the query's parameter names and drops every value."""
    make()("GET", '/scim/v2/Users?filter=userName eq "alice@corp.example"&count=5&access_token=s3cr3t&aadOptscim062020',
           headers=AUTH)
    [record] = _access(records)
    assert record.path == "/scim/v2/Users?filter&count&access_token&aadOptscim062020"  # type: ignore[attr-defined]
    assert "alice" not in record.getMessage() and "s3cr3t" not in record.getMessage()


@pytest.mark.parametrize(
    ("header", "value"),
    [("client-request-id", "6b2e1d1c-entra"), ("x-request-id", "okta-req-1"), ("x-correlation-id", "corr-9")],
)
def test_the_idps_request_id_is_logged(
    make: Callable[..., Send], records: pytest.LogCaptureFixture, header: str, value: str
) -> None:
    """Entra's client-request-id, or x-request-id / x-correlation-id, is logged as request_id."""
    make()("GET", "/scim/v2/Users", headers={**AUTH, header: value})
    [record] = _access(records)
    assert record.request_id == value  # type: ignore[attr-defined]
    assert f"request_id={value}" in record.getMessage()


def test_dropped_members_are_counted_in_the_record(
    make: Callable[..., Send], records: pytest.LogCaptureFixture
) -> None:
    """A write that dropped unknown members says how many, as a field and in the message; others do not."""
    send = make()
    send("POST", "/scim/v2/Groups", headers=AUTH, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "staff",
        "members": [{"value": "ghost-1"}, {"value": "ghost-2"}]})
    send("GET", "/scim/v2/Groups", headers=AUTH)
    dropped, listed = _access(records)
    assert dropped.dropped_members == 2  # type: ignore[attr-defined]
    assert "dropped_members=2" in dropped.getMessage()
    assert not hasattr(listed, "dropped_members") and "dropped_members" not in listed.getMessage()


def test_errors_are_logged_with_their_status(make: Callable[..., Send], records: pytest.LogCaptureFixture) -> None:
    """A 401, a 404 outside the prefix and a 413 from the adapter's own checks are each logged."""
    send = make(max_body_bytes=10)
    send("GET", "/scim/v2/Users", headers={"Authorization": "Bearer wrong"})
    send("GET", "/elsewhere", headers=AUTH)
    send("POST", "/scim/v2/Users", content=b"x" * 100, headers=AUTH)
    assert [r.status for r in _access(records)] == [401, 404, 413]  # type: ignore[attr-defined]


def test_authorization_is_never_logged(make: Callable[..., Send], records: pytest.LogCaptureFixture) -> None:
    """Neither the bearer token nor any header value but the request id reaches a record."""
    send = make(log_bodies=True)
    send("GET", "/scim/v2/Users", headers=AUTH)
    send("GET", "/scim/v2/Users", headers={"Authorization": "Bearer wrong-token-value"})
    for record in records.records:
        text = record.getMessage() + json.dumps({k: str(v) for k, v in vars(record).items()})
        assert TOKEN not in text and "wrong-token-value" not in text


def test_bodies_are_not_logged_by_default(make: Callable[..., Send], records: pytest.LogCaptureFixture) -> None:
    """Without log_bodies no record holds the request body, even at DEBUG."""
    make()("POST", "/scim/v2/Users", json={"schemas": [USER_SCHEMA], "userName": "alice"}, headers=AUTH)
    assert _access(records, logging.DEBUG) == []
    assert all("alice" not in r.getMessage() for r in records.records)


def test_debug_mode_logs_bodies_redacted(make: Callable[..., Send], records: pytest.LogCaptureFixture) -> None:
    """With log_bodies the body is logged at DEBUG with passwords replaced by [redacted]."""
    send = make(log_bodies=True)
    send("POST", "/scim/v2/Users", headers=AUTH,
         json={"schemas": [USER_SCHEMA], "userName": "alice", "password": "Pa55-word!"})
    [record] = _access(records, logging.DEBUG)
    assert '"userName":"alice"' in record.body  # type: ignore[attr-defined]
    assert REDACTED in record.body and "Pa55-word!" not in record.getMessage()  # type: ignore[attr-defined]


def test_debug_mode_redacts_patch_values_aimed_at_a_password(
    make: Callable[..., Send], records: pytest.LogCaptureFixture
) -> None:
    """A PATCH replacing ``password`` (by path, URN path or path-less value) has the value redacted."""
    send = make(log_bodies=True)
    user = send("POST", "/scim/v2/Users", headers=AUTH, json={"schemas": [USER_SCHEMA], "userName": "a"}).json()
    ops = [
        {"op": "replace", "path": "password", "value": "one-Secret1"},
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:password", "value": "two-Secret2"},
        {"op": "replace", "value": {"password": "three-Secret3", "displayName": "A"}},
    ]
    send("PATCH", f"/scim/v2/Users/{user['id']}", headers=AUTH, json={"schemas": [PATCH_OP], "Operations": ops})
    text = "\n".join(r.getMessage() for r in records.records)
    assert "Secret" not in text
    assert '"displayName":"A"' in text


def test_debug_mode_describes_bodies_that_are_not_json(
    make: Callable[..., Send], records: pytest.LogCaptureFixture
) -> None:
    """A body that is not JSON is described by its size, never written out."""
    make(log_bodies=True)("POST", "/scim/v2/Users", headers=AUTH, content=b"password=hunter2")
    [record] = _access(records, logging.DEBUG)
    assert record.body == "<16 bytes, not JSON: not logged>"  # type: ignore[attr-defined]


def test_directory_is_the_addressed_one(records: pytest.LogCaptureFixture) -> None:
    """With directories on, the record names the directory from the path."""
    service = make_service()
    send = _asgi_sender(ScimASGI(service, prefix="/scim/v2", directories=True))
    send("GET", "/scim/v2/acme/Users", headers=AUTH)
    [record] = _access(records)
    assert record.directory == "acme"  # type: ignore[attr-defined]


def test_duration_comes_from_the_injected_timer(records: pytest.LogCaptureFixture) -> None:
    """duration_ms is the timer's difference between start and record, in milliseconds."""
    ticks = iter([10.0, 10.0125])
    log = AccessLog(timer=lambda: next(ticks))
    started = log.start()
    log.record(started, "GET", "/Users", "", 200, {}, "default")
    [record] = _access(records)
    assert record.duration_ms == 12.5  # type: ignore[attr-defined]
    assert " 12.5ms " in record.getMessage()


def test_control_characters_cannot_forge_log_lines(records: pytest.LogCaptureFixture) -> None:
    """A path or request id with a newline is logged escaped, on one line."""
    log = AccessLog()
    log.record(log.start(), "GET", "/Users\nINFO forged", "a\nb=1", 200, {"x-request-id": "id\r\nforged"}, None)
    [record] = _access(records)
    assert "\n" not in record.getMessage() and "\r" not in record.getMessage()
    assert "\\x0a" in record.path  # type: ignore[attr-defined]


def test_nothing_is_built_when_the_log_is_off(caplog: pytest.LogCaptureFixture) -> None:
    """With scimcore.access above INFO no record is made."""
    caplog.set_level(logging.WARNING, logger="scimcore.access")
    log = AccessLog(log_bodies=True)
    log.record(log.start(), "GET", "/Users", "", 200, {}, None, b"{}")
    assert [r for r in caplog.records if r.name == "scimcore.access"] == []


@pytest.mark.parametrize(
    ("path", "query", "shown"),
    [
        ("/Users", "", "/Users"),
        ("/Users", "filter=a&filter=b", "/Users?filter"),
        ("/Users", "count=1&startIndex=2", "/Users?count&startIndex"),
        ("/Users", "flag", "/Users?flag"),
        ("/Users", "a=%0A", "/Users?a"),
    ],
)
def test_loggable_path(path: str, query: str, shown: str) -> None:
    """Query names are kept once each in order; values never appear."""
    assert loggable_path(path, query) == shown


def test_request_id_is_cut_to_a_sane_length() -> None:
    """A request id longer than 200 characters is cut, so a header cannot flood the log."""
    assert len(request_id({"x-request-id": "a" * 10_000}) or "") <= 201


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"password": "x"}, {"password": REDACTED}),
        ({"userName": "u", "PassWord": "x"}, {"userName": "u", "PassWord": REDACTED}),
        ({"webhook_secret": "x", "apiToken": "y"}, {"webhook_secret": REDACTED, "apiToken": REDACTED}),
        ({"op": "add", "path": "password", "value": "x"}, {"op": "add", "path": "password", "value": REDACTED}),
        ({"op": "add", "path": "emails[type eq \"work\"].value", "value": "a@b"},
         {"op": "add", "path": "emails[type eq \"work\"].value", "value": "a@b"}),
        ([{"data": {"password": "x"}}], [{"data": {"password": REDACTED}}]),
        ("plain", "plain"),
    ],
)
def test_redact(doc: Any, expected: Any) -> None:
    """Sensitive keys, and PATCH values aimed at a sensitive path, are redacted at any depth."""
    assert redact(doc) == expected


def test_redact_body_of_an_empty_request() -> None:
    """An empty body logs as nothing."""
    assert redact_body(b"") == ""
