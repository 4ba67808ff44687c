"""Okta traffic replayed through the service: literal payloads from Okta's SCIM 2.0 protocol reference.

Sources (see ../shared/idp-traffic.md): Okta's "SCIM 2.0 protocol reference" (create with ``password`` and
``groups: []``, the PUT of the whole user, deactivation by a path-less replace, Push Groups' create, rename
and membership PATCHes) and the SPEC tests of its Runscope suite (``Authorization: non-token``, unknown ids,
``userName`` filters in another case).  Resource ids in the payloads are Okta's; :func:`swap` puts the ids this
server assigned in their place.  The payloads are imported from the catalogue,
:mod:`scimcore.check.payloads.okta`, the one copy that ``scimcore check`` replays too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from scimcore.check.payloads.okta import (
    ADD_MEMBER,
    CREATE_GROUP,
    CREATE_USER,
    DEACTIVATE,
    PUT_USER,
    REMOVE_AND_ADD_MEMBERS,
    RENAME_GROUP,
    REPLACE_MEMBERS,
)

if TYPE_CHECKING:
    from tests.conftest import Client

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
OKTA_HEADERS = {"User-Agent": "Okta SCIM Client 1.0.0", "Content-Type": "application/json"}

# -- helpers ------------------------------------------------------------------------------------------------
def swap(payload: Any, ids: dict[str, str]) -> Any:
    """``payload`` with Okta's example ids replaced by the ids this server assigned."""
    text = json.dumps(payload)
    for theirs, ours in ids.items():
        text = text.replace(theirs, ours)
    return json.loads(text)


def lookup(user_name: str) -> str:
    """Okta's lookup query: a percent-encoded userName filter with its fixed paging."""
    return "filter=" + quote(f'userName eq "{user_name}"', safe="") + "&startIndex=1&count=100"


def member_ids(client: Client, gid: str) -> list[str]:
    return [m["value"] for m in client.get(f"/Groups/{gid}").json.get("members") or []]


