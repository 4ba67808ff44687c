"""The SET endpoints of scimcore serve: JWKS documents and RFC 8936 polling, on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("joserfc")

from scimcore import BearerTokens, MemoryStore, ScimService  # noqa: E402
from scimcore.adapters.sets import SetEndpointsASGI  # noqa: E402
from scimcore.asgi import ScimASGI  # noqa: E402
from scimcore.directories import DirectoryManager, ServerAuthenticator  # noqa: E402
from scimcore.set_receiver import SetRejected, SetVerifier  # noqa: E402
from scimcore.sets import CREATE_FULL, PATCH_FULL  # noqa: E402
from scimcore.store.port import DEFAULT_DIRECTORY  # noqa: E402
from tests.conftest import GROUP_SCHEMA, USER_SCHEMA  # noqa: E402

ISSUER = "https://scim.example.com"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryStore()
        return
    pytest.importorskip("sqlalchemy")
    from scimcore.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'sets.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    sql = SqlStore(url)
    yield sql
    sql.close()


class World:
    """Directories A (polled SETs) and B (polled too) behind scimcore serve's SCIM and SET endpoints."""

    def __init__(self, store: Any, clock: list[float]) -> None:
        manager = DirectoryManager(store)
        self.a, self.token_a = manager.create("A", directory_id="a")
        self.b, self.token_b = manager.create("B", directory_id="b")
        manager.set_event_delivery("a", "set-poll")
        manager.set_event_delivery("b", "set-poll", form="notice")
        authenticator = ServerAuthenticator(store, BearerTokens(["default-token-of-the-sets-tests"]),
                                            DEFAULT_DIRECTORY)
        service = ScimService(store, authenticator=authenticator)
        scim = ScimASGI(service, prefix="/scim/v2", directories=True)
        self.app = SetEndpointsASGI(store, scim, issuer=ISSUER, authenticator=authenticator,
                                    clock=lambda: clock[0], lease_seconds=30.0)
        self.store = store
        self.clock = clock

    def run(self, scenario: Any) -> Any:
        async def go() -> Any:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return await scenario(client)
        return asyncio.run(go())

    @staticmethod
    async def scim(client: httpx.AsyncClient, directory: str, token: str, path: str, body: Any) -> httpx.Response:
        return await client.post(f"/scim/v2/{directory}{path}", content=json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})

    @staticmethod
    async def poll(client: httpx.AsyncClient, directory: str, token: str | None, body: Any) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return await client.post(f"/sets/{directory}/poll", content=json.dumps(body).encode(), headers=headers)


@pytest.fixture
def world(store: Any) -> World:
    import time

    return World(store, [time.time()])


def _verifier(world: World, client_keys: dict[str, Any], audience: str) -> SetVerifier:
    return SetVerifier(client_keys, issuer=ISSUER, audience=audience, clock=lambda: world.clock[0])


def test_a_poll_round_trip_delivers_verifiable_sets_and_ack_settles_them(world: World) -> None:
    """SCIM writes become SETs a poller verifies against the directory's JWKS; acknowledged ones are not sent again."""

    async def scenario(client: httpx.AsyncClient) -> tuple[Any, ...]:
        user = await world.scim(client, "a", world.token_a, "/Users", {"schemas": [USER_SCHEMA], "userName": "alice"})
        group = {"schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": [{"value": user.json()["id"]}]}
        await world.scim(client, "a", world.token_a, "/Groups", group)
        keys = (await client.get("/sets/a/jwks.json")).json()
        first = (await world.poll(client, "a", world.token_a, {"maxEvents": 10, "returnImmediately": True})).json()
        acked = await world.poll(client, "a", world.token_a, {"ack": list(first["sets"]), "maxEvents": 10})
        return keys, first, acked.json()

    keys, first, after_ack = world.run(scenario)
    verifier = _verifier(world, keys, "a")
    received = [verifier.verify(token) for token in first["sets"].values()]
    assert [r.events[0].uri for r in received] == [CREATE_FULL, CREATE_FULL, PATCH_FULL]
    assert [r.jti for r in received] == list(first["sets"])
    assert first["moreAvailable"] is False
    assert after_ack == {"sets": {}, "moreAvailable": False}
    assert {s.status for s in world.store.list_events("a")} == {"delivered"}


