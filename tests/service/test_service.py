"""The protocol rules of the service (RFC 7644 §3): create, read, list, search, replace, patch, delete, ETags."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scimcore import BearerTokens, MemoryStore, ScimService, ServiceConfig
from scimcore.directories import DirectoryAuthenticator, DirectoryManager
from scimcore.transport import ScimRequest
from tests.conftest import (
    BASE_URL,
    ENTERPRISE,
    GROUP_SCHEMA,
    TOKEN,
    USER_SCHEMA,
    Client,
    Result,
    StepClock,
    make_service,
)
from tests.custom_schemas import ACME, custom_service

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _names(result: Any) -> list[str]:
    return [r.get("userName") or r.get("displayName") for r in result.json["Resources"]]


def _store_doc(service: ScimService, type_name: str, resource_id: str) -> dict[str, Any]:
    doc = service.store.get(service.registry.resource_type(type_name), resource_id)
    assert doc is not None
    return doc


# -- create ----------------------------------------------------------------------------------------


def test_post_answers_201_with_location_equal_to_meta_location(client: Client) -> None:
    """POST answers 201 with a Location header that is the new resource's meta.location."""
    result = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice"})
    assert result.status == 201
    body = result.json
    assert result.header("Location") == f"{BASE_URL}/Users/{body['id']}"
    assert body["meta"]["location"] == result.header("Location")


def test_post_etag_equals_meta_version(client: Client) -> None:
    """The ETag of a POST response is the resource's meta.version."""
    result = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice"})
    assert result.header("ETag") == result.json["meta"]["version"]
    assert result.json["meta"]["version"].startswith('W/"')


def test_post_sets_meta(client: Client) -> None:
    """A created resource carries meta.resourceType, created = lastModified as xsd:dateTime, location, version."""
    meta = client.create_group("staff")["meta"]
    assert meta["resourceType"] == "Group"
    assert DATETIME.match(meta["created"])
    assert meta["created"] == meta["lastModified"]
    assert set(meta) == {"resourceType", "created", "lastModified", "location", "version"}


