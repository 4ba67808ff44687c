"""Inputs the request fuzzer (tests/fuzz) found answered 500, pinned as 4xx (or served) on every store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from scimcore import BearerTokens, MemoryStore, ScimRequest, ScimService
from scimcore.adapters.access import redact_body
from scimcore.store.port import Store
from tests.conftest import BASE_URL, TOKEN, USER_SCHEMA, Client, StepClock
from tests.custom_schemas import custom_registry

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
ACME = "urn:example:params:scim:schemas:extension:acme:2.0:User"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    store: Store
    closing = None
    if request.param == "memory":
        store = MemoryStore()
    else:
        pytest.importorskip("sqlalchemy")
        from scimcore.store.sql import SqlStore

        url = f"sqlite:///{tmp_path / 'h.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
        store = closing = SqlStore(url)
    service = ScimService(store, registry=custom_registry(), authenticator=BearerTokens([TOKEN]), clock=StepClock())
    yield Client(service)
    if closing is not None:
        closing.close()


def _user(extra: str) -> bytes:
    return f'{{"schemas":["{USER_SCHEMA}"],"userName":"alice"{extra}}}'.encode()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (_user(',"title":NaN'), "NaN"),
        (_user(',"title":Infinity'), "Infinity"),
        (_user(',"title":-Infinity'), "-Infinity"),
        (_user(',"title":1e400'), "out of range"),
        (_user(',"nickName":"a\\u0000b"'), "NUL"),
        (_user(',"nickName":"\\ud800"'), "surrogate"),
        (_user(',"name":{"\\udfff":"x"}'), "surrogate"),
    ],
    ids=["deep-nesting", "NaN", "Infinity", "-Infinity", "1e400", "NUL", "lone-surrogate", "surrogate-key"],
)
def test_bodies_no_store_can_keep_are_400(client: Client, raw: bytes, words: str) -> None:
    """Deep nesting, NaN/Infinity, numbers beyond a float, NUL and lone surrogates answer 400 naming the cause."""
    result = client.request("POST", "/Users", raw=raw)
    assert result.status == 400, result.json
    assert result.json["schemas"] == [ERROR] and words in result.json["detail"]
    assert client.get("/Users").json["totalResults"] == 0


@pytest.mark.parametrize(
    "text", ['userName eq "a\\u0000b"', 'userName eq "\\ud800"', 'emails[value eq "\\u0000"]'], ids=["NUL", "surrogate",
                                                                                                   "value-filter"]
)
def test_filter_values_no_store_can_keep_are_400(client: Client, text: str) -> None:
    """A filter comparing with a NUL or a lone surrogate answers 400 invalidFilter."""
    result = client.get("/Users", query="filter=" + quote(text))
    assert result.status == 400 and result.json["scimType"] == "invalidFilter"


def test_a_nul_in_the_path_is_404(client: Client) -> None:
    """A resource id with U+0000 names nothing: 404, never a database error."""
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        assert client.request(method, "/Users/a\x00b").status == 404


def test_a_nul_in_the_directory_is_404() -> None:
    """A directory id with U+0000 names no directory: 404 before anything is looked up."""
    service = ScimService(MemoryStore(), authenticator=BearerTokens([TOKEN]))
    headers = {"authorization": f"Bearer {TOKEN}"}
    response = service.handle(ScimRequest("GET", "/Users", "", headers, b"", BASE_URL, directory="x\x00y"))
    assert response.status == 404 and json.loads(response.body)["status"] == "404"


@pytest.mark.parametrize("number", ["99999999999999999999999999", "1e30", "-1e400", "9223372036854775808"])
def test_integers_beyond_64_bits_in_a_filter_are_served(client: Client, number: str) -> None:
    """Comparing an integer attribute with a number no SQL integer holds is evaluated, not a 500."""
    client.post("/Users", {"schemas": [USER_SCHEMA, ACME], "userName": "alice", ACME: {"level": 3}})
    for op in ("eq", "gt", "lt"):
        result = client.get("/Users", query="filter=" + quote(f"{ACME}:level {op} {number}"))
        assert result.status == 200, result.json
        negative = number.startswith("-")
        expected = 1 if (op == "lt" and not negative) or (op == "gt" and negative) else 0
        assert result.json["totalResults"] == expected, (op, number)


def test_the_debug_body_log_survives_deep_nesting() -> None:
    """Redacting a body nested 900 levels deep for the debug log neither fails nor recurses without bound."""
    shown = redact_body(b'{"a":' * 900 + b"1" + b"}" * 900)
    assert shown.startswith('{"a":{"a":') and "[redacted]" in shown


@pytest.mark.parametrize("start", ["99999999999999999999999", str(2**63), str(2**62 + 1)])
def test_a_start_index_beyond_64_bits_is_an_empty_page(client: Client, start: str) -> None:
    """startIndex past what a SQL OFFSET holds answers an empty page, by GET and by .search."""
    client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice"})
    listed = client.get("/Users", query=f"startIndex={start}")
    assert listed.status == 200 and listed.json["Resources"] == [] and listed.json["totalResults"] == 1
    searched = client.post("/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                        "startIndex": int(start)})
    assert searched.status == 200 and searched.json["Resources"] == []


@pytest.mark.parametrize(
    ("path", "body_key", "extra"),
    [("/Users", "userName", {}), ("/Users", "externalId", {"userName": "u"}), ("/Groups", "displayName", {})],
)
def test_an_indexed_value_past_the_limit_is_400_on_every_store(
    client: Client, path: str, body_key: str, extra: dict[str, str]
) -> None:
    """A userName, externalId or group displayName over 2,048 UTF-8 bytes is a 400 naming it, on every store."""
    schema = USER_SCHEMA if path == "/Users" else "urn:ietf:params:scim:schemas:core:2.0:Group"
    body = {"schemas": [schema], **extra, body_key: "x" * 2_700}
    result = client.request("POST", path, raw=json.dumps(body).encode())
    assert result.status == 400, result.json
    assert result.json["scimType"] == "invalidValue" and f"'{body_key}'" in result.json["detail"]


@pytest.mark.parametrize(("depth", "found"), [(48, 1), (49, 0)])
def test_deeply_nested_not_within_the_limit_is_served_on_every_store(client: Client, depth: int, found: int) -> None:
    """49 nested ``not (...)`` (the limit is 50) answer 200 with the right users, not a 500 from SQLite's parser."""
    assert client.request("POST", "/Users", raw=_user("")).status == 201
    text = "not (" * depth + 'userName eq "alice"' + ")" * depth
    result = client.get("/Users", query="filter=" + quote(text))
    assert result.status == 200, result.json
    assert result.json["totalResults"] == found
