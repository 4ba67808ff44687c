"""scimcore events as RFC 9967 SET claims sets (scimcore.sets)."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore import events as ev
from scimcore import sets

USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223",
    "externalId": "bjensen",
    "userName": "bjensen@example.com",
    "active": True,
    "meta": {"resourceType": "User", "version": 'W/"3694e05e9dff590"', "location": "https://x/Users/2819c223"},
}
GROUP = {"id": "g1", "displayName": "Sales", "externalId": "sales"}
MEMBER = {"id": "2819c223", "type": "User", "userName": "bjensen@example.com"}


def _event(type_: str, data: dict[str, Any], key: str = "2819c223") -> ev.Event:
    return ev.Event(id="6f1c0d1e", type=type_, directory_id="d1", occurred_at="2026-01-12T09:14:03.120Z",
                    data=data, resource_key=key)


def _claims(event: ev.Event, form: str = sets.FULL) -> dict[str, Any]:
    return sets.set_claims(event, issuer="https://scim.example.com", audience="receiver", issued_at=1768209250,
                           form=form)


@pytest.mark.parametrize(
    ("type_", "full", "notice"),
    [
        (ev.USER_CREATED, sets.CREATE_FULL, sets.CREATE_NOTICE),
        (ev.GROUP_CREATED, sets.CREATE_FULL, sets.CREATE_NOTICE),
        (ev.USER_UPDATED, sets.PUT_FULL, sets.PUT_NOTICE),
        (ev.GROUP_UPDATED, sets.PUT_FULL, sets.PUT_NOTICE),
        (ev.GROUP_USER_ADDED, sets.PATCH_FULL, sets.PATCH_NOTICE),
        (ev.GROUP_USER_REMOVED, sets.PATCH_FULL, sets.PATCH_NOTICE),
        (ev.USER_DELETED, sets.DELETE, sets.DELETE),
        (ev.GROUP_DELETED, sets.DELETE, sets.DELETE),
    ],
)
def test_every_event_type_has_its_rfc_9967_uri(type_: str, full: str, notice: str) -> None:
    """Each scimcore event type maps to the RFC 9967 URI of its form; delete has no qualifier."""
    assert (sets.event_uri(type_, sets.FULL), sets.event_uri(type_, sets.NOTICE)) == (full, notice)


def test_an_unknown_event_type_is_refused() -> None:
    """A type without an RFC 9967 URI (the console's webhook.test) raises UnknownEventType."""
    with pytest.raises(sets.UnknownEventType):
        sets.event_uri("webhook.test")


def test_an_unknown_form_is_refused() -> None:
    """Only 'full' and 'notice' are forms."""
    with pytest.raises(ValueError, match="'full' or 'notice'"):
        sets.event_uri(ev.USER_CREATED, "brief")


def test_claims_carry_the_set_claims_and_the_scim_subject() -> None:
    """iss, aud, iat, jti, txn, toe and sub_id (format scim, relative uri, id, externalId); never sub."""
    claims = _claims(_event(ev.USER_CREATED, USER))
    assert claims["iss"] == "https://scim.example.com"
    assert claims["aud"] == "receiver"
    assert claims["iat"] == 1768209250
    assert claims["jti"] == claims["txn"] == "6f1c0d1e"
    assert claims["toe"] == 1768209243
    assert claims["sub_id"] == {"format": "scim", "uri": "/Users/2819c223", "id": "2819c223", "externalId": "bjensen"}
    assert "sub" not in claims


def test_full_create_carries_the_resource_and_its_version() -> None:
    """prov:create:full has the resource as 'data' and its ETag as 'version'."""
    payload = _claims(_event(ev.USER_CREATED, USER))["events"][sets.CREATE_FULL]
    assert payload == {"version": 'W/"3694e05e9dff590"', "data": USER}


def test_notice_update_lists_attributes_and_no_data() -> None:
    """prov:put:notice of an update not knowing what changed names every top-level attribute, without data."""
    payload = _claims(_event(ev.USER_UPDATED, USER), sets.NOTICE)["events"][sets.PUT_NOTICE]
    assert payload == {"version": 'W/"3694e05e9dff590"', "attributes": ["id", "externalId", "userName", "active"]}


def test_member_added_is_a_patch_of_the_group() -> None:
    """group.user_added becomes prov:patch:full about the group: a PatchOp adding the member."""
    claims = _claims(_event(ev.GROUP_USER_ADDED, {"group": GROUP, "user": MEMBER}, "g1"))
    assert claims["sub_id"] == {"format": "scim", "uri": "/Groups/g1", "id": "g1", "externalId": "sales"}
    assert claims["events"][sets.PATCH_FULL]["data"] == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [
            {"value": "2819c223", "$ref": "/Users/2819c223", "display": "bjensen@example.com"}]}],
    }


def test_member_removed_is_a_patch_removing_the_member() -> None:
    """group.user_removed becomes a PatchOp remove with a value filter on members."""
    claims = _claims(_event(ev.GROUP_USER_REMOVED, {"group": GROUP, "user": MEMBER}, "g1"))
    operations = claims["events"][sets.PATCH_FULL]["data"]["Operations"]
    assert operations == [{"op": "remove", "path": 'members[value eq "2819c223"]'}]


def test_membership_notice_names_members() -> None:
    """In notice form a membership change lists 'members'."""
    claims = _claims(_event(ev.GROUP_USER_ADDED, {"group": GROUP, "user": MEMBER}, "g1"), sets.NOTICE)
    assert claims["events"] == {sets.PATCH_NOTICE: {"attributes": ["members"]}}


def test_delete_has_an_empty_payload() -> None:
    """prov:delete carries no payload attributes (RFC 9967 §2.4.4)."""
    assert _claims(_event(ev.GROUP_DELETED, GROUP, "g1"))["events"] == {sets.DELETE: {}}


def test_emitted_uris_are_what_the_mapping_can_produce() -> None:
    """emitted_uris lists the full-form URIs and delete, in registry order, nothing scimcore never emits."""
    assert sets.emitted_uris(sets.FULL) == [sets.CREATE_FULL, sets.PATCH_FULL, sets.PUT_FULL, sets.DELETE]
    assert sets.emitted_uris(sets.NOTICE) == [sets.CREATE_NOTICE, sets.PATCH_NOTICE, sets.PUT_NOTICE, sets.DELETE]


def test_notice_update_lists_the_changed_attributes_when_known() -> None:
    """An update that recorded what it changed lists exactly those attributes."""
    event = ev.Event(id="e", type=ev.USER_UPDATED, directory_id="d1", occurred_at="2026-01-12T09:14:03Z",
                     data=USER, resource_key="2819c223", changed=("active",))
    payload = _claims(event, sets.NOTICE)["events"][sets.PUT_NOTICE]
    assert payload["attributes"] == ["active"]


def test_changed_is_not_part_of_the_webhook_payload() -> None:
    """The house event JSON stays as it was: no 'changed' key."""
    event = ev.Event(id="e", type=ev.USER_UPDATED, directory_id="d1", occurred_at="2026-01-12T09:14:03Z",
                     data=USER, resource_key="2819c223", changed=("active",))
    assert "changed" not in event.payload()
