"""Directory isolation over every endpoint, on every store: one directory's token reaches nothing of another's.

The matrix sends every route of the routing table with each method it serves (and Bulk operations naming
each), on the memory store, SQLite and PostgreSQL, through the ASGI adapter with directories on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.asgi import ScimASGI
from scimcore.directories import DirectoryManager, DirectoryStore, ServerAuthenticator
from scimcore.service import ROUTES
from scimcore.store.port import DEFAULT_DIRECTORY
from tests.conftest import GROUP_SCHEMA, PATCH_OP, USER_SCHEMA

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
DEFAULT_TOKEN = "default-directory-token-for-isolation"
B_USER = "b-only-user@other.example"
B_GROUP = "B-only group"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DirectoryStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    pytest.importorskip("sqlalchemy")
    from scimcore.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'iso.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    sql = SqlStore(url)
    yield sql
    sql.close()


class World:
    """Directories A and B with a user and a group each, behind one ASGI app."""

    def __init__(self, store: DirectoryStore) -> None:
        manager = DirectoryManager(store)
        self.a, self.token_a = manager.create("A")
        self.b, self.token_b = manager.create("B")
        service = ScimService(store, authenticator=ServerAuthenticator(  # type: ignore[arg-type]
            store, BearerTokens([DEFAULT_TOKEN]), DEFAULT_DIRECTORY))
        self.app = ScimASGI(service, prefix="/scim/v2", directories=True)
        self.store = store

    async def send(self, client: httpx.AsyncClient, method: str, url: str, token: str, body: Any = None
                   ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
        content = json.dumps(body).encode() if body is not None else None
        return await client.request(method, url, content=content, headers=headers)


def _body_for(method: str, path: str, ids: dict[str, str]) -> Any:
    if method == "PATCH":
        return {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "pwned"}]}
    if path.endswith(".search"):
        return {"schemas": [SEARCH], "filter": f'id eq "{ids["user"]}" or id eq "{ids["group"]}"'}
    if path == "/Bulk":
        return {"schemas": [BULK], "Operations": [
            {"method": "DELETE", "path": f"/Users/{ids['user']}"},
            {"method": "PATCH", "path": f"/Groups/{ids['group']}", "data": _body_for("PATCH", "", ids)},
            {"method": "PUT", "path": f"/Users/{ids['user']}", "data": {"schemas": [USER_SCHEMA], "userName": "x"}},
        ]}
    if method in ("POST", "PUT"):
        if "Groups" in path:
            return {"schemas": [GROUP_SCHEMA], "displayName": "pwned", "members": [{"value": ids["user"]}]}
        return {"schemas": [USER_SCHEMA], "userName": "pwned"}
    return None


def _requests(ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every route of the routing table with every method it serves, ids filled in with ``ids``."""
    out = []
    for route in ROUTES:
        pattern, handlers = route.pattern, route.handlers
        for method in handlers:
            for rtype in ("Users", "Groups"):
                path = pattern.replace("{type}", rtype)
                path = path.replace("{id}", ids["user"] if rtype == "Users" else ids["group"])
                if pattern.startswith("/ResourceTypes/"):
                    path = "/ResourceTypes/User"
                elif pattern.startswith("/Schemas/"):
                    path = f"/Schemas/{USER_SCHEMA}"
                out.append((method, path))
    return sorted(set(out))


def test_every_endpoint_refuses_another_directorys_token(store: DirectoryStore) -> None:
    """A's token (and the default directory's) on any of B's endpoints answers 401 and changes nothing."""
    world = World(store)
    base_b = f"/scim/v2/{world.b.id}"

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://t") as client:
            user = await world.send(client, "POST", f"{base_b}/Users", world.token_b,
                                    {"schemas": [USER_SCHEMA], "userName": B_USER})
            group = await world.send(client, "POST", f"{base_b}/Groups", world.token_b,
                                     {"schemas": [GROUP_SCHEMA], "displayName": B_GROUP,
                                      "members": [{"value": user.json()["id"]}]})
            ids = {"user": user.json()["id"], "group": group.json()["id"]}
            requests = _requests(ids)
            assert len(requests) >= 25
            for token in (world.token_a, DEFAULT_TOKEN):
                for method, path in requests:
                    response = await world.send(client, method, f"{base_b}{path}", token, _body_for(method, path, ids))
                    assert response.status_code == 401, (method, path, response.status_code)
                    assert B_USER not in response.text and B_GROUP not in response.text
            after = await world.send(client, "GET", f"{base_b}/Groups/{ids['group']}", world.token_b)
            assert after.json()["displayName"] == B_GROUP and after.json()["meta"]["version"] == 'W/"1"'
            assert [m["value"] for m in after.json()["members"]] == [ids["user"]]

    asyncio.run(run())