def test_post_uses_the_injected_clock_and_id_generator() -> None:
    """id and meta.created come from the injected id generator and clock, not from the system."""
    service = ScimService(
        MemoryStore(),
        clock=lambda: datetime(2030, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        new_id=lambda: "fixed-id", anonymous=True,
    )
    body = Client(service, token=None).create_user("alice")
    assert body["id"] == "fixed-id"
    assert body["meta"]["created"] == "2030-05-06T07:08:09.123Z"


def test_post_ignores_client_id_and_meta(client: Client) -> None:
    """id and meta sent by the client on POST are readOnly and ignored."""
    body = client.create_user("alice", id="mine", meta={"version": 'W/"99"', "created": "2000-01-01T00:00:00Z"})
    assert body["id"] != "mine"
    assert body["meta"]["version"] == 'W/"1"'
    assert body["meta"]["created"] != "2000-01-01T00:00:00Z"


def test_post_requires_username(client: Client) -> None:
    """A user without userName is refused with 400 invalidValue."""
    result = client.post("/Users", {"schemas": [USER_SCHEMA], "displayName": "nobody"})
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"
    assert "userName" in result.json["detail"]


# -- read ------------------------------------------------------------------------------------------


def test_get_by_id_returns_the_created_resource(client: Client) -> None:
    """GET /Users/{id} returns what POST returned, with the same ETag."""
    created = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice", "displayName": "Alice"})
    result = client.get(f"/Users/{created.json['id']}")
    assert result.status == 200
    assert result.json == created.json
    assert result.header("ETag") == created.header("ETag")


def test_get_unknown_id_is_404(client: Client) -> None:
    """GET of an id that does not exist is a 404 SCIM error."""
    result = client.get("/Users/does-not-exist")
    assert result.status == 404
    assert result.json["status"] == "404"


# -- list and paging -------------------------------------------------------------------------------


@pytest.fixture
def five(client: Client) -> Client:
    for name in ("u1", "u2", "u3", "u4", "u5"):
        client.create_user(name)
    return client


@pytest.mark.parametrize(
    ("query", "names", "start"),
    [
        ("", ["u1", "u2", "u3", "u4", "u5"], 1),
        ("startIndex=1&count=2", ["u1", "u2"], 1),
        ("startIndex=4&count=2", ["u4", "u5"], 4),
        ("startIndex=5&count=10", ["u5"], 5),
        ("startIndex=6", [], 6),
        ("startIndex=0&count=2", ["u1", "u2"], 1),
        ("startIndex=-3&count=1", ["u1"], 1),
        ("count=0", [], 1),
        ("count=-1", [], 1),
        ("startIndex=&count=", ["u1", "u2", "u3", "u4", "u5"], 1),
    ],
)
def test_paging(five: Client, query: str, names: list[str], start: int) -> None:
    """startIndex < 1 reads as 1, count <= 0 returns no resources; totalResults counts all, itemsPerPage the page."""
    result = five.get("/Users", query=query + "&sortBy=userName")
    body = result.json
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == 5
    assert _names(result) == names
    assert body["itemsPerPage"] == len(names)
    assert body["startIndex"] == start


def test_count_zero_returns_only_the_total(five: Client) -> None:
    """count=0 answers totalResults and no resources (RFC 7644 §3.4.2.4)."""
    body = five.get("/Users", query="count=0").json
    assert body["totalResults"] == 5
    assert body["itemsPerPage"] == 0
    assert body["Resources"] == []


def test_default_page_size_applies_without_count() -> None:
    """Without count, a page holds default_page_size resources."""
    client = Client(make_service(default_page_size=2))
    for name in ("a", "b", "c"):
        client.create_user(name)
    body = client.get("/Users").json
    assert (body["totalResults"], body["itemsPerPage"]) == (3, 2)


def test_count_is_capped_at_max_page_size() -> None:
    """count above max_page_size returns max_page_size resources."""
    client = Client(make_service(max_page_size=2))
    for name in ("a", "b", "c"):
        client.create_user(name)
    body = client.get("/Users", query="count=100").json
    assert (body["totalResults"], body["itemsPerPage"]) == (3, 2)


@pytest.mark.parametrize("query", ["count=abc", "startIndex=1.5", "startIndex=x"])
def test_non_integer_paging_is_400(five: Client, query: str) -> None:
    """A non-integer startIndex or count is a 400 invalidValue naming the parameter."""
    result = five.get("/Users", query=query)
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"


@cache
def _paging_client() -> Client:
    client = Client(make_service(max_page_size=50))
    for i in range(7):
        client.create_user(f"user{i}")
    return client


@settings(max_examples=60, deadline=None)
@given(start=st.integers(min_value=-5, max_value=12), count=st.integers(min_value=-3, max_value=12))
def test_total_results_is_independent_of_paging(start: int, count: int) -> None:
    """totalResults never depends on startIndex/count, and itemsPerPage is the page length."""
    body = _paging_client().get("/Users", query=f"startIndex={start}&count={count}").json
    first = max(start, 1)
    expected = max(0, min(count, 7 - first + 1))
    assert body["totalResults"] == 7
    assert body["itemsPerPage"] == len(body["Resources"]) == expected
    assert body["startIndex"] == first


# -- filter and sort -------------------------------------------------------------------------------


@pytest.fixture
def people(client: Client) -> Client:
    client.create_user("alice", name={"givenName": "Alice"}, emails=[{"value": "a@corp.example", "type": "work"}])
    client.create_user("Bob", name={"givenName": "Bob"}, emails=[{"value": "b@home.example", "type": "home"}])
    client.create_user("carol", name={"givenName": "Carol"}, title="Boss")
    return client


@pytest.mark.parametrize(
    ("filter_text", "names"),
    [
        ('userName eq "alice"', ["alice"]),
        ('userName eq "ALICE"', ["alice"]),
        ('userName eq "bob"', ["Bob"]),
        ('name.givenName sw "C"', ["carol"]),
        ('emails[type eq "work"]', ["alice"]),
        ('emails.value co "home"', ["Bob"]),
        ("title pr", ["carol"]),
        ('not (userName eq "alice")', ["Bob", "carol"]),
        ('userName eq "alice" or title eq "Boss"', ["alice", "carol"]),
        ('userName eq "nobody"', []),
    ],
)
def test_filter(people: Client, filter_text: str, names: list[str]) -> None:
    """filter selects the matching resources, userName case-insensitively."""
    result = people.get("/Users", query="sortBy=userName&filter=" + filter_text)
    assert result.status == 200, result.json
    assert _names(result) == names
    assert result.json["totalResults"] == len(names)


def test_filter_on_unknown_attribute_is_400_invalid_filter(people: Client) -> None:
    """A filter naming an unknown attribute is a 400 invalidFilter naming it."""
    result = people.get("/Users", query='filter=nickname2 eq "x"')
    assert result.status == 400
    assert result.json["scimType"] == "invalidFilter"
    assert "nickname2" in result.json["detail"]


def test_malformed_filter_is_400_invalid_filter(people: Client) -> None:
    """A filter that does not parse is a 400 invalidFilter."""
    result = people.get("/Users", query='filter=userName eq "x" and')
    assert result.status == 400
    assert result.json["scimType"] == "invalidFilter"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("sortBy=userName", ["alice", "Bob", "carol"]),
        ("sortBy=userName&sortOrder=ascending", ["alice", "Bob", "carol"]),
        ("sortBy=userName&sortOrder=descending", ["carol", "Bob", "alice"]),
        ("sortBy=name.givenName&sortOrder=descending", ["carol", "Bob", "alice"]),
        ("sortBy=title", ["carol", "alice", "Bob"]),
        ("sortBy=title&sortOrder=descending", ["carol", "alice", "Bob"]),
    ],
)
def test_sort(people: Client, query: str, names: list[str]) -> None:
    """sortBy orders case-insensitively per caseExact; resources without the value come last either way."""
    assert _names(people.get("/Users", query=query)) == names


def test_sort_by_unknown_attribute_is_400(people: Client) -> None:
    """sortBy naming an unknown attribute is a 400 invalidValue."""
    result = people.get("/Users", query="sortBy=nope")
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"


