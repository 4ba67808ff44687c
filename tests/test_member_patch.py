"""Member-only PATCHes take the O(members changed) path and behave like the general engine."""

from __future__ import annotations

from typing import Any

from scimcore.patch import member_delta
from scimcore.schema.registry import SchemaRegistry
from tests.conftest import PATCH_OP, Client

GROUP = SchemaRegistry.default().resource_type("Group")


def _values(group: dict[str, Any]) -> list[str]:
    return [m["value"] for m in group.get("members", [])]


def test_member_delta_applies_operations_in_order() -> None:
    """An add then a remove of one member nets to a removal; unrelated ops make it general."""
    body = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
        {"op": "remove", "path": 'members[value eq "a"]'},
    ]}
    delta = member_delta(GROUP, body)
    assert delta is not None and [m["value"] for m in delta.add] == ["b"] and delta.remove == ("a",)
    general = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]}
    assert member_delta(GROUP, general) is None


def test_add_and_remove_members(client: Client) -> None:
    """Members are added and removed; a removal of an absent member is not an error."""
    a, b = client.create_user("a")["id"], client.create_user("b")["id"]
    group = client.create_group("G")
    client.patch(f"/Groups/{group['id']}", [{"op": "add", "path": "members", "value": [{"value": a}, {"value": b}]}])
    result = client.patch(f"/Groups/{group['id']}", [
        {"op": "remove", "path": f'members[value eq "{a}"]'},
        {"op": "Remove", "path": "members", "value": [{"value": "never-a-member"}]},
    ])
    assert result.status == 200 and _values(result.json) == [b]


def test_readding_a_member_keeps_the_version(client: Client) -> None:
    """Adding a member that is already there changes nothing, not even the version."""
    a = client.create_user("a")["id"]
    group = client.create_group("G", members=[{"value": a}])
    result = client.patch(f"/Groups/{group['id']}", [{"op": "add", "path": "members", "value": [{"value": a}]}])
    assert result.json["meta"]["version"] == group["meta"]["version"]


def test_member_patch_honours_if_match(client: Client) -> None:
    """A member PATCH with a stale If-Match answers 412 and changes nothing."""
    a = client.create_user("a")["id"]
    group = client.create_group("G")
    result = client.patch(
        f"/Groups/{group['id']}", [{"op": "add", "path": "members", "value": [{"value": a}]}],
        headers={"If-Match": 'W/"999"'},
    )
    assert result.status == 412
    assert "members" not in client.get(f"/Groups/{group['id']}").json


def test_member_patch_without_members_in_response(client: Client) -> None:
    """excludedAttributes=members on a member PATCH answers without the member list."""
    a = client.create_user("a")["id"]
    group = client.create_group("G")
    result = client.patch(
        f"/Groups/{group['id']}", [{"op": "add", "path": "members", "value": [{"value": a}]}],
        query="excludedAttributes=members",
    )
    assert result.status == 200 and "members" not in result.json
    assert _values(client.get(f"/Groups/{group['id']}").json) == [a]


def test_member_patch_on_unknown_group_is_404(client: Client) -> None:
    """Adding members to a group that does not exist answers 404."""
    a = client.create_user("a")["id"]
    result = client.patch("/Groups/nope", [{"op": "add", "path": "members", "value": [{"value": a}]}])
    assert result.status == 404


def test_unknown_member_ids_are_dropped(client: Client) -> None:
    """A member id that names nothing is dropped from a member PATCH."""
    group = client.create_group("G")
    result = client.patch(f"/Groups/{group['id']}", [{"op": "add", "path": "members", "value": [{"value": "ghost"}]}])
    assert result.status == 200 and "members" not in result.json
