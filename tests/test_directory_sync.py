"""Directories end to end: isolation, tokens, the events of an Entra sync, signed delivery across a restart."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("sqlalchemy")

from scimcore import BearerTokens, ScimService  # noqa: E402
from scimcore.asgi import ScimASGI  # noqa: E402
from scimcore.directories import DirectoryManager, ServerAuthenticator  # noqa: E402
from scimcore.dispatch import DispatchConfig, Dispatcher  # noqa: E402
from scimcore.reader import DirectoryReader  # noqa: E402
from scimcore.store.port import DEFAULT_DIRECTORY  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402
from scimcore.webhooks import SIGNATURE_HEADER, SignatureError, verify  # noqa: E402
from tests.conftest import GROUP_SCHEMA, PATCH_OP, USER_SCHEMA  # noqa: E402

SECRET = "webhook-secret-for-tests"


class Receiver:
    """A real local webhook receiver that verifies every signature."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.bad_signatures = 0
        received, outer = self.events, self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    verify(SECRET, self.headers.get(SIGNATURE_HEADER), body)
                except SignatureError:
                    outer.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def serve(store: SqlStore) -> httpx.Client:
    """An httpx client bound to a multi-directory ASGI app over ``store`` (in-process, via a portal loop)."""
    service = ScimService(store, authenticator=ServerAuthenticator(store, BearerTokens(["default-token"]),
                                                                   DEFAULT_DIRECTORY))
    app = ScimASGI(service, prefix="/scim/v2", directories=True)
    return SyncASGIClient(app)  # type: ignore[return-value]


class SyncASGIClient:
    """Drive an ASGI app synchronously with httpx (one event loop per call)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, token: str, body: Any = None) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://scim.test") as client:
                return await client.request(
                    method, url, json=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
                )

        return asyncio.run(go())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = SqlStore(f"sqlite:///{tmp_path / 'dirs.db'}")
    yield s
    s.close()


def entra_sync(client: SyncASGIClient, base: str, token: str) -> None:
    """A scripted Entra ID cycle: creates, a group with members, disable, member removal, delete."""
    users = []
    for name in ("alice@corp.local", "bob@corp.local"):
        r = client.request("POST", f"{base}/Users", token, {
            "schemas": [USER_SCHEMA], "userName": name, "active": "True", "externalId": name.split("@")[0],
        })
        assert r.status_code == 201, r.text
        users.append(r.json()["id"])
    r = client.request("POST", f"{base}/Groups", token, {
        "schemas": [GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "displayName": "Sales", "externalId": "g-1",
    })
    group = r.json()["id"]
    add = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": u} for u in users]}]}
    assert client.request("PATCH", f"{base}/Groups/{group}", token, add).status_code in (200, 204)
    disable = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    assert client.request("PATCH", f"{base}/Users/{users[0]}", token, disable).status_code == 200
    assert client.request("PATCH", f"{base}/Users/{users[0]}", token, disable).status_code == 200  # no-op
    remove = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": users[1]}]}]}
    assert client.request("PATCH", f"{base}/Groups/{group}", token, remove).status_code in (200, 204)
    readd = {"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": [{"value": users[0]}]}]}
    assert client.request("PATCH", f"{base}/Groups/{group}", token, readd).status_code in (200, 204)  # no-op
    assert client.request("DELETE", f"{base}/Users/{users[0]}", token).status_code == 204


EXPECTED = Counter({
    "user.created": 2, "group.created": 1, "group.user_added": 2, "user.updated": 1,
    "group.user_removed": 2, "user.deleted": 1,
})


def test_entra_sync_makes_exactly_these_events(store: SqlStore) -> None:
    """A scripted Entra cycle makes exactly the expected multiset of events, with tenant and product."""
    manager = DirectoryManager(store)
    directory, token = manager.create("Acme", provider="entra", tenant="t-1", product="p-1")
    client = serve(store)
    entra_sync(client, f"/scim/v2/{directory.id}", token)
    stored = store.list_events(directory.id, limit=1000)
    assert Counter(s.event.type for s in stored) == EXPECTED
    assert {(s.event.tenant, s.event.product) for s in stored} == {("t-1", "p-1")}
    assert all(s.status == "stored" for s in stored)  # no webhook: kept in the log, not queued


def test_delete_emits_member_removals_before_the_deletion(store: SqlStore) -> None:
    """Deleting a user emits group.user_removed for its groups, then user.deleted."""
    directory, token = DirectoryManager(store).create("Acme")
    client = serve(store)
    base = f"/scim/v2/{directory.id}"
    user = client.request("POST", f"{base}/Users", token, {"schemas": [USER_SCHEMA], "userName": "a"}).json()["id"]
    client.request("POST", f"{base}/Groups", token, {
        "schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": user}]})
    client.request("DELETE", f"{base}/Users/{user}", token)
    types = [s.event.type for s in store.list_events(directory.id)]
    assert types == ["user.created", "group.created", "group.user_added", "group.user_removed", "user.deleted"]


def test_signed_delivery_survives_receiver_outage_and_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Events made while the webhook is down arrive, signed, after a restart of the whole server."""
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = SqlStore(url)
    directory, token = DirectoryManager(first).create("Acme", webhook_url="http://127.0.0.1:9/down",
                                                      webhook_secret=SECRET)
    entra_sync(serve(first), f"/scim/v2/{directory.id}", token)
    now = [1_000_000_000.0 + 3600]
    down = Dispatcher(first, first, clock=lambda: now[0], config=DispatchConfig(base_backoff=1.0))
    asyncio.run(down.deliver_due())  # fails: nothing listens on port 9
    pending = first.list_events(directory.id, limit=100)
    assert any(s.attempts == 1 and s.last_error for s in pending)
    first.close()

    second = SqlStore(url)  # the server comes back
    DirectoryManager(second).update(directory.id, webhook_url=receiver.url)
    now[0] += 10
    up = Dispatcher(second, second, clock=lambda: now[0])
    for _ in range(20):
        asyncio.run(up.deliver_due())
        now[0] += 5
    second.close()
    assert receiver.bad_signatures == 0
    assert Counter(e["type"] for e in receiver.events) == EXPECTED
    assert len({e["id"] for e in receiver.events}) == sum(EXPECTED.values())
    assert {e["directory_id"] for e in receiver.events} == {directory.id}