def test_unacknowledged_sets_are_delivered_again_after_their_lease(world: World) -> None:
    """A SET not acknowledged comes back in a poll after the lease, with the same jti."""

    async def scenario(client: httpx.AsyncClient) -> tuple[Any, Any, Any]:
        await world.scim(client, "a", world.token_a, "/Users", {"schemas": [USER_SCHEMA], "userName": "bob"})
        first = (await world.poll(client, "a", world.token_a, {})).json()
        within = (await world.poll(client, "a", world.token_a, {})).json()
        world.clock[0] += 31.0
        later = (await world.poll(client, "a", world.token_a, {})).json()
        return first, within, later

    first, within, later = world.run(scenario)
    assert within["sets"] == {}
    assert list(later["sets"]) == list(first["sets"]) and len(first["sets"]) == 1


def test_set_errs_dead_letter_the_event(world: World) -> None:
    """setErrs report a refused SET: its event is dead-lettered with the receiver's err and description."""

    async def scenario(client: httpx.AsyncClient) -> None:
        await world.scim(client, "a", world.token_a, "/Users", {"schemas": [USER_SCHEMA], "userName": "carol"})
        (jti,) = (await world.poll(client, "a", world.token_a, {})).json()["sets"]
        errs = {jti: {"err": "invalid_request", "description": "unknown schema"}}
        await world.poll(client, "a", world.token_a, {"setErrs": errs, "maxEvents": 0})

    world.run(scenario)
    (stored,) = world.store.list_events("a")
    assert (stored.status, stored.last_error) == ("dead", "invalid_request: unknown schema")


def test_a_directory_s_poll_never_returns_another_directory_s_events(world: World) -> None:
    """B's token polls B's events only, A's token is refused at B's endpoint, and acking A's jti from B does nothing."""

    async def scenario(client: httpx.AsyncClient) -> tuple[Any, ...]:
        await world.scim(client, "a", world.token_a, "/Users", {"schemas": [USER_SCHEMA], "userName": "dave"})
        await world.scim(client, "b", world.token_b, "/Users", {"schemas": [USER_SCHEMA], "userName": "erin"})
        wrong = await world.poll(client, "b", world.token_a, {})
        b_sets = (await world.poll(client, "b", world.token_b, {})).json()
        a_jtis = [s.event.id for s in world.store.list_events("a")]
        await world.poll(client, "b", world.token_b, {"ack": a_jtis, "maxEvents": 0})
        keys = (await client.get("/sets/b/jwks.json")).json()
        return wrong, b_sets, keys

    wrong, b_sets, keys = world.run(scenario)
    assert wrong.status_code == 401
    verifier = _verifier(world, keys, "b")
    (only,) = [verifier.verify(t) for t in b_sets["sets"].values()]
    assert only.events[0].attributes is not None and "userName" in only.events[0].attributes
    assert {s.status for s in world.store.list_events("a")} == {"stored"}


def test_a_set_for_one_directory_is_refused_by_another_s_receiver(world: World) -> None:
    """A's SET carries aud "a": a verifier for B refuses it (invalid_audience)."""

    async def scenario(client: httpx.AsyncClient) -> tuple[Any, Any]:
        await world.scim(client, "a", world.token_a, "/Users", {"schemas": [USER_SCHEMA], "userName": "fay"})
        sets = (await world.poll(client, "a", world.token_a, {})).json()["sets"]
        return sets, (await client.get("/sets/b/jwks.json")).json()

    sets, keys = world.run(scenario)
    with pytest.raises(SetRejected) as caught:
        _verifier(world, keys, "b").verify(next(iter(sets.values())))
    assert caught.value.err == "invalid_audience"


