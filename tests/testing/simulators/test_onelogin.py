"""The OneLogin simulator against scimcore's ASGI and WSGI apps on the memory and SQLite stores."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.check.payloads import onelogin as catalogue
from scimcore.events import Event
from scimcore.testing.client import ScimClient
from scimcore.testing.simulators import Group, OneLogin, User
from tests.testing.simulators.exchanges import body, sent

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"



@pytest.fixture
def onelogin(scim_app: Any, scim_token: str) -> Any:
    with OneLogin(scim_app, token=scim_token, member_batch=2, department="Finance") as simulator:
        yield simulator


def test_test_connection_lists_users(onelogin: OneLogin) -> None:
    """Enabling the API connection is one GET /Users, answered 200 with a ListResponse."""
    result = onelogin.test_connection().assert_success()
    assert [(e.method, e.target, e.status) for e in result.exchanges] == [("GET", "/Users", 200)]


def test_requests_carry_scim_json_and_no_vendor_user_agent(onelogin: OneLogin) -> None:
    """OneLogin documents no headers: bodies go as application/scim+json, no User-Agent is added."""
    onelogin.sync(users=[User("ana@globex.example")]).assert_success()
    assert {e.request_headers["Content-Type"] for e in onelogin.log if e.request_body} == {"application/scim+json"}
    assert all("User-Agent" not in e.request_headers for e in onelogin.log)


def test_sync_creates_a_user_from_the_template(onelogin: OneLogin, scim_client: ScimClient) -> None:
    """A new user: lookup by userName, then a POST of the SCIM v2 Enterprise template with the department."""
    ana = User("ana@globex.example", given_name="Ana", family_name="Lima")
    lookup, create = onelogin.sync(users=[ana]).assert_success().exchanges
    assert lookup.target == '/Users?filter=userName eq "ana@globex.example"'
    assert list(body(create)) == list(catalogue.USER) and body(create)[ENTERPRISE] == {"department": "Finance"}
    stored = scim_client.get(f"/Users/{onelogin.id_of(ana)}").json()
    assert stored["name"]["familyName"] == "Lima" and stored[ENTERPRISE]["department"] == "Finance"


def test_a_known_user_is_replaced_with_put(onelogin: OneLogin, scim_client: ScimClient) -> None:
    """An update is a PUT of the whole template to the id the server returned."""
    ana = User("ana@globex.example")
    onelogin.sync(users=[ana]).assert_success()
    ana.family_name = "Lima-Souza"
    result = onelogin.sync(users=[ana]).assert_success()
    (put,) = sent(result, "PUT")
    assert put.target == f"/Users/{onelogin.id_of(ana)}" and list(body(put)) == list(catalogue.USER)
    assert scim_client.get(f"/Users/{onelogin.id_of(ana)}").json()["name"]["familyName"] == "Lima-Souza"


def test_groups_are_created_empty_then_members_patched_in_batches(
    onelogin: OneLogin, scim_client: ScimClient, scim_events: list[Event]
) -> None:
    """A group: lookup, POST without members, then RFC add PATCHes of two members each."""
    users = [User(f"user{n}@globex.example") for n in range(3)]
    result = onelogin.sync(users=users, groups=[Group("Finance", members=users)]).assert_success()
    (create,) = [e for e in sent(result, "POST") if e.target == "/Groups"]
    assert body(create) == {**catalogue.CREATE_GROUP, "displayName": "Finance"}
    patches = sent(result, "PATCH")
    assert [[op["op"] for op in body(p)["Operations"]] for p in patches] == [["add"], ["add"]]
    assert [len(body(p)["Operations"][0]["value"]) for p in patches] == [2, 1]
    group = scim_client.get(f"/Groups/{onelogin.group_ids['Finance']}").json()
    assert sorted(m["value"] for m in group["members"]) == sorted(onelogin.id_of(u) for u in users)
    assert [e.type for e in scim_events].count("group.user_added") == 3


def test_a_member_no_longer_listed_is_removed_by_filter(onelogin: OneLogin, scim_client: ScimClient) -> None:
    """A removed member: remove of members[value eq "<id>"]; the other member stays."""
    ana, ben = User("ana@globex.example"), User("ben@globex.example")
    onelogin.sync(users=[ana, ben], groups=[Group("Finance", members=[ana, ben])]).assert_success()
    result = onelogin.sync(users=[ana, ben], groups=[Group("Finance", members=[ana])]).assert_success()
    (patch,) = sent(result, "PATCH")
    assert body(patch)["Operations"] == [{"op": "remove", "path": f'members[value eq "{onelogin.id_of(ben)}"]'}]
    group = scim_client.get(f"/Groups/{onelogin.group_ids['Finance']}").json()
    assert [m["value"] for m in group["members"]] == [onelogin.id_of(ana)]


def test_disable_and_reenable_patch_active(onelogin: OneLogin, scim_client: ScimClient) -> None:
    """A suspension is the catalogue's replace of active false; a reactivation the same with true."""
    ana = User("ana@globex.example")
    onelogin.sync(users=[ana]).assert_success()
    disabled = onelogin.disable(ana).assert_success()
    assert body(disabled.exchanges[0])["Operations"] == catalogue.SUSPEND
    assert scim_client.get(f"/Users/{onelogin.id_of(ana)}").json()["active"] is False
    onelogin.reenable(ana).assert_success()
    assert scim_client.get(f"/Users/{onelogin.id_of(ana)}").json()["active"] is True


