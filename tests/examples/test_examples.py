"""The examples import and answer a SCIM request through their app."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("SCIMCORE_TOKEN", "example-token")
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_asgi_uvicorn_example_serves_users(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain-uvicorn example answers GET /scim/v2/Users."""
    app = load("asgi_uvicorn", monkeypatch).app

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await client.get("/scim/v2/Users", headers={"Authorization": "Bearer example-token"})

    response = asyncio.run(go())
    assert response.status_code == 200 and response.json()["totalResults"] == 0


def test_wsgiref_example_serves_users(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wsgiref example answers GET /scim/v2/Users."""
    app = load("wsgi_wsgiref", monkeypatch).app
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test") as client:
        response = client.get("/scim/v2/Users", headers={"Authorization": "Bearer example-token"})
    assert response.status_code == 200 and response.json()["totalResults"] == 0


def _signed_event() -> tuple[bytes, dict[str, str]]:
    from scimcore.webhooks import SIGNATURE_HEADER, sign

    body = b'{"id":"e1","type":"user.created","directory_id":"d1","data":{}}'
    return body, {SIGNATURE_HEADER: sign("hook-secret", body), "Content-Type": "application/json"}


def test_fastapi_webhook_receiver_verifies_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    """The FastAPI receiver accepts a signed event and refuses a tampered one."""
    pytest.importorskip("fastapi")
    monkeypatch.setenv("SCIMCORE_WEBHOOK_SECRET", "hook-secret")
    app = load("webhook_receiver_fastapi", monkeypatch).app
    body, headers = _signed_event()

    async def go() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            good = await client.post("/scim-events", content=body, headers=headers)
            bad = await client.post("/scim-events", content=body + b" ", headers=headers)
            return good.status_code, bad.status_code

    assert asyncio.run(go()) == (200, 401)


def test_flask_webhook_receiver_verifies_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Flask receiver accepts a signed event and refuses an unsigned one."""
    pytest.importorskip("flask")
    monkeypatch.setenv("SCIMCORE_WEBHOOK_SECRET", "hook-secret")
    app = load("webhook_receiver_flask", monkeypatch).app
    body, headers = _signed_event()
    client = app.test_client()
    assert client.post("/scim-events", data=body, headers=headers).status_code == 200
    assert client.post("/scim-events", data=body, headers={"Content-Type": "application/json"}).status_code == 401


def _asgi_request(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request through an ASGI app with httpx (Starlette's TestClient warns about its httpx use)."""

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


SCIM_HEADERS = {"Authorization": "Bearer example-token", "Content-Type": "application/scim+json"}
NEW_USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen@example.com"}


def test_fastapi_example_provisions_and_reads_users(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The FastAPI app creates a user through /scim/v2 in SQLite and lists it at /people."""
    pytest.importorskip("fastapi")
    monkeypatch.setenv("SCIMCORE_DATABASE", f"sqlite:///{tmp_path / 'fastapi.db'}")
    module = load("fastapi_app", monkeypatch)
    created = _asgi_request(module.app, "POST", "/scim/v2/Users", json=NEW_USER, headers=SCIM_HEADERS)
    assert created.status_code == 201
    assert created.headers["location"] == f"http://test/scim/v2/Users/{created.json()['id']}"
    people = _asgi_request(module.app, "GET", "/people")
    assert people.json() == {"total": 1, "people": [{"id": created.json()["id"], "userName": "bjensen@example.com"}]}
    assert _asgi_request(module.app, "GET", f"/people/{created.json()['id']}/groups").json() == []
    module.store.close()


def test_fastapi_example_refuses_a_wrong_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The FastAPI app's SCIM mount answers 401 to a wrong bearer token."""
    pytest.importorskip("fastapi")
    monkeypatch.setenv("SCIMCORE_DATABASE", f"sqlite:///{tmp_path / 'token.db'}")
    module = load("fastapi_app", monkeypatch)
    response = _asgi_request(module.app, "GET", "/scim/v2/Users", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    module.store.close()


def test_starlette_example_mounts_scim_and_counts_members(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Starlette app serves /scim/v2 under its mount and shows the new group at /teams."""
    pytest.importorskip("starlette")
    module = load("starlette_app", monkeypatch)
    user = _asgi_request(module.app, "POST", "/scim/v2/Users", json=NEW_USER, headers=SCIM_HEADERS).json()
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Admins",
             "members": [{"value": user["id"]}]}
    created = _asgi_request(module.app, "POST", "/scim/v2/Groups", json=group, headers=SCIM_HEADERS)
    assert created.status_code == 201 and created.json()["meta"]["location"].startswith("http://test/scim/v2/Groups/")
    assert _asgi_request(module.app, "GET", "/teams").json() == {"Admins": 1}
    assert module.changes == ["user.created", "group.created", "group.user_added"]


def test_flask_example_mounts_scim_with_the_flask_test_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Flask app serves /scim/v2 through DispatcherMiddleware and reacts to a deactivation."""
    pytest.importorskip("flask")
    module = load("flask_app", monkeypatch)
    client = module.app.test_client()
    created = client.post("/scim/v2/Users", json=NEW_USER, headers=SCIM_HEADERS)
    assert created.status_code == 201
    user_id = created.get_json()["id"]
    assert created.headers["Location"] == f"http://localhost/scim/v2/Users/{user_id}"
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    assert client.patch(f"/scim/v2/Users/{user_id}", json=patch, headers=SCIM_HEADERS).status_code == 200
    assert module.deactivated == [user_id]
    assert client.get(f"/people/{user_id}").get_json() == {"userName": "bjensen@example.com", "active": False,
                                                           "groups": []}


def _set_receiver(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, Any]:
    """The example loaded for issuer https://scim.example.com and audience d1, with a JWKS of one key."""
    pytest.importorskip("joserfc")
    from scimcore import set_tokens

    monkeypatch.setenv("SCIMCORE_SET_ISSUER", "https://scim.example.com")
    monkeypatch.setenv("SCIMCORE_SET_AUDIENCE", "d1")
    module = load(name, monkeypatch)
    key = set_tokens.generate_signing_key("", "2026-01-01T00:00:00Z")
    monkeypatch.setattr(module, "fetch_jwks", lambda: set_tokens.jwks([key]))
    return module, key


def _sets(key: Any) -> dict[str, bytes]:
    """A good SET, the same tampered, and one for another audience."""
    import base64
    import json
    import time

    from scimcore import set_tokens, sets
    from scimcore.events import USER_CREATED, Event

    event = Event("e1", USER_CREATED, "d1", "2026-01-12T09:14:03Z", {"id": "u1", "userName": "a"}, "u1")
    claims = sets.set_claims(event, issuer="https://scim.example.com", audience="d1", issued_at=int(time.time()))
    good = set_tokens.sign_set(claims, key)
    header, body, signature = good.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))) | {"aud": "d1", "jti": "e2"}
    tampered = ".".join([header, base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode(),
                         signature])
    other = set_tokens.sign_set(claims | {"aud": "d2", "jti": "e3"}, key)
    return {"good": good.encode(), "tampered": tampered.encode(), "other": other.encode()}


SET_HEADERS = {"Content-Type": "application/secevent+jwt", "Accept": "application/json"}


def test_fastapi_set_receiver_accepts_a_set_and_refuses_bad_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """202 for a valid SET and for it sent again; 400 with an RFC 8935 err for a tampered or wrong-audience one."""
    pytest.importorskip("fastapi")
    module, key = _set_receiver("set_receiver_fastapi", monkeypatch)
    tokens = _sets(key)

    async def go() -> list[tuple[int, str | None]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=module.app), base_url="http://t") as client:
            out = []
            for name in ("good", "good", "tampered", "other"):
                answer = await client.post("/scim-events", content=tokens[name], headers=SET_HEADERS)
                out.append((answer.status_code, answer.json()["err"] if answer.status_code == 400 else None))
            return out

    assert asyncio.run(go()) == [(202, None), (202, None), (400, "invalid_key"), (400, "invalid_audience")]


def test_flask_set_receiver_accepts_a_set_and_refuses_bad_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Flask receiver answers like the FastAPI one."""
    pytest.importorskip("flask")
    module, key = _set_receiver("set_receiver_flask", monkeypatch)
    tokens = _sets(key)
    client = module.app.test_client()
    answers = [client.post("/scim-events", data=tokens[n], headers=SET_HEADERS) for n in
               ("good", "good", "tampered", "other")]
    assert [(a.status_code, a.get_json()["err"] if a.status_code == 400 else None) for a in answers] == [
        (202, None), (202, None), (400, "invalid_key"), (400, "invalid_audience")]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_dispatcher_pushes_sets_the_fastapi_receiver_accepts(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Push round trip: a SCIM write on SQL, the dispatcher's SET, the example receiver's 202, the event delivered."""
    pytest.importorskip("fastapi")
    pytest.importorskip("sqlalchemy")
    pytest.importorskip("joserfc")
    import socket

    from scimcore import BearerTokens, ScimService, set_tokens
    from scimcore.directories import DirectoryManager
    from scimcore.dispatch import DispatchConfig, Dispatcher
    from scimcore.store.sql import SqlStore
    from scimcore.transport import ScimRequest

    url = f"sqlite:///{tmp_path / 'push.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    store = SqlStore(url)
    try:
        manager = DirectoryManager(store, allow_private_webhooks=True)
        manager.create("A", directory_id="a", webhook_url="https://rp.example.com/scim-events")
        manager.set_event_delivery("a", "set-push", audience="d1")
        service = ScimService(store, authenticator=BearerTokens({"token-of-the-example-push": "a"}))
        created = service.handle(ScimRequest("POST", "/Users", directory="a", headers={
            "authorization": "Bearer token-of-the-example-push", "content-type": "application/scim+json"},
            body=b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ivy"}'))
        assert created.status == 201
        module, _ = _set_receiver("set_receiver_fastapi", monkeypatch)
        monkeypatch.setattr(module, "fetch_jwks", lambda: set_tokens.published_keys(store, "a"))

        def resolver(*_: Any, **__: Any) -> list[Any]:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]

        async def deliver() -> int:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=module.app)) as client:
                dispatcher = Dispatcher(store, store, client=client, resolver=resolver,
                                        config=DispatchConfig(set_issuer="https://scim.example.com"))
                return await dispatcher.deliver_due()

        assert asyncio.run(deliver()) == 1
        assert [s.status for s in store.list_events("a")] == ["delivered"]
    finally:
        store.close()