@pytest.mark.parametrize(
    ("token", "body", "status", "err"),
    [
        (None, {}, 401, "authentication_failed"),
        ("wrong-token", {}, 401, "authentication_failed"),
        ("a", b"not json", 400, "invalid_request"),
        ("a", {"maxEvents": -1}, 400, "invalid_request"),
        ("a", {"ack": "jti"}, 400, "invalid_request"),
        ("a", {"setErrs": {"x": "bad"}}, 400, "invalid_request"),
        ("a", {"returnImmediately": "yes"}, 400, "invalid_request"),
    ],
)
def test_bad_polls_get_an_rfc_8935_error_object(world: World, token: str | None, body: Any, status: int,
                                                err: str) -> None:
    """A poll without the directory's token is 401; one scimcore cannot read is 400 invalid_request."""
    secret = world.token_a if token == "a" else token

    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        if isinstance(body, bytes):
            return await client.post("/sets/a/poll", content=body,
                                      headers={"Authorization": f"Bearer {secret}"})
        return await world.poll(client, "a", secret, body)

    answer = world.run(scenario)
    assert answer.status_code == status
    assert answer.json()["err"] == err and answer.json()["description"]


def test_a_webhook_directory_has_no_poll(store: Any) -> None:
    """A directory that does not deliver by poll answers its own token 403 access_denied."""
    world = World(store, [0.0])
    DirectoryManager(store).set_event_delivery("a", "webhook")

    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await world.poll(client, "a", world.token_a, {})

    answer = world.run(scenario)
    assert (answer.status_code, answer.json()["err"]) == (403, "access_denied")


def test_the_server_jwks_is_public_and_holds_no_private_key(world: World) -> None:
    """/sets/jwks.json lists the server's public keys once one was made, never a private part."""

    async def scenario(client: httpx.AsyncClient) -> Any:
        await world.scim(client, "a", world.token_a, "/Users", {"schemas": [USER_SCHEMA], "userName": "gus"})
        await world.poll(client, "a", world.token_a, {})
        return (await client.get("/sets/jwks.json")).json()

    (key,) = world.run(scenario)["keys"]
    assert "d" not in key and key["use"] == "sig"


def test_other_paths_go_to_the_scim_app(world: World) -> None:
    """Requests outside /sets/ reach the wrapped app; an unknown /sets path is 404."""

    async def scenario(client: httpx.AsyncClient) -> tuple[int, int]:
        scim = await client.get("/scim/v2/a/Users", headers={"Authorization": f"Bearer {world.token_a}"})
        return scim.status_code, (await client.get("/sets/nothing/here")).status_code

    assert world.run(scenario) == (200, 404)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_set_polled_and_not_acknowledged_is_polled_again_after_a_restart(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """At least once across a restart: a SET handed out, then the server restarts, comes again with its jti."""
    pytest.importorskip("sqlalchemy")
    import time

    from scimcore.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'restart.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    clock = [time.time()]
    before = World(SqlStore(url), clock)

    async def write_and_poll(client: httpx.AsyncClient) -> Any:
        await before.scim(client, "a", before.token_a, "/Users", {"schemas": [USER_SCHEMA], "userName": "hal"})
        return (await before.poll(client, "a", before.token_a, {})).json()

    first = before.run(write_and_poll)
    before.store.close()

    store = SqlStore(url)
    try:
        authenticator = ServerAuthenticator(store, None, DEFAULT_DIRECTORY)
        scim = ScimASGI(ScimService(store, authenticator=authenticator), prefix="/scim/v2", directories=True)
        clock[0] += 61.0
        app = SetEndpointsASGI(store, scim, issuer=ISSUER, authenticator=authenticator, clock=lambda: clock[0])

        async def poll_again() -> Any:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                return (await World.poll(client, "a", before.token_a, {})).json()

        again = asyncio.run(poll_again())
        assert list(again["sets"]) == list(first["sets"]) and len(first["sets"]) == 1
    finally:
        store.close()