def test_dead_letter_after_the_retry_period(store: SqlStore) -> None:
    """An event that keeps failing past the retry period is dead-lettered with its last error."""
    directory, token = DirectoryManager(store).create("Acme", webhook_url="http://127.0.0.1:9/down")
    serve(store).request("POST", f"/scim/v2/{directory.id}/Users", token, {"schemas": [USER_SCHEMA], "userName": "a"})
    now = [2_000_000_000.0]
    dispatcher = Dispatcher(store, store, clock=lambda: now[0], config=DispatchConfig(retry_period=60.0))
    for _ in range(10):
        asyncio.run(dispatcher.deliver_due())
        now[0] += 3600
    [stored] = store.list_events(directory.id)
    assert stored.status == "dead" and stored.last_error


def test_directories_are_isolated_on_every_endpoint(store: SqlStore) -> None:
    """One directory's token can neither read nor change another directory's data."""
    manager = DirectoryManager(store)
    a, token_a = manager.create("A")
    b, token_b = manager.create("B")
    client = serve(store)
    base_a, base_b = f"/scim/v2/{a.id}", f"/scim/v2/{b.id}"
    user_b = client.request("POST", f"{base_b}/Users", token_b, {"schemas": [USER_SCHEMA], "userName": "same"})
    group_b = client.request("POST", f"{base_b}/Groups", token_b, {"schemas": [GROUP_SCHEMA], "displayName": "G"})
    uid, gid = user_b.json()["id"], group_b.json()["id"]
    # The same userName may exist in A too: uniqueness is per directory.
    assert client.request("POST", f"{base_a}/Users", token_a, {"schemas": [USER_SCHEMA], "userName": "same"}
                          ).status_code == 201
    # A's token on B's URLs: 401 everywhere.
    for method, path in [("GET", "/Users"), ("GET", f"/Users/{uid}"), ("DELETE", f"/Users/{uid}"),
                         ("GET", "/Groups"), ("POST", "/.search"), ("GET", "/ServiceProviderConfig")]:
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]} if method == "POST" else None
        assert client.request(method, f"{base_b}{path}", token_a, body).status_code == 401, path
    # B's ids under A's URL: not found, and not listed.
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]}
    for method, path, body in [
        ("GET", f"/Users/{uid}", None), ("PUT", f"/Users/{uid}", {"schemas": [USER_SCHEMA], "userName": "x"}),
        ("PATCH", f"/Users/{uid}", patch), ("DELETE", f"/Users/{uid}", None),
        ("GET", f"/Groups/{gid}", None), ("PATCH", f"/Groups/{gid}", patch), ("DELETE", f"/Groups/{gid}", None),
    ]:
        assert client.request(method, f"{base_a}{path}", token_a, body).status_code == 404, (method, path)
    listing = client.request("GET", f"{base_a}/Groups", token_a).json()
    assert listing["totalResults"] == 0
    found = client.request("GET", f"{base_a}/Users?filter=id%20eq%20%22{uid}%22", token_a).json()
    assert found["totalResults"] == 0
    members = {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]}
    group_a = client.request("POST", f"{base_a}/Groups", token_a, {"schemas": [GROUP_SCHEMA], "displayName": "G"})
    client.request("PATCH", f"{base_a}/Groups/{group_a.json()['id']}", token_a, members)
    assert DirectoryReader(store, a.id).members(group_a.json()["id"]) == []  # B's user cannot join A's group
    assert client.request("GET", f"{base_b}/Users/{uid}", token_b).status_code == 200


