"""The examples import and answer a SCIM request through their app."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

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
