"""Response documents (RFC 7643 §2.4 ``returned``, RFC 7644 §3.9 ``attributes``/``excludedAttributes``)."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore import SchemaRegistry
from scimcore.render import Projection, member_refs, parse_attribute_list, render_resource
from tests.conftest import BASE_URL, ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, Client

REGISTRY = SchemaRegistry.default()
USER = REGISTRY.resource_type("User")


@pytest.fixture
def alice(client: Client) -> dict[str, Any]:
    return client.create_user(
        "alice",
        displayName="Alice",
        password="s3cret!",
        name={"givenName": "Alice", "familyName": "Liddell"},
        emails=[{"value": "a@corp.example", "type": "work", "primary": True}],
        **{ENTERPRISE: {"employeeNumber": "7", "department": "R&D"}},
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("attributes=userName", {"schemas": [USER_SCHEMA], "userName": "alice"}),
        ("attributes=USERNAME", {"schemas": [USER_SCHEMA], "userName": "alice"}),
        (f"attributes={USER_SCHEMA}:userName", {"schemas": [USER_SCHEMA], "userName": "alice"}),
        ("attributes=name.givenName", {"schemas": [USER_SCHEMA], "name": {"givenName": "Alice"}}),
        ("attributes=emails.value", {"schemas": [USER_SCHEMA], "emails": [{"value": "a@corp.example"}]}),
        ("attributes=meta.version", {"schemas": [USER_SCHEMA], "meta": {"version": 'W/"1"'}}),
        (
            f"attributes={ENTERPRISE}:employeeNumber",
            {"schemas": [USER_SCHEMA, ENTERPRISE], ENTERPRISE: {"employeeNumber": "7"}},
        ),
        (
            f"attributes={ENTERPRISE}",
            {"schemas": [USER_SCHEMA, ENTERPRISE], ENTERPRISE: {"employeeNumber": "7", "department": "R&D"}},
        ),
        ("attributes=userName,displayName", {"schemas": [USER_SCHEMA], "userName": "alice", "displayName": "Alice"}),
        ("attributes=userName&excludedAttributes=userName", {"schemas": [USER_SCHEMA], "userName": "alice"}),
    ],
)
def test_attributes_selects_what_is_returned(
    client: Client, alice: dict[str, Any], query: str, expected: dict[str, Any]
) -> None:
    """attributes returns only the named attributes plus id; it wins over excludedAttributes."""
    body = client.get(f"/Users/{alice['id']}", query=query).json
    assert body == {"id": alice["id"], **expected}


@pytest.mark.parametrize(
    ("query", "gone", "kept"),
    [
        ("excludedAttributes=displayName", ["displayName"], ["userName", "name", "meta"]),
        ("excludedAttributes=name.givenName", [], ["name"]),
        (f"excludedAttributes={ENTERPRISE}", [ENTERPRISE], ["userName"]),
        ("excludedAttributes=emails,meta", ["emails", "meta"], ["userName", "name"]),
        ("excludedAttributes=id", [], ["id"]),
        ("excludedAttributes=schemas", [], ["schemas", "userName"]),
    ],
)
def test_excluded_attributes_removes_what_is_named(
    client: Client, alice: dict[str, Any], query: str, gone: list[str], kept: list[str]
) -> None:
    """excludedAttributes removes the named attributes; id and schemas are always returned."""
    body = client.get(f"/Users/{alice['id']}", query=query).json
    assert not set(gone) & set(body)
    assert set(kept) <= set(body)


def test_excluding_a_sub_attribute_keeps_its_siblings(client: Client, alice: dict[str, Any]) -> None:
    """excludedAttributes=name.givenName drops only givenName from name."""
    body = client.get(f"/Users/{alice['id']}", query="excludedAttributes=name.givenName").json
    assert body["name"] == {"familyName": "Liddell"}


def test_schemas_lists_only_extensions_present(client: Client, alice: dict[str, Any]) -> None:
    """The response schemas names an extension only while the response carries it."""
    assert client.get(f"/Users/{alice['id']}").json["schemas"] == [USER_SCHEMA, ENTERPRISE]
    body = client.get(f"/Users/{alice['id']}", query=f"excludedAttributes={ENTERPRISE}").json
    assert body["schemas"] == [USER_SCHEMA]
    bare = client.create_user("bob")
    assert bare["schemas"] == [USER_SCHEMA]


@pytest.mark.parametrize("param", ["attributes", "excludedAttributes"])
def test_unknown_attribute_in_projection_is_400(client: Client, alice: dict[str, Any], param: str) -> None:
    """attributes/excludedAttributes naming an unknown attribute is a 400 invalidValue naming it."""
    result = client.get(f"/Users/{alice['id']}", query=f"{param}=bogus")
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"
    assert "bogus" in result.json["detail"]


def test_projection_applies_to_lists(client: Client, alice: dict[str, Any]) -> None:
    """attributes applies to every resource of a list response."""
    client.create_user("bob")
    body = client.get("/Users", query="attributes=userName&sortBy=userName").json
    assert body["Resources"] == [
        {"schemas": [USER_SCHEMA], "id": r["id"], "userName": r["userName"]} for r in body["Resources"]
    ]
    assert [r["userName"] for r in body["Resources"]] == ["alice", "bob"]


def test_projection_applies_to_post_response(client: Client) -> None:
    """attributes on a POST shapes the 201 response; Location and ETag stay."""
    result = client.post(
        "/Users", {"schemas": [USER_SCHEMA], "userName": "bob", "displayName": "Bob"}, query="attributes=userName"
    )
    assert result.status == 201
    assert set(result.json) == {"schemas", "id", "userName"}
    assert result.header("Location") and result.header("ETag") == 'W/"1"'


def test_projection_applies_to_put_response(client: Client, alice: dict[str, Any]) -> None:
    """excludedAttributes on a PUT shapes the 200 response."""
    result = client.put(
        f"/Users/{alice['id']}",
        {"schemas": [USER_SCHEMA], "userName": "alice", "displayName": "A"},
        query="excludedAttributes=displayName,meta",
    )
    assert result.status == 200
    assert "displayName" not in result.json and "meta" not in result.json
    assert result.header("ETag") == 'W/"2"'


def test_projection_applies_to_patch_response(client: Client, alice: dict[str, Any]) -> None:
    """attributes on a PATCH shapes the 200 response."""
    result = client.patch(
        f"/Users/{alice['id']}", [{"op": "replace", "path": "title", "value": "Dev"}], query="attributes=title"
    )
    assert result.json == {"schemas": [USER_SCHEMA], "id": alice["id"], "title": "Dev"}


@pytest.fixture
def staff(client: Client, alice: dict[str, Any]) -> dict[str, Any]:
    return client.create_group("staff", members=[{"value": alice["id"]}])


def test_excluded_members_on_group_get(client: Client, staff: dict[str, Any]) -> None:
    """excludedAttributes=members returns the group without its members."""
    body = client.get(f"/Groups/{staff['id']}", query="excludedAttributes=members").json
    assert "members" not in body
    assert body["displayName"] == "staff"


def test_excluded_members_on_group_list(client: Client, staff: dict[str, Any]) -> None:
    """excludedAttributes=members applies to every group of a list."""
    body = client.get("/Groups", query="excludedAttributes=members").json
    assert body["totalResults"] == 1
    assert "members" not in body["Resources"][0]


def test_excluded_members_on_group_writes(client: Client, alice: dict[str, Any]) -> None:
    """excludedAttributes=members shapes POST, PUT and PATCH responses of groups; members are still stored."""
    members = [{"value": alice["id"]}]
    created = client.post(
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "g", "members": members},
        query="excludedAttributes=members",
    )
    gid = created.json["id"]
    replaced = client.put(
        f"/Groups/{gid}",
        {"schemas": [GROUP_SCHEMA], "displayName": "h", "members": members},
        query="excludedAttributes=members",
    )
    patched = client.patch(
        f"/Groups/{gid}", [{"op": "replace", "path": "displayName", "value": "i"}], query="excludedAttributes=members"
    )
    for result in (created, replaced, patched):
        assert result.status in (200, 201)
        assert "members" not in result.json
    assert [m["value"] for m in client.get(f"/Groups/{gid}").json["members"]] == [alice["id"]]


def test_member_sub_attributes(client: Client, staff: dict[str, Any], alice: dict[str, Any]) -> None:
    """attributes=members.value keeps only the value of each member."""
    body = client.get(f"/Groups/{staff['id']}", query="attributes=members.value").json
    assert body == {"schemas": [GROUP_SCHEMA], "id": staff["id"], "members": [{"value": alice["id"]}]}


def test_user_groups_can_be_requested_or_excluded(client: Client, staff: dict[str, Any], alice: dict[str, Any]) -> None:
    """The computed groups attribute follows attributes and excludedAttributes like a stored one."""
    assert set(client.get(f"/Users/{alice['id']}", query="attributes=groups").json) == {"schemas", "id", "groups"}
    assert "groups" not in client.get(f"/Users/{alice['id']}", query="excludedAttributes=groups").json


def test_meta_location_uses_the_request_base_url(client: Client, alice: dict[str, Any]) -> None:
    """meta.location is the base URL, the endpoint and the id."""
    assert alice["meta"]["location"] == f"{BASE_URL}/Users/{alice['id']}"


# -- the renderer without the service --------------------------------------------------------------


def test_render_never_returns_returned_never() -> None:
    """render_resource drops returned:never attributes even when the projection names them."""
    doc = {"id": "1", "userName": "a", "password": "hash", "meta": {"resourceType": "User", "version": 'W/"1"'}}
    for projection in (Projection(), Projection.from_params(USER, "password,userName", None)):
        out = render_resource(USER, doc, "https://x", projection)
        assert "password" not in out
        assert out["userName"] == "a"


def test_render_drops_unknown_keys() -> None:
    """Keys the schema does not define never reach the response."""
    doc = {"id": "1", "userName": "a", "internalFlag": True, "meta": {"version": 'W/"1"'}}
    assert "internalFlag" not in render_resource(USER, doc, "https://x", Projection())


def test_render_merges_computed_values() -> None:
    """Computed values (User.groups) are rendered like stored attributes."""
    doc = {"id": "1", "userName": "a"}
    groups = [{"value": "g", "type": "direct"}]
    assert render_resource(USER, doc, "https://x", Projection(), {"groups": groups})["groups"] == groups


def test_attributes_win_over_excluded_attributes() -> None:
    """Projection.from_params uses attributes when both parameters are given."""
    projection = Projection.from_params(USER, "userName", "userName")
    assert projection.include == ((None, "userName", None),)
    assert projection.exclude == ()


def test_parse_attribute_list_resolves_names() -> None:
    """parse_attribute_list resolves names case-insensitively into (extension, attribute, sub) selectors."""
    selectors = parse_attribute_list(USER, f" USERNAME , name.GivenName,{ENTERPRISE}:manager.value,,schemas", "x")
    assert selectors == [(None, "userName", None), (None, "name", "givenName"), (ENTERPRISE, "manager", "value")]


def test_member_refs_adds_refs() -> None:
    """member_refs builds each member's $ref from its type's endpoint and its id."""
    members: list[dict[str, Any]] = [{"value": "u1", "type": "User"}, {"value": "g1", "type": "Group"}, {"value": "x"}]
    refs = member_refs(members, "https://h/scim", {"User": "/Users", "Group": "/Groups"})
    assert [m["$ref"] for m in refs] == [
        "https://h/scim/Users/u1",
        "https://h/scim/Groups/g1",
        "https://h/scim/Users/x",
    ]


def test_member_refs_leaves_the_stored_members_alone() -> None:
    """member_refs returns new member objects: the stored document keeps no $ref."""
    members: list[dict[str, Any]] = [{"value": "u1", "type": "User"}]
    member_refs(members, "https://h/scim", {"User": "/Users"})
    assert members == [{"value": "u1", "type": "User"}]