def test_bad_sort_order_is_400(people: Client) -> None:
    """sortOrder other than ascending/descending is a 400 invalidValue."""
    result = people.get("/Users", query="sortBy=userName&sortOrder=up")
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"


# -- .search and the root --------------------------------------------------------------------------


def test_post_search_on_a_type(people: Client) -> None:
    """POST /Users/.search takes filter, sortBy, startIndex, count and attributes from the body."""
    result = people.post(
        "/Users/.search",
        {
            "schemas": [SEARCH],
            "filter": 'userName ne "alice"',
            "sortBy": "userName",
            "sortOrder": "descending",
            "startIndex": 1,
            "count": 1,
            "attributes": ["userName"],
        },
    )
    assert result.status == 200
    body = result.json
    assert body["totalResults"] == 2
    assert [set(r) for r in body["Resources"]] == [{"schemas", "id", "userName"}]
    assert body["Resources"][0]["userName"] == "carol"


def test_post_search_without_search_request_schema_is_400(people: Client) -> None:
    """A .search body whose schemas lacks SearchRequest is a 400 invalidSyntax."""
    result = people.post("/Users/.search", {"schemas": [USER_SCHEMA], "filter": "userName pr"})
    assert result.status == 400
    assert result.json["scimType"] == "invalidSyntax"


def test_post_search_with_a_non_object_body_is_400(people: Client) -> None:
    """A .search body that is not a JSON object is a 400 invalidSyntax."""
    result = people.post("/Users/.search", ["filter"])
    assert result.status == 400
    assert result.json["scimType"] == "invalidSyntax"


@pytest.fixture
def mixed(client: Client) -> Client:
    client.create_user("alice", displayName="Zed")
    client.create_user("bob")
    client.create_group("Admins")
    client.create_group("Mid")
    return client


def test_root_get_with_filter_searches_every_type(mixed: Client) -> None:
    """GET /?filter= returns matching resources of every resource type."""
    result = mixed.get("/", query='filter=displayName sw "m"')
    assert result.status == 200
    assert sorted(r["displayName"] for r in result.json["Resources"]) == ["Mid"]
    result = mixed.get("/", query="filter=displayName pr")
    types = sorted(r["meta"]["resourceType"] for r in result.json["Resources"])
    assert types == ["Group", "Group", "User"]
    assert result.json["totalResults"] == 3


def test_root_post_search_searches_every_type(mixed: Client) -> None:
    """POST /.search counts and pages over every resource type."""
    body = mixed.post("/.search", {"schemas": [SEARCH], "startIndex": 2, "count": 2}).json
    assert body["totalResults"] == 4
    assert body["itemsPerPage"] == 2
    assert body["startIndex"] == 2


def test_root_filter_on_one_types_attribute(mixed: Client) -> None:
    """A root filter on an attribute only Users have finds the users and no groups."""
    body = mixed.get("/", query='filter=userName eq "bob"').json
    assert [r["userName"] for r in body["Resources"]] == ["bob"]


def test_root_filter_unknown_to_every_type_is_400(mixed: Client) -> None:
    """A root filter naming an attribute no resource type has is a 400 invalidFilter."""
    result = mixed.get("/", query='filter=nope eq "x"')
    assert result.status == 400
    assert result.json["scimType"] == "invalidFilter"


def test_root_attributes_of_one_type_keep_the_other_types(mixed: Client) -> None:
    """attributes=userName on the root still returns groups (with only their id)."""
    body = mixed.get("/", query="attributes=userName").json
    assert body["totalResults"] == 4
    kinds = [("userName" in r, set(r) - {"userName"}) for r in body["Resources"]]
    assert sorted(kinds) == [(False, {"schemas", "id"})] * 2 + [(True, {"schemas", "id"})] * 2


def test_root_attributes_unknown_to_every_type_is_400(mixed: Client) -> None:
    """attributes naming an attribute no resource type has is a 400 invalidValue on the root too."""
    result = mixed.get("/", query="attributes=nope")
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"


def test_root_sort_orders_the_merged_result(mixed: Client) -> None:
    """sortBy on the root orders users and groups together, resources without the value last."""
    body = mixed.get("/", query="sortBy=displayName").json
    assert [r.get("displayName") for r in body["Resources"]] == ["Admins", "Mid", "Zed", None]
    body = mixed.get("/", query="sortBy=displayName&sortOrder=descending&count=2").json
    assert [r.get("displayName") for r in body["Resources"]] == ["Zed", "Mid"]


def test_root_sort_by_one_types_attribute_keeps_the_other_types(mixed: Client) -> None:
    """sortBy=userName on the root sorts the users and still returns the groups after them."""
    body = mixed.get("/", query="sortBy=userName&sortOrder=descending").json
    assert [r.get("userName") or r["displayName"] for r in body["Resources"]] == ["bob", "alice", "Admins", "Mid"]