# -- users --------------------------------------------------------------------------------------------------
def test_create_user_with_password_and_empty_groups(client: Client) -> None:
    """POST with password, groups: [] and Content-Type application/json answers 201 without echoing either."""
    result = client.post("/Users", CREATE_USER, headers=OKTA_HEADERS)
    assert result.status == 201, result.json
    body = result.json
    assert body["userName"] == "test.user@okta.local"
    assert body["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert body["locale"] == "en-US"
    assert body["active"] is True
    assert "password" not in body
    assert "groups" not in body
    assert result.header("Content-Type") == "application/scim+json"


def test_lookup_before_create_is_an_empty_list_with_integer_paging(client: Client) -> None:
    """The pre-create lookup answers 200 with integer totalResults, startIndex and itemsPerPage."""
    result = client.get("/Users", query=lookup("test.user@okta.local"), headers=OKTA_HEADERS)
    assert result.status == 200
    body = result.json
    assert body["schemas"] == [LIST_RESPONSE]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (0, 1, 0)
    assert all(type(body[k]) is int for k in ("totalResults", "startIndex", "itemsPerPage"))


def test_lookup_finds_the_created_user(client: Client) -> None:
    """After the create the same lookup returns the user."""
    created = client.post("/Users", CREATE_USER, headers=OKTA_HEADERS).json
    result = client.get("/Users", query=lookup("test.user@okta.local"), headers=OKTA_HEADERS)
    assert [r["id"] for r in result.json["Resources"]] == [created["id"]]


def test_user_name_filter_in_another_case_finds_the_user(client: Client) -> None:
    """A userName filter in another case answers 200 with the user (SPEC test)."""
    created = client.post("/Users", CREATE_USER, headers=OKTA_HEADERS).json
    result = client.get("/Users", query=lookup("TEST.USER@OKTA.LOCAL"), headers=OKTA_HEADERS)
    assert result.status == 200
    assert [r["id"] for r in result.json["Resources"]] == [created["id"]]


def test_duplicate_user_is_409_with_an_error_body(client: Client) -> None:
    """Creating the same user twice answers 409 with a SCIM error body."""
    assert client.post("/Users", CREATE_USER, headers=OKTA_HEADERS).status == 201
    again = client.post("/Users", CREATE_USER, headers=OKTA_HEADERS)
    assert again.status == 409
    assert again.json["schemas"] == [ERROR]
    assert again.json["status"] == "409"
    assert again.json["scimType"] == "uniqueness"
    assert again.json["detail"]


def test_put_replaces_the_whole_user(client: Client) -> None:
    """PUT with the full user (its own id and meta inside) replaces the profile; attributes left out go."""
    created = client.post("/Users", CREATE_USER, headers=OKTA_HEADERS).json
    body = swap(PUT_USER, {"23a35c27-23d3-4c03-b4c5-6443c09e7173": created["id"]})
    result = client.put(f"/Users/{created['id']}", body, headers=OKTA_HEADERS)
    assert result.status == 200, result.json
    after = result.json
    assert after["id"] == created["id"]
    assert after["userName"] == "another.user@okta.com"
    assert after["name"]["givenName"] == "Another"
    assert after["emails"] == PUT_USER["emails"]
    for gone in ("displayName", "locale"):
        assert gone not in after
    assert client.get(f"/Users/{created['id']}").json == after


def test_put_body_id_is_not_the_resource_id(client: Client) -> None:
    """PUT whose body carries another id (as in Okta's reference) updates the resource named by the URL."""
    created = client.post("/Users", CREATE_USER, headers=OKTA_HEADERS).json
    result = client.put(f"/Users/{created['id']}", PUT_USER, headers=OKTA_HEADERS)
    assert result.status == 200, result.json
    assert result.json["id"] == created["id"]
    assert result.json["userName"] == "another.user@okta.com"
    assert client.get("/Users/23a35c27-23d3-4c03-b4c5-6443c09e7173").status == 404


def test_deactivate_by_pathless_replace(client: Client) -> None:
    """PATCH {"op":"replace","value":{"active":false}} deactivates the user and keeps the rest."""
    created = client.post("/Users", CREATE_USER, headers=OKTA_HEADERS).json
    result = client.patch(f"/Users/{created['id']}", DEACTIVATE, headers=OKTA_HEADERS)
    assert result.status in (200, 204)
    after = client.get(f"/Users/{created['id']}").json
    assert after["active"] is False
    assert after["userName"] == "test.user@okta.local"


def test_reactivate_by_pathless_replace(client: Client) -> None:
    """The same shape with active true reactivates a deactivated user."""
    created = client.post("/Users", {**CREATE_USER, "active": False}, headers=OKTA_HEADERS).json
    operations = [{"op": "replace", "value": {"active": True}}]
    assert client.patch(f"/Users/{created['id']}", operations, headers=OKTA_HEADERS).status in (200, 204)
    assert client.get(f"/Users/{created['id']}").json["active"] is True


# -- groups -------------------------------------------------------------------------------------------------
@pytest.fixture
def pushed(client: Client) -> tuple[str, list[str]]:
    """A pushed group and three users: Okta's ids replaced by ours."""
    group = client.post("/Groups", CREATE_GROUP, headers=OKTA_HEADERS)
    assert group.status == 201, group.json
    users = [client.create_user(f"user{n}@okta.local")["id"] for n in range(3)]
    return group.json["id"], users


def test_push_group_with_empty_members(client: Client) -> None:
    """POST /Groups with members: [] answers 201 with the group."""
    result = client.post("/Groups", CREATE_GROUP, headers=OKTA_HEADERS)
    assert result.status == 201, result.json
    assert result.json["displayName"] == "Test SCIM"
    assert result.json["schemas"] == [GROUP_SCHEMA]
    assert not result.json.get("members")


def test_group_rename_with_its_own_id_in_the_value(client: Client, pushed: tuple[str, list[str]]) -> None:
    """A path-less replace carrying the group's own id and a new displayName renames the group."""
    gid, _ = pushed
    operations = swap(RENAME_GROUP, {"abf4dd94-a4c0-4f67-89c9-76b03340cb9b": gid})
    result = client.patch(f"/Groups/{gid}", operations, headers=OKTA_HEADERS)
    assert result.status in (200, 204), result.json
    after = client.get(f"/Groups/{gid}").json
    assert after["displayName"] == "Test SCIM2"
    assert after["id"] == gid


def test_group_rename_with_another_id_is_refused(client: Client, pushed: tuple[str, list[str]]) -> None:
    """An id inside the value that is not the group's own is refused with 400 mutability."""
    gid, _ = pushed
    result = client.patch(f"/Groups/{gid}", RENAME_GROUP, headers=OKTA_HEADERS)
    assert result.status == 400
    assert result.json["scimType"] == "mutability"
    assert client.get(f"/Groups/{gid}").json["displayName"] == "Test SCIM"


def test_add_member_with_display(client: Client, pushed: tuple[str, list[str]]) -> None:
    """add members with value and display adds the member."""
    gid, users = pushed
    operations = swap(ADD_MEMBER, {"1baf6a44-70e0-44ef-a043-3a546116799f": users[0]})
    assert client.patch(f"/Groups/{gid}", operations, headers=OKTA_HEADERS).status in (200, 204)
    assert member_ids(client, gid) == [users[0]]


def test_remove_and_add_members_in_one_patch(client: Client, pushed: tuple[str, list[str]]) -> None:
    """A removal by members[value eq ...] and an add of two members in one PATCH both apply."""
    gid, users = pushed
    client.patch(f"/Groups/{gid}", [{"op": "add", "path": "members", "value": [{"value": users[0]}]}])
    operations = swap(
        REMOVE_AND_ADD_MEMBERS,
        {
            "89bb1940-b905-4575-9e7f-6f887cfb368e": users[0],
            "23a35c27-23d3-4c03-b4c5-6443c09e7173": users[1],
            "1baf6a44-70e0-44ef-a043-3a546116799f": users[2],
        },
    )
    result = client.patch(f"/Groups/{gid}", operations, headers=OKTA_HEADERS)
    assert result.status in (200, 204), result.json
    assert member_ids(client, gid) == [users[1], users[2]]


def test_replace_members(client: Client, pushed: tuple[str, list[str]]) -> None:
    """replace members sets the member list to exactly the given members."""
    gid, users = pushed
    client.patch(f"/Groups/{gid}", [{"op": "add", "path": "members", "value": [{"value": u} for u in users[:2]]}])
    operations = swap(REPLACE_MEMBERS, {"23a35c27-23d3-4c03-b4c5-6443c09e7173": users[2]})
    assert client.patch(f"/Groups/{gid}", operations, headers=OKTA_HEADERS).status in (200, 204)
    assert member_ids(client, gid) == [users[2]]


def test_delete_group(client: Client, pushed: tuple[str, list[str]]) -> None:
    """DELETE of a pushed group answers 204 and the group is gone."""
    gid, _ = pushed
    assert client.delete(f"/Groups/{gid}", headers=OKTA_HEADERS).status == 204
    assert client.get(f"/Groups/{gid}").status == 404


def test_group_import_paging_is_integers(client: Client, pushed: tuple[str, list[str]]) -> None:
    """GET /Groups?startIndex=1&count=100 lists the pushed group with integer paging values."""
    gid, _ = pushed
    result = client.get("/Groups", query="startIndex=1&count=100", headers=OKTA_HEADERS)
    assert result.status == 200
    assert [r["id"] for r in result.json["Resources"]] == [gid]
    assert all(type(result.json[k]) is int for k in ("totalResults", "startIndex", "itemsPerPage"))


# -- SPEC tests: errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/Users", "/Groups", "/Users/23a35c27-23d3-4c03-b4c5-6443c09e7173"])
def test_non_token_authorization_is_401(client: Client, path: str) -> None:
    """Authorization: non-token answers 401 with a SCIM error whose status is the string "401"."""
    result = client.get(path, headers={"Authorization": "non-token"})
    assert result.status == 401
    assert result.json["schemas"] == [ERROR]
    assert result.json["status"] == "401"
    assert result.json["detail"]
    assert result.header("Content-Type") == "application/scim+json"


@pytest.mark.parametrize("endpoint", ["/Users", "/Groups"])
def test_unknown_id_is_404_with_detail(client: Client, endpoint: str) -> None:
    """GET of an unknown id answers 404 with the Error schema, status "404" and a non-empty detail."""
    result = client.get(f"{endpoint}/010101010101010101010101010101010101", headers=OKTA_HEADERS)
    assert result.status == 404
    assert result.json["schemas"] == [ERROR]
    assert result.json["status"] == "404"
    assert result.json["detail"]