def test_unassign_deletes_by_default(onelogin: OneLogin, scim_client: ScimClient) -> None:
    """With the default deprovisioning action, removing app access sends DELETE /Users/{id}."""
    ana = User("ana@globex.example")
    onelogin.sync(users=[ana]).assert_success()
    uid = onelogin.id_of(ana)
    result = onelogin.unassign(ana).assert_success()
    assert [(e.method, e.status) for e in result.exchanges] == [("DELETE", 204)]
    assert scim_client.get(f"/Users/{uid}").status_code == 404 and onelogin.id_of(ana) is None


def test_delete_suspends_when_the_app_is_set_to_suspend(
    scim_app: Any, scim_token: str, scim_client: ScimClient
) -> None:
    """With deprovision="suspend", deleting the user in OneLogin is the suspension PATCH, no DELETE."""
    ana = User("ana@globex.example")
    with OneLogin(scim_app, token=scim_token, deprovision="suspend") as onelogin:
        onelogin.sync(users=[ana]).assert_success()
        result = onelogin.delete(ana).assert_success()
    assert [e.method for e in result.exchanges] == ["PATCH"]
    assert scim_client.get(f"/Users/{onelogin.id_of(ana)}").json()["active"] is False


def test_deleting_a_group_sends_nothing(onelogin: OneLogin, scim_client: ScimClient) -> None:
    """OneLogin sends nothing when a group is deleted on its side: the group stays on the server."""
    ana = User("ana@globex.example")
    group = Group("Finance", members=[ana])
    onelogin.sync(users=[ana], groups=[group]).assert_success()
    gid = onelogin.group_id_of(group)
    result = onelogin.delete_group(group).assert_success()
    assert result.exchanges == () and onelogin.group_id_of(group) is None
    assert scim_client.get(f"/Groups/{gid}").status_code == 200


def test_rename_group_replaces_the_display_name(onelogin: OneLogin, scim_client: ScimClient) -> None:
    """A renamed group: replace of displayName by path; the simulator knows it by its new name."""
    group = Group("Finance")
    onelogin.sync(users=[User("ana@globex.example")], groups=[group]).assert_success()
    result = onelogin.rename_group(group, "Finance EMEA").assert_success()
    assert body(result.exchanges[0])["Operations"] == catalogue.RENAME_GROUP
    assert scim_client.get(f"/Groups/{onelogin.group_id_of(group)}").json()["displayName"] == "Finance EMEA"


def test_an_unknown_deprovisioning_action_is_refused(scim_app: Any, scim_token: str) -> None:
    """The Provisioning tab offers delete or suspend: anything else is a ValueError."""
    with pytest.raises(ValueError, match="deprovision"):
        OneLogin(scim_app, token=scim_token, deprovision="archive")  # type: ignore[arg-type]


def test_rename_user_puts_the_template_with_the_new_username(onelogin: OneLogin, scim_client: ScimClient) -> None:
    """A changed SCIM Username: the template PUT at the remembered id; the next cycle finds the user again."""
    ana = User("ana@globex.example")
    onelogin.sync(users=[ana]).assert_success()
    uid = onelogin.id_of(ana)
    (put,) = onelogin.rename_user(ana, "ana.lima@globex.example").assert_success().exchanges
    assert (put.method, put.target, body(put)["userName"]) == ("PUT", f"/Users/{uid}", "ana.lima@globex.example")
    again = onelogin.sync(users=[ana]).assert_success()
    assert not sent(again, "POST") and scim_client.get(f"/Users/{uid}").json()["userName"] == "ana.lima@globex.example"
