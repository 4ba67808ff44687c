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