def test_root_excluded_attributes_of_one_type(mixed: Client) -> None:
    """excludedAttributes=userName on the root drops userName from users and leaves groups whole."""
    body = mixed.get("/", query="excludedAttributes=userName").json
    assert body["totalResults"] == 4
    assert not any("userName" in r for r in body["Resources"])
    assert sorted(r["displayName"] for r in body["Resources"] if r["meta"]["resourceType"] == "Group") == [
        "Admins",
        "Mid",
    ]


# -- replace ---------------------------------------------------------------------------------------


def test_put_replaces_the_resource(client: Client) -> None:
    """PUT replaces: attributes not resent are removed, new ones are set."""
    user = client.create_user("alice", displayName="Alice", title="Dev")
    result = client.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "alice", "nickName": "Al"})
    assert result.status == 200
    assert "displayName" not in result.json and "title" not in result.json
    assert result.json["nickName"] == "Al"
    assert client.get(f"/Users/{user['id']}").json == result.json


def test_put_ignores_read_only_id_meta_and_groups(client: Client) -> None:
    """id, meta and groups sent on PUT are readOnly and ignored."""
    user = client.create_user("alice")
    result = client.put(
        f"/Users/{user['id']}",
        {
            "schemas": [USER_SCHEMA],
            "id": "other",
            "userName": "alice",
            "displayName": "A",
            "meta": {"version": 'W/"77"', "created": "2000-01-01T00:00:00Z"},
            "groups": [{"value": "g1", "display": "fake"}],
        },
    )
    assert result.status == 200
    body = result.json
    assert body["id"] == user["id"]
    assert body["meta"]["version"] == 'W/"2"'
    assert body["meta"]["created"] == user["meta"]["created"]
    assert "groups" not in body


def test_put_without_username_is_400_invalid_value(client: Client) -> None:
    """A PUT that leaves out the required userName is a 400 invalidValue, and nothing changes."""
    user = client.create_user("alice", displayName="A")
    result = client.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "displayName": "B"})
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"
    assert client.get(f"/Users/{user['id']}").json == user


def test_put_cannot_change_an_immutable_value() -> None:
    """PUT changing an immutable attribute is a 400 mutability; omitting it keeps it."""
    client = Client(custom_service())
    user = client.create_user("alice", **{ACME: {"badge": "B1", "level": 1}})
    result = client.put(
        f"/Users/{user['id']}", {"schemas": [USER_SCHEMA, ACME], "userName": "alice", ACME: {"badge": "B2"}}
    )
    assert result.status == 400
    assert result.json["scimType"] == "mutability"
    kept = client.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "alice"})
    assert kept.status == 200
    assert kept.json[ACME] == {"badge": "B1"}


def test_put_can_set_an_immutable_value_that_was_unset() -> None:
    """An immutable attribute without a value may be set once by PUT (RFC 7643 §2.2)."""
    client = Client(custom_service())
    user = client.create_user("alice")
    result = client.put(
        f"/Users/{user['id']}", {"schemas": [USER_SCHEMA, ACME], "userName": "alice", ACME: {"badge": "B1"}}
    )
    assert result.status == 200
    assert result.json[ACME] == {"badge": "B1"}


def test_put_unknown_id_is_404(client: Client) -> None:
    """PUT of an id that does not exist is a 404."""
    assert client.put("/Users/nope", {"schemas": [USER_SCHEMA], "userName": "x"}).status == 404


def test_put_to_a_taken_username_is_409(client: Client) -> None:
    """PUT renaming a user to another user's userName (any case) is a 409 uniqueness."""
    client.create_user("alice")
    bob = client.create_user("bob")
    result = client.put(f"/Users/{bob['id']}", {"schemas": [USER_SCHEMA], "userName": "Alice"})
    assert result.status == 409
    assert result.json["scimType"] == "uniqueness"


def test_put_identical_document_keeps_the_version(client: Client) -> None:
    """A PUT that changes nothing keeps meta.version and lastModified."""
    user = client.create_user("alice", displayName="A")
    result = client.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "alice", "displayName": "A"})
    assert result.json["meta"] == user["meta"]


# -- patch -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "check"),
    [
        ({"op": "replace", "path": "displayName", "value": "Al"}, lambda b: b["displayName"] == "Al"),
        ({"op": "add", "path": "title", "value": "Dev"}, lambda b: b["title"] == "Dev"),
        ({"op": "remove", "path": "nickName"}, lambda b: "nickName" not in b),
        ({"op": "replace", "value": {"displayName": "X"}}, lambda b: b["displayName"] == "X"),
        ({"op": "Replace", "path": "name.givenName", "value": "G"}, lambda b: b["name"]["givenName"] == "G"),
        ({"op": "add", "path": "emails", "value": [{"value": "a@x.example"}]}, lambda b: len(b["emails"]) == 1),
        (
            {"op": "add", "path": f"{ENTERPRISE}:department", "value": "R&D"},
            lambda b: b[ENTERPRISE]["department"] == "R&D",
        ),
    ],
)
def test_patch_answers_200_with_the_resource(client: Client, operation: dict[str, Any], check: Any) -> None:
    """A PATCH answers 200 with the whole changed resource and its new ETag."""
    user = client.create_user("alice", displayName="A", nickName="N")
    result = client.patch(f"/Users/{user['id']}", [operation])
    assert result.status == 200, result.json
    assert result.json["id"] == user["id"]
    assert result.json["userName"] == "alice"
    assert check(result.json)
    assert result.header("ETag") == result.json["meta"]["version"] == 'W/"2"'
    assert client.get(f"/Users/{user['id']}").json == result.json


