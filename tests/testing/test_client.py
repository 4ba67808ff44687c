"""The in-process client: ASGI and WSGI apps told apart, and an ASGI app served on one event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.asgi import ScimASGI
from scimcore.testing.client import ScimClient, is_asgi
from scimcore.wsgi import ScimWSGI


def _service() -> ScimService:
    return ScimService(MemoryStore(), authenticator=BearerTokens(["a-token-for-the-client"]))


def _wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("204 No Content", [])
    return [b""]


async def _asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.mark.parametrize(
    ("app", "asgi"),
    [(ScimASGI(_service()), True), (ScimWSGI(_service()), False), (_asgi, True), (_wsgi, False)],
    ids=["ScimASGI", "ScimWSGI", "async-function", "function"],
)
def test_is_asgi_tells_the_two_kinds_apart(app: Any, asgi: bool) -> None:
    """ASGI apps are coroutine functions or objects with an async __call__; anything else is WSGI."""
    assert is_asgi(app) is asgi


def test_frameworks_are_recognised() -> None:
    """FastAPI is ASGI, Flask is WSGI."""
    from fastapi import FastAPI
    from flask import Flask

    assert is_asgi(FastAPI()) and not is_asgi(Flask("x"))


def test_an_asgi_app_sees_one_event_loop_for_every_request() -> None:
    """The client runs an ASGI app on one loop, so state an app keeps on its loop survives between requests."""
    loops: list[asyncio.AbstractEventLoop] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        loops.append(asyncio.get_running_loop())
        await _asgi(scope, receive, send)

    with ScimClient(app) as client:
        assert [client.get("/Users").status_code for _ in range(3)] == [204, 204, 204]
    assert len(set(map(id, loops))) == 1


@pytest.mark.parametrize("adapter", [ScimASGI, ScimWSGI])
def test_scim_client_sends_scim_json_with_the_token(adapter: Any) -> None:
    """The client speaks SCIM JSON with the bearer token to either adapter, at /scim/v2 by default."""
    app = adapter(_service(), prefix="/scim/v2")
    with ScimClient(app, token="a-token-for-the-client") as client:
        created = client.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"})
        assert created.status_code == 201
        patched = client.patch(f"/Users/{created.json()['id']}", [{"op": "replace", "path": "active", "value": False}])
        assert patched.status_code == 200 and patched.json()["active"] is False
        assert client.delete(f"/Users/{created.json()['id']}").status_code == 204
