"""Concurrent requests through the service on SQLite and PostgreSQL: nothing lost, one winner per race."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

from scimcore import ScimRequest, ScimService  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402
from scimcore.store.sql.schema import members  # noqa: E402
from tests.conftest import BASE_URL, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA  # noqa: E402

HEADERS = {"content-type": "application/scim+json"}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'concurrency.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    sql = SqlStore(url)
    yield sql
    sql.close()


def call(
    service: ScimService, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    payload = json.dumps(body).encode() if body is not None else b""
    response = service.handle(ScimRequest(method, path, "", {**HEADERS, **(headers or {})}, payload, BASE_URL))
    return response.status, json.loads(response.body) if response.body else None


def in_threads(count: int, work: Callable[[int], None]) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_eight_patchers_on_one_group_lose_no_member(store: SqlStore) -> None:
    """Eight clients adding different members to one group at once: every member is there afterwards."""
    service = ScimService(store, anonymous=True)
    user_ids = []
    for i in range(32):
        status, body = call(service, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": f"user{i}"})
        assert status == 201
        user_ids.append(body["id"])
    status, group = call(service, "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Big"})
    assert status == 201

    def work(worker: int) -> None:
        for uid in user_ids[worker::8]:
            status, _ = call(service, "PATCH", f"/Groups/{group['id']}", {
                "schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}],
            })
            assert status in (200, 204)

    in_threads(8, work)
    status, body = call(service, "GET", f"/Groups/{group['id']}")
    assert sorted(m["value"] for m in body["members"]) == sorted(user_ids)


def test_concurrent_duplicate_posts_give_one_201(store: SqlStore) -> None:
    """Eight concurrent POSTs of one userName: exactly one 201, the rest 409."""
    service = ScimService(store, anonymous=True)
    statuses: list[int] = []

    def work(_: int) -> None:
        status, _body = call(service, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "same@corp.local"})
        statuses.append(status)

    in_threads(8, work)
    assert sorted(statuses) == [201] + [409] * 7


def test_concurrent_puts_with_one_if_match_have_one_winner(store: SqlStore) -> None:
    """Concurrent PUTs carrying the same If-Match: one succeeds, the others get 412."""
    service = ScimService(store, anonymous=True)
    status, user = call(service, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "bjensen"})
    version = user["meta"]["version"]
    statuses: list[int] = []

    def work(i: int) -> None:
        status, _body = call(
            service, "PUT", f"/Users/{user['id']}",
            {"schemas": [USER_SCHEMA], "userName": "bjensen", "title": f"t{i}"},
            {"if-match": version},
        )
        statuses.append(status)

    in_threads(8, work)
    assert sorted(statuses) == [200] + [412] * 7


def test_group_read_without_members_never_touches_memberships(store: SqlStore) -> None:
    """GET /Groups/{id}?excludedAttributes=members runs no query on the membership table."""
    service = ScimService(store, anonymous=True)
    _, user = call(service, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    _, group = call(service, "POST", "/Groups", {
        "schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": user["id"]}],
    })
    seen: list[str] = []
    from sqlalchemy import event

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        response = service.handle(ScimRequest(
            "GET", f"/Groups/{group['id']}", "excludedAttributes=members", HEADERS, b"", BASE_URL,
        ))
        listing = service.handle(ScimRequest(
            "GET", "/Groups", "excludedAttributes=members&filter=displayName%20eq%20%22G%22", HEADERS, b"", BASE_URL,
        ))
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert response.status == 200 and "members" not in json.loads(response.body)
    assert listing.status == 200 and json.loads(listing.body)["totalResults"] == 1
    assert seen and not any(members.name in statement for statement in seen)