def test_deactivated_and_unknown_directories(store: SqlStore) -> None:
    """A deactivated directory answers 403; an unknown one 404; a wrong token 401."""
    manager = DirectoryManager(store)
    directory, token = manager.create("A")
    client = serve(store)
    assert client.request("GET", f"/scim/v2/{directory.id}/Users", "wrong").status_code == 401
    manager.set_active(directory.id, False)
    response = client.request("GET", f"/scim/v2/{directory.id}/Users", token)
    assert response.status_code == 403 and response.json()["status"] == "403"
    assert client.request("GET", "/scim/v2/no-such-directory/Users", token).status_code == 404


def test_unknown_and_known_directories_look_alike_without_a_token(store: SqlStore) -> None:
    """Without a valid token, an unknown directory answers the same 401 as a known one: ids cannot be probed."""
    directory, _ = DirectoryManager(store).create("A")
    client = serve(store)
    for token in ("", "wrong"):
        known = client.request("GET", f"/scim/v2/{directory.id}/Users", token)
        unknown = client.request("GET", "/scim/v2/no-such-directory/Users", token)
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (401, known.json())


def test_unknown_resource_type_is_named_as_such_to_an_authenticated_caller(store: SqlStore) -> None:
    """GET /Widgets with a valid token is a 404 that names 'Widgets' as no resource type (or directory)."""
    _, token = DirectoryManager(store).create("A")
    for valid in (token, "default-token"):  # a directory's token, and the default directory's
        response = serve(store).request("GET", "/scim/v2/Widgets", valid)
        assert response.status_code == 404
        assert "No resource type or SCIM directory named 'Widgets'" in response.json()["detail"]


def test_token_rotation_keeps_the_old_token_until_revoked(store: SqlStore) -> None:
    """After rotation both tokens work; after revocation only the kept one does."""
    manager = DirectoryManager(store)
    directory, old = manager.create("A")
    new = manager.rotate_token(directory.id)
    client = serve(store)
    url = f"/scim/v2/{directory.id}/Users"
    assert client.request("GET", url, old).status_code == 200
    assert client.request("GET", url, new).status_code == 200
    manager.revoke_tokens(directory.id, keep_token=new)
    assert client.request("GET", url, old).status_code == 401
    assert client.request("GET", url, new).status_code == 200


def test_tokens_are_not_stored_in_plain_text(tmp_path: Path) -> None:
    """The database file holds token digests, never the tokens themselves."""
    path = tmp_path / "secrets.db"
    store = SqlStore(f"sqlite:///{path}")
    directory, token = DirectoryManager(store).create("A")
    rotated = DirectoryManager(store).rotate_token(directory.id)
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("secrets.db"))
    assert token.encode() not in raw and rotated.encode() not in raw
    assert directory.id.encode() in raw


def test_delete_directory_removes_its_data(store: SqlStore) -> None:
    """Deleting a directory removes its users, tokens and events, and leaves others alone."""
    manager = DirectoryManager(store)
    a, token_a = manager.create("A")
    b, token_b = manager.create("B")
    client = serve(store)
    client.request("POST", f"/scim/v2/{a.id}/Users", token_a, {"schemas": [USER_SCHEMA], "userName": "x"})
    client.request("POST", f"/scim/v2/{b.id}/Users", token_b, {"schemas": [USER_SCHEMA], "userName": "x"})
    manager.delete(a.id)
    assert store.get_directory(a.id) is None and store.list_events(a.id) == []
    assert DirectoryReader(store, a.id).users().total == 0
    assert DirectoryReader(store, b.id).users().total == 1
    assert client.request("GET", f"/scim/v2/{a.id}/Users", token_a).status_code == 401  # its token went with it


def test_reader_api(store: SqlStore) -> None:
    """The read API lists users and groups, members of a group, groups of a user and the event log."""
    directory, token = DirectoryManager(store).create("A")
    client = serve(store)
    base = f"/scim/v2/{directory.id}"
    user = client.request("POST", f"{base}/Users", token, {"schemas": [USER_SCHEMA], "userName": "a"}).json()
    group = client.request("POST", f"{base}/Groups", token, {
        "schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": user["id"]}]}).json()
    reader = DirectoryReader(store, directory.id)
    assert [u["userName"] for u in reader.users(filter='userName eq "A"').resources] == ["a"]
    assert reader.groups().resources[0]["displayName"] == "G" and "members" not in reader.groups().resources[0]
    assert [m["value"] for m in reader.members(group["id"])] == [user["id"]]
    assert reader.groups_of(user["id"]) == [{"value": group["id"], "display": "G"}]
    first = reader.events(limit=2)
    rest = reader.events(since=first[-1].seq)
    assert [s.event.type for s in first + rest] == ["user.created", "group.created", "group.user_added"]
