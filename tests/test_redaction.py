"""No token, password or webhook secret ever leaves scimcore: not in a response, an error, an event or a log line.

One scripted run per database, with logging captured at DEBUG (SQLAlchemy's SQL log on too): directories
with webhook secrets, users with passwords set by POST, PUT, PATCH (path, URN path, path-less) and Bulk,
malformed and wrongly typed passwords, wrong, foreign, Basic and query-string credentials, a store that
fails with 500s, webhook delivery that fails then succeeds, token rotation and the directory listing.  Every
byte that went out is then searched for every secret.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("sqlalchemy")

from scimcore import BearerTokens, ScimService  # noqa: E402
from scimcore.asgi import ScimASGI  # noqa: E402
from scimcore.directories import DirectoryManager, ServerAuthenticator  # noqa: E402
from scimcore.dispatch import Dispatcher  # noqa: E402
from scimcore.store.port import DEFAULT_DIRECTORY  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402
from tests.conftest import PATCH_OP, USER_SCHEMA  # noqa: E402

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
DEFAULT_TOKEN = "static-default-token-7c1e0b8f4a2d49e6b3f5"
WEBHOOK_SECRET = "whsec-3f9a1c7e5b2d48f6a0e4c8b2d6f1a9e3"
DB_PASSWORD = "db-pass-81f3c2a9"
PASSWORDS = [f"Pw{i}-{'qzx' * 2}-{i * 7919}!" for i in range(14)]


class FailingStore:
    """The real store, except that writes and reads of resources fail like a broken database would.

    The failure message repeats what the store was given, as some drivers do, to prove that what reaches a
    store holds no clear-text secret either.
    """

    def __init__(self, inner: SqlStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def create(self, rtype: Any, doc: Any, **_: Any) -> None:
        raise RuntimeError(f"INSERT failed: connection reset; parameters {json.dumps(doc)}")

    def get(self, rtype: Any, resource_id: str, **_: Any) -> Any:
        raise RuntimeError(f"SELECT failed for {resource_id}: server closed the connection")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'redaction.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{DB_PASSWORD}@", 1)  # trust: ignored


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # "show me the SQL": statements and parameters
    caplog.set_level(logging.DEBUG)  # last: it sets the capturing handler's level too
    yield caplog


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), str(record.msg), repr(record.args)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    parts.extend(f"{k}={v!r}" for k, v in vars(record).items() if k not in ("msg", "args", "exc_info"))
    return "\n".join(parts)


class Script:
    """Sends requests to an ASGI app and keeps every response as text."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.statuses: list[int] = []

    async def send(
        self, app: ScimASGI, method: str, url: str, token: str | None, body: Any = None, *,
        raw: bytes | None = None, headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = {"Content-Type": "application/scim+json", "client-request-id": "req-1", **(headers or {})}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scim.test") as client:
            content = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
            response = await client.request(method, url, content=content, headers=all_headers)
        self.out.append(f"{response.status_code} {dict(response.headers)!r} {response.text}")
        self.statuses.append(response.status_code)
        return response


def test_no_secret_leaves_in_responses_errors_events_or_logs(
    database: str, tmp_path: Path, captured: pytest.LogCaptureFixture
) -> None:
    """Across a scripted run with failures, every response, error, event, webhook call and log line is clean."""
    store = SqlStore(database)
    manager = DirectoryManager(store)
    acme, token_a = manager.create("Acme", webhook_url="http://hooks.test/scim", webhook_secret=WEBHOOK_SECRET)
    other, token_b = manager.create("Other")
    rotated = manager.rotate_token(acme.id)
    authenticator = ServerAuthenticator(store, BearerTokens([DEFAULT_TOKEN]), DEFAULT_DIRECTORY)
    app = ScimASGI(ScimService(store, authenticator=authenticator), prefix="/scim/v2", directories=True,
                   log_bodies=True)
    broken = ScimASGI(ScimService(FailingStore(store), authenticator=authenticator), prefix="/scim/v2",  # type: ignore[arg-type]
                      directories=True, log_bodies=True)
    a = f"/scim/v2/{acme.id}"
    pw = iter(PASSWORDS)
    script = Script()

    async def run() -> None:
        send = script.send
        created = await send(app, "POST", f"{a}/Users", token_a,
                             {"schemas": [USER_SCHEMA], "userName": "alice", "password": next(pw)})
        uid = created.json()["id"]
        await send(app, "POST", f"{a}/Users", rotated, {"schemas": [USER_SCHEMA], "userName": "ALICE",
                                                          "password": next(pw)})  # 409
        await send(app, "PUT", f"{a}/Users/{uid}", token_a,
                   {"schemas": [USER_SCHEMA], "userName": "alice", "password": next(pw)})
        ops = [
            {"op": "replace", "path": "password", "value": next(pw)},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:password", "value": next(pw)},
            {"op": "replace", "value": {"password": next(pw), "displayName": "Alice"}},
        ]
        await send(app, "PATCH", f"{a}/Users/{uid}", token_a, {"schemas": [PATCH_OP], "Operations": ops})
        await send(app, "PATCH", f"{a}/Users/{uid}", token_a, {"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "password", "value": {"value": next(pw)}}]})  # 400: not a string
        await send(app, "POST", f"{a}/Users", token_a,
                   raw=f'{{"userName": "bob", "password": "{next(pw)}"'.encode())  # 400: not JSON
        await send(app, "GET", f"{a}/Users/{uid}?attributes=password,userName", token_a)
        await send(app, "GET", f"{a}/Users?filter=password%20pr", token_a)
        await send(app, "POST", f"{a}/Users/.search", token_a, {"schemas": [SEARCH], "filter": "userName sw \"a\""})
        await send(app, "POST", "/scim/v2/Bulk", DEFAULT_TOKEN, {"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "1",
             "data": {"schemas": [USER_SCHEMA], "userName": "carol", "password": next(pw)}}]})
        # Credentials that must not work and must not be repeated anywhere.
        await send(app, "GET", f"{a}/Users", token_b)  # another directory's token
        await send(app, "GET", f"{a}/Users", "not-" + token_a)
        await send(app, "GET", f"{a}/Users?access_token={token_a}", None)
        basic = base64.b64encode(f"admin:{next(pw)}".encode()).decode()
        await send(app, "GET", f"{a}/Users", None, headers={"Authorization": f"Basic {basic}"})
        await send(app, "GET", f"/scim/v2/{other.id}/Users/{uid}", token_b)  # 404 across directories
        # A store that fails: 500s without internals.
        await send(broken, "POST", f"{a}/Users", token_a,
                   {"schemas": [USER_SCHEMA], "userName": "dave", "password": next(pw)})
        await send(broken, "GET", f"{a}/Users/{uid}", token_a)
        await send(app, "DELETE", f"{a}/Users/{uid}", token_a)

    asyncio.run(run())
    assert 500 in script.statuses and 401 in script.statuses and 400 in script.statuses
    assert 409 in script.statuses and 201 in script.statuses

    # Webhook delivery: a failure, then a success; the receiver sees signatures, never the secret.
    calls: list[httpx.Request] = []

    def hook(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500 if len(calls) == 1 else 204)

    now = [4_000_000_000.0]

    async def deliver() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(hook)) as client:
            dispatcher = Dispatcher(store, store, clock=lambda: now[0], client=client)
            for _ in range(4):
                await dispatcher.deliver_due()
                now[0] += 7200

    asyncio.run(deliver())
    assert calls
    manager.revoke_tokens(acme.id, keep_token=rotated)
    listing = json.dumps([d.public() for d in manager.list()])  # what `scimcore directories list` prints
    assert "has_webhook_secret" in listing
    store.close()

    secrets = [DEFAULT_TOKEN, token_a, token_b, rotated, WEBHOOK_SECRET, DB_PASSWORD, *PASSWORDS]
    reader = SqlStore(database)
    events = [json.dumps(s.event.payload()) for d in (acme.id, other.id, DEFAULT_DIRECTORY)
              for s in reader.list_events(d, limit=1000)]
    reader.close()
    assert events
    webhook = [f"{dict(c.headers)!r} {c.content.decode()}" for c in calls]
    # The test's own client logs its requests (query strings included) through httpx: not scimcore's lines.
    logs = [_record_text(r) for r in captured.records if "http://scim.test" not in r.getMessage()]
    assert any(r.name == "scimcore.access" and r.levelno == logging.DEBUG for r in captured.records)
    assert any(r.name == "sqlalchemy.engine.Engine" for r in captured.records)
    assert any(r.levelno == logging.ERROR and r.name == "scimcore" for r in captured.records)  # the 500s
    for where, texts in [("response", script.out), ("event", events), ("webhook", webhook), ("log", logs),
                         ("directory listing", [listing])]:
        for text in texts:
            for secret in secrets:
                assert secret not in text, f"a secret appeared in a {where}: {text[:300]}"


def test_errors_never_echo_a_password_value() -> None:
    """A password of the wrong type or shape is refused with an error that does not repeat it."""
    from tests.conftest import Client, make_service

    client = Client(make_service())
    user = client.create_user("alice")
    secret = PASSWORDS[0]
    for body in ({"password": {"value": secret}}, {"password": [secret, secret]}):
        result = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "bob", **body})
        assert result.status == 400 and secret not in json.dumps(result.json)
    result = client.patch(f"/Users/{user['id']}", [{"op": "add", "path": "password", "value": [secret, "x"]}])
    assert result.status == 400 and secret not in json.dumps(result.json)