def test_noop_patch_keeps_the_version(client: Client) -> None:
    """A PATCH that changes nothing keeps meta.version and lastModified."""
    user = client.create_user("alice", displayName="A")
    result = client.patch(f"/Users/{user['id']}", [{"op": "replace", "path": "displayName", "value": "A"}])
    assert result.status == 200
    assert result.json["meta"] == user["meta"]
    assert result.header("ETag") == user["meta"]["version"]


def test_patch_unknown_id_is_404(client: Client) -> None:
    """PATCH of an id that does not exist is a 404."""
    assert client.patch("/Users/nope", [{"op": "add", "path": "title", "value": "x"}]).status == 404


def test_failed_patch_changes_nothing(client: Client) -> None:
    """A PATCH whose second operation fails leaves the resource as it was (all or nothing)."""
    user = client.create_user("alice")
    result = client.patch(
        f"/Users/{user['id']}",
        [{"op": "add", "path": "title", "value": "Dev"}, {"op": "add", "path": "nope", "value": 1}],
    )
    assert result.status == 400
    assert client.get(f"/Users/{user['id']}").json == user


def test_group_patch_may_answer_204() -> None:
    """With group_patch_returns_body=False a group PATCH answers 204 with the new ETag."""
    client = Client(make_service(group_patch_returns_body=False))
    group = client.create_group("staff")
    result = client.patch(f"/Groups/{group['id']}", [{"op": "replace", "path": "displayName", "value": "team"}])
    assert result.status == 204
    assert result.response.body == b""
    assert result.header("ETag") == 'W/"2"'


# -- delete ----------------------------------------------------------------------------------------


def test_delete_answers_204_then_404(client: Client) -> None:
    """DELETE answers 204 without a body; the resource is then gone."""
    user = client.create_user("alice")
    result = client.delete(f"/Users/{user['id']}")
    assert result.status == 204
    assert result.response.body == b""
    assert client.get(f"/Users/{user['id']}").status == 404
    assert client.delete(f"/Users/{user['id']}").status == 404


def test_deleted_username_can_be_reused(client: Client) -> None:
    """After a DELETE the userName is free again."""
    user = client.create_user("alice")
    client.delete(f"/Users/{user['id']}")
    assert client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice"}).status == 201


# -- uniqueness ------------------------------------------------------------------------------------


@pytest.mark.parametrize("second", ["alice", "ALICE", "Alice"])
def test_username_is_unique_case_insensitively(client: Client, second: str) -> None:
    """A second user whose userName differs only in case is a 409 uniqueness."""
    client.create_user("alice")
    result = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": second})
    assert result.status == 409
    assert result.json["scimType"] == "uniqueness"
    assert result.json["status"] == "409"


def test_group_display_name_is_unique(client: Client) -> None:
    """A second group with the same displayName is a 409 uniqueness."""
    client.create_group("Staff")
    result = client.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Staff"})
    assert result.status == 409
    assert result.json["scimType"] == "uniqueness"


# -- password --------------------------------------------------------------------------------------


def test_password_is_never_returned(client: Client) -> None:
    """password (returned: never) is absent from POST, GET, list, PUT and PATCH responses."""
    created = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice", "password": "s3cret!"})
    uid = created.json["id"]
    responses = [
        created,
        client.get(f"/Users/{uid}"),
        client.get(f"/Users/{uid}", query="attributes=password"),
        client.get("/Users"),
        client.get("/Users", query="attributes=password,userName"),
        client.put(f"/Users/{uid}", {"schemas": [USER_SCHEMA], "userName": "alice", "password": "n3w"}),
        client.patch(f"/Users/{uid}", [{"op": "replace", "path": "password", "value": "n3w3r"}]),
    ]
    for result in responses:
        assert result.status in (200, 201)
        assert "password" not in result.response.body.decode()
        assert "s3cret" not in result.response.body.decode()


def test_password_is_stored_hashed(client: Client, service: ScimService) -> None:
    """The store keeps a salted hash of the password, never the clear text."""
    user = client.create_user("alice", password="s3cret!")
    stored = _store_doc(service, "User", user["id"])["password"]
    assert stored != "s3cret!"
    assert stored.startswith("scrypt$")
    other = client.create_user("bob", password="s3cret!")
    assert _store_doc(service, "User", other["id"])["password"] != stored


def test_put_without_password_keeps_it(client: Client, service: ScimService) -> None:
    """A PUT that does not resend the writeOnly password keeps the stored hash."""
    user = client.create_user("alice", password="s3cret!")
    before = _store_doc(service, "User", user["id"])["password"]
    client.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "alice", "displayName": "A"})
    assert _store_doc(service, "User", user["id"])["password"] == before


