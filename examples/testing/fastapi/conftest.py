"""Fixtures for testing a FastAPI app under identity-provider traffic, with scimcore's pytest plugin.

The plugin (loaded by its ``pytest11`` entry point) gives ``scim_service``, ``scim_token``, ``scim_events``
and ``scim_client``; overriding ``scim_app`` puts your own application in place of scimcore's bare one, and
overriding ``scim_store`` runs every test on the memory store and on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from scimcore import MemoryStore, ScimService
from scimcore.asgi import ScimASGI
from scimcore.reader import DirectoryReader


def create_app(service: ScimService) -> FastAPI:
    """The application factory: the app's own routes, and scimcore's SCIM API mounted at /scim/v2."""
    app = FastAPI()
    reader = DirectoryReader(service.store)

    @app.get("/people")
    def people() -> list[dict[str, Any]]:
        """The provisioned users, as the app shows them."""
        return [{"userName": u["userName"], "active": u.get("active", True)} for u in reader.users().resources]

    app.mount("/scim/v2", ScimASGI(service))
    return app


@pytest.fixture(params=["memory", "sqlite"])
def scim_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Each test runs on the memory store and on SQLite."""
    if request.param == "memory":
        yield MemoryStore()
        return
    from scimcore.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{tmp_path / 'scim.db'}")
    yield store
    store.close()


@pytest.fixture
def scim_app(scim_service: ScimService) -> FastAPI:
    """Your app, built over the plugin's service, so that the store and the events are the fixtures'."""
    return create_app(scim_service)
