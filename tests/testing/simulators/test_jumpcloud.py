"""The JumpCloud simulator against scimcore's ASGI and WSGI apps on the memory and SQLite stores."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.check.payloads import jumpcloud as catalogue
from scimcore.testing.client import ScimClient
from scimcore.testing.simulators import Group, JumpCloud, User
from tests.testing.simulators.exchanges import body, sent


@pytest.fixture
def jumpcloud(scim_app: Any, scim_token: str) -> Any:
    with JumpCloud(scim_app, token=scim_token, member_batch=2) as simulator:
        yield simulator


def test_test_connection_creates_and_deletes_a_test_user_and_group(
    jumpcloud: JumpCloud, scim_client: ScimClient
) -> None:
    """Test Connection: POST a test user and a test group, then DELETE both; nothing is left behind."""
    result = jumpcloud.test_connection().assert_success()
    assert [(e.method, e.target.rsplit("/", 1)[0] or e.target, e.status) for e in result.exchanges] == [
        ("POST", "/Users", 201),
        ("POST", "/Groups", 201),
        ("DELETE", "/Groups", 204),
        ("DELETE", "/Users", 204),
    ]
    assert body(result.exchanges[0])["userName"] == jumpcloud.test_user_email
    assert scim_client.get("/Users").json()["totalResults"] == 0
    assert scim_client.get("/Groups").json()["totalResults"] == 0


def test_requests_carry_scim_json_and_no_vendor_user_agent(jumpcloud: JumpCloud) -> None:
    """JumpCloud documents no headers: bodies go as application/scim+json, no User-Agent is added."""
    jumpcloud.sync(users=[User("jdoe")]).assert_success()
    assert {e.request_headers["Content-Type"] for e in jumpcloud.log if e.request_body} == {"application/scim+json"}
    assert all("User-Agent" not in e.request_headers for e in jumpcloud.log)


def test_sync_creates_a_user_with_the_mapped_attributes(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A new user: lookup by userName, then a POST of the catalogue body with externalId and displayName."""
    jane = User("jdoe", given_name="Jane", family_name="Doe", email="jane.doe@umbrella.example", external_id="E-1")
    lookup, create = jumpcloud.sync(users=[jane]).assert_success().exchanges
    assert lookup.target == '/Users?filter=userName eq "jdoe"'
    assert list(body(create)) == list(catalogue.USER)
    stored = scim_client.get(f"/Users/{jumpcloud.id_of(jane)}").json()
    assert (stored["externalId"], stored["displayName"], stored["emails"][0]["value"]) == (
        "E-1",
        "Jane Doe",
        "jane.doe@umbrella.example",
    )