def test_patch_password_changes_hash_and_version(client: Client, service: ScimService) -> None:
    """Replacing the password stores a new hash and moves the version on."""
    user = client.create_user("alice", password="s3cret!")
    before = _store_doc(service, "User", user["id"])["password"]
    result = client.patch(f"/Users/{user['id']}", [{"op": "replace", "path": "password", "value": "other"}])
    after = _store_doc(service, "User", user["id"])["password"]
    assert after != before and after != "other"
    assert result.json["meta"]["version"] != user["meta"]["version"]


# -- groups and members ----------------------------------------------------------------------------


def test_user_groups_are_computed_from_memberships(client: Client) -> None:
    """User.groups lists the groups that have the user as a member, with value, display, $ref and type."""
    user = client.create_user("alice")
    group = client.create_group("staff", members=[{"value": user["id"]}])
    groups = client.get(f"/Users/{user['id']}").json["groups"]
    assert groups == [
        {"value": group["id"], "$ref": f"{BASE_URL}/Groups/{group['id']}", "display": "staff", "type": "direct"}
    ]


def test_user_groups_follow_membership_changes(client: Client) -> None:
    """Removing the user from the group, or deleting the group, empties User.groups."""
    user = client.create_user("alice")
    one = client.create_group("one", members=[{"value": user["id"]}])
    two = client.create_group("two", members=[{"value": user["id"]}])
    client.patch(f"/Groups/{one['id']}", [{"op": "remove", "path": f'members[value eq "{user["id"]}"]'}])
    assert [g["value"] for g in client.get(f"/Users/{user['id']}").json["groups"]] == [two["id"]]
    client.delete(f"/Groups/{two['id']}")
    assert "groups" not in client.get(f"/Users/{user['id']}").json


def test_deleting_a_user_removes_its_memberships(client: Client) -> None:
    """A deleted user no longer appears among any group's members."""
    alice = client.create_user("alice")
    bob = client.create_user("bob")
    group = client.create_group("staff", members=[{"value": alice["id"]}, {"value": bob["id"]}])
    client.delete(f"/Users/{alice['id']}")
    members = client.get(f"/Groups/{group['id']}").json["members"]
    assert [m["value"] for m in members] == [bob["id"]]
    found = client.get("/Groups", query=f'filter=members.value eq "{alice["id"]}"').json
    assert found["totalResults"] == 0


def test_deleting_a_member_moves_the_group_version(client: Client) -> None:
    """A group whose member is deleted gets a new version, so If-None-Match does not serve stale members."""
    alice = client.create_user("alice")
    group = client.create_group("staff", members=[{"value": alice["id"]}])
    client.delete(f"/Users/{alice['id']}")
    after = client.get(f"/Groups/{group['id']}", headers={"If-None-Match": group["meta"]["version"]})
    assert after.status == 200
    assert after.json["meta"]["version"] != group["meta"]["version"]


def test_members_given_in_post_are_kept(client: Client) -> None:
    """Members sent on POST are stored with their type and returned with a $ref."""
    user = client.create_user("alice")
    inner = client.create_group("inner")
    group = client.create_group("outer", members=[{"value": user["id"]}, {"value": inner["id"]}])
    assert group["members"] == [
        {"value": user["id"], "type": "User", "$ref": f"{BASE_URL}/Users/{user['id']}"},
        {"value": inner["id"], "type": "Group", "$ref": f"{BASE_URL}/Groups/{inner['id']}"},
    ]
    assert client.get(f"/Groups/{group['id']}").json["members"] == group["members"]


def test_members_given_in_put_are_kept(client: Client) -> None:
    """PUT replaces the member list with the members it sends."""
    alice = client.create_user("alice")
    bob = client.create_user("bob")
    group = client.create_group("staff", members=[{"value": alice["id"]}])
    result = client.put(
        f"/Groups/{group['id']}",
        {"schemas": [GROUP_SCHEMA], "displayName": "staff", "members": [{"value": bob["id"]}]},
    )
    assert [m["value"] for m in result.json["members"]] == [bob["id"]]
    assert [m["value"] for m in client.get(f"/Groups/{group['id']}").json["members"]] == [bob["id"]]
    assert "groups" not in client.get(f"/Users/{alice['id']}").json


def test_duplicate_members_are_kept_once(client: Client) -> None:
    """A member listed twice is stored once."""
    user = client.create_user("alice")
    group = client.create_group("staff", members=[{"value": user["id"]}, {"value": user["id"]}])
    assert [m["value"] for m in group["members"]] == [user["id"]]


def test_unknown_members_are_dropped_by_default(client: Client) -> None:
    """A member id that names no resource is dropped and the rest kept."""
    user = client.create_user("alice")
    group = client.create_group("staff", members=[{"value": "ghost"}, {"value": user["id"]}])
    assert [m["value"] for m in group["members"]] == [user["id"]]


def test_unknown_members_are_refused_in_strict_mode() -> None:
    """With reject_unknown_members=True an unknown member id is a 400 invalidValue and nothing is stored."""
    client = Client(make_service(reject_unknown_members=True))
    result = client.post(
        "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "staff", "members": [{"value": "ghost"}]}
    )
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"
    assert "ghost" in result.json["detail"]
    assert client.get("/Groups").json["totalResults"] == 0