def test_every_endpoint_under_one_directory_hides_another_directorys_data(store: DirectoryStore) -> None:
    """With A's own token and URL, B's ids are not found, not listed, not searchable and cannot join A."""
    world = World(store)
    base_a, base_b = f"/scim/v2/{world.a.id}", f"/scim/v2/{world.b.id}"

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://t") as client:
            user = await world.send(client, "POST", f"{base_b}/Users", world.token_b,
                                    {"schemas": [USER_SCHEMA], "userName": B_USER, "externalId": "ext-b"})
            group = await world.send(client, "POST", f"{base_b}/Groups", world.token_b,
                                     {"schemas": [GROUP_SCHEMA], "displayName": B_GROUP,
                                      "members": [{"value": user.json()["id"]}]})
            ids = {"user": user.json()["id"], "group": group.json()["id"]}
            for method, path in _requests(ids):
                response = await world.send(client, method, f"{base_a}{path}", world.token_a,
                                            _body_for(method, path, ids))
                assert response.status_code < 500 or path == "/Me", (method, path)
                assert B_USER not in response.text and B_GROUP not in response.text, (method, path)
                if ids["user"] in path or ids["group"] in path:
                    assert response.status_code == 404, (method, path, response.status_code)
                if path == "/Bulk":
                    assert {op["status"] for op in response.json()["Operations"]} == {"404"}
            filters = [f'id eq "{ids["user"]}"', f'userName eq "{B_USER}"', 'externalId eq "ext-b"',
                       f'groups.value eq "{ids["group"]}"', f'displayName eq "{B_GROUP}"',
                       f'members.value eq "{ids["user"]}"']
            for text in filters:
                for endpoint in ("/Users", "/Groups", ""):
                    found = await client.get(f"{base_a}{endpoint}", params={"filter": text},
                                             headers={"Authorization": f"Bearer {world.token_a}"})
                    assert found.status_code in (200, 400), (endpoint, text)
                    if found.status_code == 200:
                        assert found.json()["totalResults"] == 0, (endpoint, text)
            mine = await world.send(client, "POST", f"{base_a}/Groups", world.token_a,
                                    {"schemas": [GROUP_SCHEMA], "displayName": "A group",
                                     "members": [{"value": ids["user"]}, {"value": ids["group"]}]})
            assert not mine.json().get("members")
            add = {"schemas": [PATCH_OP], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": ids["user"]}, {"value": ids["group"]}]}]}
            joined = await world.send(client, "PATCH", f"{base_a}/Groups/{mine.json()['id']}", world.token_a, add)
            assert joined.status_code in (200, 204)
            again = await world.send(client, "GET", f"{base_a}/Groups/{mine.json()['id']}", world.token_a)
            assert not again.json().get("members")
            b_group = await world.send(client, "GET", f"{base_b}/Groups/{ids['group']}", world.token_b)
            assert b_group.json()["meta"]["version"] == 'W/"1"'
            b_user = await world.send(client, "GET", f"{base_b}/Users/{ids['user']}", world.token_b)
            assert b_user.status_code == 200 and b_user.json()["meta"]["version"] == 'W/"1"'

    asyncio.run(run())
    events_a = json.dumps([s.event.payload() for s in world.store.list_events(world.a.id, limit=1000)])  # type: ignore[attr-defined]
    assert B_USER not in events_a and B_GROUP not in events_a
    types_b = [s.event.type for s in world.store.list_events(world.b.id, limit=1000)]  # type: ignore[attr-defined]
    assert types_b == ["user.created", "group.created", "group.user_added"]
