"""Shared fixtures: a service over the in-memory store and a small client for request/response values."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scimcore import BearerTokens, MemoryStore, ScimRequest, ScimService, ServiceConfig
from scimcore.transport import ScimResponse
from scimcore.webhook_targets import ALLOW_PRIVATE_ENV

# The tests' webhook receivers listen on loopback, which the webhook rules refuse by default; the tests of
# those rules (tests/test_webhook_targets.py and the directory and CLI tests) turn the opt-in off themselves.
os.environ.setdefault(ALLOW_PRIVATE_ENV, "1")

TOKEN = "test-token"
BASE_URL = "https://scim.example.com/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Result:
    """A response with its body decoded."""

    response: ScimResponse

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def json(self) -> Any:
        return json.loads(self.response.body) if self.response.body else None

    def header(self, name: str) -> str | None:
        return self.response.header(name)


class Client:
    """Builds ScimRequest values, runs them through the service and decodes the answers."""

    def __init__(self, service: ScimService, token: str | None = TOKEN) -> None:
        self.service = service
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: str = "",
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Result:
        all_headers = {"content-type": "application/scim+json"}
        if self.token is not None:
            all_headers["authorization"] = f"Bearer {self.token}"
        all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        return Result(self.service.handle(ScimRequest(method, path, query, all_headers, payload, BASE_URL)))

    def get(self, path: str, **kw: Any) -> Result:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Result:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Result:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, operations: list[dict[str, Any]], **kw: Any) -> Result:
        return self.request("PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, **kw)

    def delete(self, path: str, **kw: Any) -> Result:
        return self.request("DELETE", path, **kw)

    # conveniences ------------------------------------------------------------------------------
    def create_user(self, user_name: str, **attrs: Any) -> dict[str, Any]:
        result = self.post("/Users", {"schemas": [USER_SCHEMA], "userName": user_name, **attrs})
        assert result.status == 201, result.json
        return result.json  # type: ignore[no-any-return]

    def create_group(self, display_name: str, **attrs: Any) -> dict[str, Any]:
        result = self.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": display_name, **attrs})
        assert result.status == 201, result.json
        return result.json  # type: ignore[no-any-return]


class StepClock:
    """A clock that advances one second per reading, so every write gets a distinct timestamp."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def make_service(**config: Any) -> ScimService:
    return ScimService(
        MemoryStore(),
        authenticator=BearerTokens([TOKEN]),
        config=ServiceConfig(**config),
        clock=StepClock(),
    )


@pytest.fixture
def service() -> ScimService:
    return make_service()


@pytest.fixture
def client(service: ScimService) -> Iterator[Client]:
    yield Client(service)


PG_ADMIN_URL = os.environ.get("SCIMCORE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One scratch PostgreSQL database for the session; skipped without a server (a failure in CI)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL} (set SCIMCORE_TEST_POSTGRES): {exc}")
    name = f"scimcore_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema in the session's database, as a URL whose search_path points at it."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{postgres_database}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres_database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