def test_unknown_members_in_patch_are_refused_in_strict_mode() -> None:
    """In strict mode a PATCH adding an unknown member is refused and the group unchanged."""
    client = Client(make_service(reject_unknown_members=True))
    group = client.create_group("staff")
    result = client.patch(f"/Groups/{group['id']}", [{"op": "add", "path": "members", "value": [{"value": "ghost"}]}])
    assert result.status == 400
    assert client.get(f"/Groups/{group['id']}").json == group


# -- ETags and preconditions -----------------------------------------------------------------------


def test_version_changes_on_every_real_write(client: Client) -> None:
    """POST, PUT and PATCH that change the resource each produce a new version and ETag."""
    user = client.create_user("alice")
    versions = [user["meta"]["version"]]
    result = client.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "alice", "title": "A"})
    versions.append(result.header("ETag"))
    result = client.patch(f"/Users/{user['id']}", [{"op": "replace", "path": "title", "value": "B"}])
    versions.append(result.header("ETag"))
    assert len(set(versions)) == 3
    assert client.get(f"/Users/{user['id']}").header("ETag") == versions[-1]


def test_last_modified_moves_with_the_version(client: Client) -> None:
    """A real write moves lastModified and keeps created."""
    user = client.create_user("alice")
    result = client.patch(f"/Users/{user['id']}", [{"op": "add", "path": "title", "value": "B"}])
    assert result.json["meta"]["created"] == user["meta"]["created"]
    assert result.json["meta"]["lastModified"] > user["meta"]["lastModified"]


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=8))
def test_version_moves_exactly_when_the_resource_changes(values: list[str]) -> None:
    """A sequence of PATCH replaces moves the version on each change and keeps it on each repeat."""
    client = Client(make_service())
    user = client.create_user("alice", title="a")
    current, version = "a", user["meta"]["version"]
    for value in values:
        result = client.patch(f"/Users/{user['id']}", [{"op": "replace", "path": "title", "value": value}])
        new_version = result.header("ETag")
        assert (new_version != version) == (value != current)
        current, version = value, new_version


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_if_match_mismatch_is_412(client: Client, method: str) -> None:
    """If-Match naming another version makes PUT, PATCH and DELETE fail with 412 and change nothing."""
    user = client.create_user("alice")
    bodies: dict[str, Any] = {
        "PUT": {"schemas": [USER_SCHEMA], "userName": "alice", "title": "x"},
        "PATCH": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "title", "value": "x"}],
        },
        "DELETE": None,
    }
    result = client.request(method, f"/Users/{user['id']}", bodies[method], headers={"If-Match": 'W/"41"'})
    assert result.status == 412
    assert result.json["status"] == "412"
    assert client.get(f"/Users/{user['id']}").json == user


@pytest.mark.parametrize("tag", ['W/"1"', '"1"', '"0", W/"1"', "*"])
def test_if_match_current_version_succeeds(client: Client, tag: str) -> None:
    """If-Match with the current version (weak or strong, in a list) or * lets the write through."""
    user = client.create_user("alice")
    result = client.patch(
        f"/Users/{user['id']}", [{"op": "add", "path": "title", "value": "x"}], headers={"If-Match": tag}
    )
    assert result.status == 200


def test_if_match_on_delete_succeeds_with_current_version(client: Client) -> None:
    """DELETE with If-Match naming the current version deletes."""
    user = client.create_user("alice")
    assert client.delete(f"/Users/{user['id']}", headers={"If-Match": user["meta"]["version"]}).status == 204


@pytest.mark.parametrize("tag", ['W/"1"', '"1"', 'W/"0", W/"1"', "*"])
def test_if_none_match_current_version_is_304(client: Client, tag: str) -> None:
    """GET with If-None-Match matching the current version (or *) answers 304 with the ETag and no body."""
    user = client.create_user("alice")
    result = client.get(f"/Users/{user['id']}", headers={"If-None-Match": tag})
    assert result.status == 304
    assert result.response.body == b""
    assert result.header("ETag") == user["meta"]["version"]


def test_if_none_match_stale_version_is_200(client: Client) -> None:
    """GET with If-None-Match naming an older version answers 200 with the resource."""
    user = client.create_user("alice")
    client.patch(f"/Users/{user['id']}", [{"op": "add", "path": "title", "value": "x"}])
    result = client.get(f"/Users/{user['id']}", headers={"If-None-Match": user["meta"]["version"]})
    assert result.status == 200
    assert result.json["title"] == "x"


# -- directories and authentication hooks ----------------------------------------------------------


def test_no_authenticator_serves_without_credentials() -> None:
    """A service built without an authenticator serves requests that carry no Authorization."""
    client = Client(ScimService(MemoryStore(), config=ServiceConfig(), clock=StepClock(), anonymous=True), token=None)
    assert client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice"}).status == 201