def test_a_known_user_is_replaced_with_put(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """An attribute change is a PUT of the whole mapped user."""
    jane = User("jdoe")
    jumpcloud.sync(users=[jane]).assert_success()
    jane.display_name = "Jane D."
    (put,) = sent(jumpcloud.sync(users=[jane]).assert_success(), "PUT")
    assert put.target == f"/Users/{jumpcloud.id_of(jane)}" and list(body(put)) == list(catalogue.USER)
    assert scim_client.get(f"/Users/{jumpcloud.id_of(jane)}").json()["displayName"] == "Jane D."


def test_a_group_without_members_is_not_created(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """JumpCloud does not create empty groups: only the lookup is sent."""
    result = jumpcloud.sync(groups=[Group("Empty")]).assert_success()
    assert [e.method for e in result.exchanges] == ["GET"]
    assert scim_client.get("/Groups").json()["totalResults"] == 0


def test_a_group_is_created_then_members_patched_in_batches(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A bound group: lookup, POST without members, then add PATCHes of two members each."""
    users = [User(f"user{n}") for n in range(3)]
    result = jumpcloud.sync(users=users, groups=[Group("Engineering", members=users)]).assert_success()
    (create,) = [e for e in sent(result, "POST") if e.target == "/Groups"]
    assert "members" not in body(create)
    assert [len(body(p)["Operations"][0]["value"]) for p in sent(result, "PATCH")] == [2, 1]
    group = scim_client.get(f"/Groups/{jumpcloud.group_ids['Engineering']}").json()
    assert sorted(m["value"] for m in group["members"]) == sorted(jumpcloud.id_of(u) for u in users)


def test_an_existing_group_of_the_same_name_is_taken_over(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A group already on the server with the bound group's name gets the members, not a second POST."""
    existing = scim_client.post("/Groups", {**catalogue.CREATE_GROUP, "displayName": "Engineering"}).json()["id"]
    jane = User("jdoe")
    result = jumpcloud.sync(users=[jane], groups=[Group("Engineering", members=[jane])]).assert_success()
    assert [e.target for e in sent(result, "POST")] == ["/Users"]
    assert jumpcloud.group_ids["Engineering"] == existing


def test_removed_members_go_as_a_value_list(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A member who left the group: remove of members with a value list; the other member stays."""
    jane, joe = User("jdoe"), User("jsmith")
    jumpcloud.sync(users=[jane, joe], groups=[Group("Engineering", members=[jane, joe])]).assert_success()
    result = jumpcloud.sync(users=[jane, joe], groups=[Group("Engineering", members=[jane])]).assert_success()
    (patch,) = sent(result, "PATCH")
    assert body(patch)["Operations"] == [
        {"op": "remove", "path": "members", "value": [{"value": jumpcloud.id_of(joe)}]}
    ]
    group = scim_client.get(f"/Groups/{jumpcloud.group_ids['Engineering']}").json()
    assert [m["value"] for m in group["members"]] == [jumpcloud.id_of(jane)]


def test_disable_and_reenable_put_the_user_with_active(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """Deactivation is a PUT of the user with active false; reactivation the same with true."""
    jane = User("jdoe")
    jumpcloud.sync(users=[jane]).assert_success()
    disabled = jumpcloud.disable(jane).assert_success()
    assert [e.method for e in disabled.exchanges] == ["PUT"] and body(disabled.exchanges[0])["active"] is False
    assert scim_client.get(f"/Users/{jumpcloud.id_of(jane)}").json()["active"] is False
    jumpcloud.reenable(jane).assert_success()
    assert scim_client.get(f"/Users/{jumpcloud.id_of(jane)}").json()["active"] is True


def test_unassign_deactivates_and_keeps_the_user(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A user who left every bound group is deactivated, not deleted."""
    jane = User("jdoe")
    jumpcloud.sync(users=[jane]).assert_success()
    result = jumpcloud.unassign(jane).assert_success()
    assert [e.method for e in result.exchanges] == ["PUT"]
    assert scim_client.get(f"/Users/{jumpcloud.id_of(jane)}").json()["active"] is False


def test_delete_sends_delete(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A user deleted in JumpCloud: DELETE /Users/{id}, 204, and the id is forgotten."""
    jane = User("jdoe")
    jumpcloud.sync(users=[jane]).assert_success()
    uid = jumpcloud.id_of(jane)
    result = jumpcloud.delete(jane).assert_success()
    assert [(e.method, e.status) for e in result.exchanges] == [("DELETE", 204)]
    assert scim_client.get(f"/Users/{uid}").status_code == 404 and jumpcloud.id_of(jane) is None


def test_delete_group_sends_delete(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A managed group deleted in JumpCloud is deleted on the server."""
    jane = User("jdoe")
    group = Group("Engineering", members=[jane])
    jumpcloud.sync(users=[jane], groups=[group]).assert_success()
    gid = jumpcloud.group_id_of(group)
    result = jumpcloud.delete_group(group).assert_success()
    assert [(e.method, e.status) for e in result.exchanges] == [("DELETE", 204)]
    assert scim_client.get(f"/Groups/{gid}").status_code == 404


def test_rename_group_replaces_the_display_name(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A renamed user group: replace of displayName; the next cycle finds it under the new name."""
    jane = User("jdoe")
    group = Group("Engineering", members=[jane])
    jumpcloud.sync(users=[jane], groups=[group]).assert_success()
    jumpcloud.rename_group(group, "Platform").assert_success()
    assert scim_client.get(f"/Groups/{jumpcloud.group_id_of(group)}").json()["displayName"] == "Platform"
    again = jumpcloud.sync(users=[jane], groups=[group]).assert_success()
    assert not sent(again, "POST") and not sent(again, "PATCH")


def test_rename_user_puts_the_mapped_user_with_the_new_username(jumpcloud: JumpCloud, scim_client: ScimClient) -> None:
    """A renamed JumpCloud username: the mapped user PUT at the remembered id."""
    jane = User("jdoe")
    jumpcloud.sync(users=[jane]).assert_success()
    uid = jumpcloud.id_of(jane)
    (put,) = jumpcloud.rename_user(jane, "jane.doe").assert_success().exchanges
    assert (put.method, put.target, body(put)["userName"]) == ("PUT", f"/Users/{uid}", "jane.doe")
    assert scim_client.get(f"/Users/{uid}").json()["userName"] == "jane.doe"
