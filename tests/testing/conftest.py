"""The test kit's own tests run on both of scimcore's apps and on both embedded stores, through its fixtures.

``scim_store`` and ``scim_app`` of the plugin (:mod:`scimcore.testing.plugin`) are overridden here with
parametrised ones: every test that uses them runs on the memory and SQLite stores and on the ASGI and WSGI
adapters.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scimcore import ScimService
from scimcore.store.memory import MemoryStore
from scimcore.testing.plugin import SCIM_PREFIX

# Tokens long enough never to occur in a response body (the simulators' records redact the token).
TOKEN = "scimcore-testkit-token-4f1c"


@pytest.fixture
def scim_token() -> str:
    return TOKEN


@pytest.fixture(params=["memory", "sqlite"])
def scim_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryStore()
        return
    from scimcore.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{tmp_path / 'scim.db'}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=["asgi", "wsgi"])
def scim_app(request: pytest.FixtureRequest, scim_service: ScimService) -> Any:
    if request.param == "asgi":
        from scimcore.asgi import ScimASGI

        return ScimASGI(scim_service, prefix=SCIM_PREFIX, directories=True, dispatch=False)
    from scimcore.wsgi import ScimWSGI

    return ScimWSGI(scim_service, prefix=SCIM_PREFIX, directories=True)