def test_directories_are_separate() -> None:
    """Resources written under one directory are invisible from another."""
    from scimcore import ScimRequest

    service = ScimService(MemoryStore(), authenticator=BearerTokens([TOKEN]), clock=StepClock())
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/scim+json"}
    body = b'{"schemas": ["' + USER_SCHEMA.encode() + b'"], "userName": "alice"}'
    assert service.handle(ScimRequest("POST", "/Users", "", headers, body, BASE_URL, directory="a")).status == 201
    assert service.handle(ScimRequest("POST", "/Users", "", headers, body, BASE_URL, directory="b")).status == 201
    listed = service.handle(ScimRequest("GET", "/Users", "", headers, b"", BASE_URL, directory="c"))
    assert b'"totalResults":0' in listed.body


def test_dropped_members_are_named_in_a_header() -> None:
    """A write that drops unknown members says which, percent-encoded, with their count."""
    client = Client(make_service())
    user = client.create_user("alice")
    result = client.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "staff",
                                     "members": [{"value": "ghost"}, {"value": user["id"]}, {"value": "a,b"}]})
    assert result.status == 201
    assert result.header("Scimcore-Dropped-Members") == "ghost,a%2Cb"
    assert result.header("Scimcore-Dropped-Members-Count") == "2"


def test_dropped_members_in_a_patch_are_named_in_a_header() -> None:
    """A member PATCH that adds an unknown id reports it, also when the answer is 204 or 200."""
    client = Client(make_service())
    group = client.create_group("staff")
    result = client.patch(f"/Groups/{group['id']}", [{"op": "add", "path": "members", "value": [{"value": "ghost"}]}])
    assert result.status in (200, 204)
    assert result.header("Scimcore-Dropped-Members") == "ghost"


def test_a_write_that_drops_nothing_has_no_dropped_members_header(client: Client) -> None:
    """Only a write that dropped members carries the header."""
    user = client.create_user("alice")
    result = client.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "staff",
                                     "members": [{"value": user["id"]}]})
    assert result.header("Scimcore-Dropped-Members") is None


def test_dropped_members_are_logged_with_their_directory(caplog: pytest.LogCaptureFixture) -> None:
    """The warning names how many members were dropped, the directory and the ids."""
    client = Client(make_service())
    with caplog.at_level(logging.WARNING, logger="scimcore"):
        client.create_group("staff", members=[{"value": "ghost"}])
    message = " ".join(r.getMessage() for r in caplog.records)
    assert "dropped 1 member" in message and "default" in message and "'ghost'" in message


def _two_directories(rule: str) -> tuple[ScimService, dict[str, tuple[str, str]]]:
    store = MemoryStore()
    manager = DirectoryManager(store)
    made = {name: manager.create(name, unknown_members=rule if name == "one" else "drop") for name in ("one", "two")}
    service = ScimService(store, authenticator=DirectoryAuthenticator(store), clock=StepClock())
    return service, {name: (d.id, token) for name, (d, token) in made.items()}


def _in(service: ScimService, directory: tuple[str, str], method: str, path: str, body: Any = None) -> Result:
    """A request to one directory, as the adapters address it (``ScimRequest.directory``)."""
    headers = {"content-type": "application/scim+json", "authorization": f"Bearer {directory[1]}"}
    payload = json.dumps(body).encode() if body is not None else b""
    return Result(service.handle(ScimRequest(method, path, "", headers, payload, BASE_URL, directory=directory[0])))


def test_a_directory_can_refuse_unknown_members() -> None:
    """A directory created with unknown_members="refuse" answers 400 invalidValue and stores nothing."""
    service, dirs = _two_directories("refuse")
    result = _in(service, dirs["one"], "POST", "/Groups",
                 {"schemas": [GROUP_SCHEMA], "displayName": "staff", "members": [{"value": "ghost"}]})
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"
    assert "ghost" in result.json["detail"]
    assert _in(service, dirs["one"], "GET", "/Groups").json["totalResults"] == 0


def test_a_member_from_another_directory_is_refused_where_the_directory_refuses() -> None:
    """Another directory's user is no member of this one: refused where chosen, dropped and named elsewhere."""
    service, dirs = _two_directories("refuse")
    other = _in(service, dirs["two"], "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "bob"})
    body = {"schemas": [GROUP_SCHEMA], "displayName": "staff", "members": [{"value": other.json["id"]}]}
    assert _in(service, dirs["one"], "POST", "/Groups", body).status == 400
    service, dirs = _two_directories("drop")
    other = _in(service, dirs["two"], "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "bob"})
    body = {"schemas": [GROUP_SCHEMA], "displayName": "staff", "members": [{"value": other.json["id"]}]}
    kept = _in(service, dirs["one"], "POST", "/Groups", body)
    assert kept.status == 201 and kept.json.get("members", []) == []
    assert kept.header("Scimcore-Dropped-Members") == other.json["id"]


def test_the_unknown_members_rule_can_be_changed() -> None:
    """set_unknown_members switches a directory between dropping and refusing."""
    store = MemoryStore()
    manager = DirectoryManager(store)
    directory, _ = manager.create("Acme")
    assert manager.set_unknown_members(directory.id, "refuse").options == {"unknown_members": "refuse"}
    assert manager.set_unknown_members(directory.id, "drop").options == {}
    with pytest.raises(ValueError, match="drop, refuse"):
        manager.set_unknown_members(directory.id, "ignore")
