"""The Entra simulator against scimcore's ASGI and WSGI apps on the memory and SQLite stores, in both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.check.payloads import entra as catalogue
from scimcore.events import Event
from scimcore.testing.client import ScimClient
from scimcore.testing.simulators import Entra, Group, Outcome, User
from tests.testing.simulators.exchanges import body, sent

FLAG = "aadOptscim062020"



@pytest.fixture(params=[False, True], ids=["without-flag", "with-flag"])
def entra(request: pytest.FixtureRequest, scim_app: Any, scim_token: str) -> Any:
    with Entra(scim_app, token=scim_token, flag=request.param, member_batch=2) as simulator:
        yield simulator


def test_test_connection_succeeds_with_two_empty_lookups(entra: Entra) -> None:
    """Test Connection filters users and groups by a random GUID, and scimcore answers both with empty lists."""
    result = entra.test_connection().assert_success()
    assert [(e.method, e.target.split("?")[0], e.status) for e in result.exchanges] == [
        ("GET", "/Users", 200),
        ("GET", "/Groups", 200),
    ]
    assert 'filter=userName eq "' in result.exchanges[0].target


def test_every_request_carries_the_flag_only_in_flag_mode(entra: Entra) -> None:
    """With the flag every request's query carries aadOptscim062020; without it, none does."""
    alice = User("alice@contoso.example")
    entra.sync(users=[alice]).assert_success()
    entra.disable(alice).assert_success()
    assert {FLAG in e.target for e in entra.log} == {entra.flag}


def test_a_wrong_token_fails_the_connection_test(scim_app: Any) -> None:
    """A 401 is a failure Entra reports, not a retry."""
    with Entra(scim_app, token="not-the-token-of-this-server") as entra:
        result = entra.test_connection()
    assert result.outcome is Outcome.FAILURE and "401" in result.reason


def test_sync_creates_users_then_an_empty_group_then_members_in_batches(
    entra: Entra, scim_client: ScimClient, scim_events: list[Event]
) -> None:
    """The first cycle: lookup and POST per user, lookup and POST of a memberless group, members PATCHed 2 by 2."""
    users = [User(f"user{n}@contoso.example", given_name=f"U{n}") for n in range(3)]
    result = entra.sync(users=users, groups=[Group("Staff", members=users)]).assert_success()
    assert [(e.method, e.target.split("?")[0]) for e in result.exchanges] == [
        ("GET", "/Users"),
        ("POST", "/Users"),
        ("GET", "/Users"),
        ("POST", "/Users"),
        ("GET", "/Users"),
        ("POST", "/Users"),
        ("GET", "/Groups"),
        ("POST", "/Groups"),
        ("PATCH", f"/Groups/{entra.group_ids['Staff']}"),
        ("PATCH", f"/Groups/{entra.group_ids['Staff']}"),
    ]
    assert "members" not in body(sent(result, "POST", "/Groups")[0])
    assert "excludedAttributes=members" in sent(result, "GET", "/Groups")[0].target
    assert [len(body(e)["Operations"][0]["value"]) for e in sent(result, "PATCH")] == [2, 1]
    group = scim_client.get(f"/Groups/{entra.group_ids['Staff']}").json()
    assert sorted(m["value"] for m in group["members"]) == sorted(entra.id_of(u) for u in users)
    assert [e.type for e in scim_events].count("group.user_added") == 3


def test_bodies_are_the_catalogue_shapes(entra: Entra) -> None:
    """The create bodies have the tutorial's keys in its order; member adds are the tutorial's Add with $ref null."""
    alice = User("alice@contoso.example")
    result = entra.sync(users=[alice], groups=[Group("Staff", members=[alice])]).assert_success()
    user = body(sent(result, "POST", "/Users")[0])
    assert list(user) == list(catalogue.TUTORIAL_CREATE_USER)
    assert user["schemas"] == catalogue.TUTORIAL_CREATE_USER["schemas"] and user["userName"] == alice.user_name
    assert list(body(sent(result, "POST", "/Groups")[0])) == list(catalogue.TUTORIAL_CREATE_GROUP)
    (add,) = body(sent(result, "PATCH")[0])["Operations"]
    assert add == {"op": "Add", "path": "members", "value": [{"$ref": None, "value": entra.id_of(alice)}]}


def test_a_second_cycle_without_changes_only_looks_up(entra: Entra) -> None:
    """Entra sends only deltas: a cycle over unchanged users and groups writes nothing."""
    alice = User("alice@contoso.example")
    entra.sync(users=[alice], groups=[Group("Staff", members=[alice])]).assert_success()
    again = entra.sync(users=[alice], groups=[Group("Staff", members=[alice])]).assert_success()
    assert {e.method for e in again.exchanges} == {"GET"}


def test_a_matched_user_is_patched_in_the_dialect_of_the_flag(entra: Entra, scim_client: ScimClient) -> None:
    """A user already on the server (matched by userName) gets a PATCH of what differs, not a POST."""
    existing = scim_client.post(
        "/Users",
        {"schemas": catalogue.TUTORIAL_CREATE_USER["schemas"][:1], "userName": "alice@contoso.example", "active": True},
    )
    assert existing.status_code == 201
    alice = User("alice@contoso.example", given_name="Alice", family_name="Liddell")
    result = entra.sync(users=[alice]).assert_success()
    assert not sent(result, "POST") and entra.id_of(alice) == existing.json()["id"]
    operations = body(sent(result, "PATCH")[0])["Operations"]
    if entra.flag:
        assert [op["op"] for op in operations] == ["replace", "replace"]
        assert operations[1]["value"]["name.givenName"] == "Alice" and "path" not in operations[1]
    else:
        assert {op["op"] for op in operations} == {"Replace"}
        assert {"op": "Replace", "path": "name.familyName", "value": "Liddell"} in operations
    user = scim_client.get(f"/Users/{entra.id_of(alice)}").json()
    assert user["name"]["givenName"] == "Alice" and user["emails"][0]["value"] == alice.mail


def test_removed_members_are_patched_out_in_the_dialect_of_the_flag(entra: Entra, scim_client: ScimClient) -> None:
    """A member no longer assigned: a Remove with a value list without the flag, members[value eq] with it."""
    alice, bob = User("alice@contoso.example"), User("bob@contoso.example")
    entra.sync(users=[alice, bob], groups=[Group("Staff", members=[alice, bob])]).assert_success()
    result = entra.sync(users=[alice, bob], groups=[Group("Staff", members=[alice])]).assert_success()
    (op,) = body(sent(result, "PATCH")[0])["Operations"]
    bob_id = entra.id_of(bob)
    if entra.flag:
        assert op == {"op": "remove", "path": f'members[value eq "{bob_id}"]'}
    else:
        assert op == {"op": "Remove", "path": "members", "value": [{"value": bob_id}]}
    group = scim_client.get(f"/Groups/{entra.group_ids['Staff']}").json()
    assert [m["value"] for m in group["members"]] == [entra.id_of(alice)]


def test_disable_and_reenable_patch_active(entra: Entra, scim_client: ScimClient) -> None:
    """Disable sends the catalogue's active PATCH ("False" without the flag); the user ends inactive, then active."""
    alice = User("alice@contoso.example")
    entra.sync(users=[alice]).assert_success()
    disabled = entra.disable(alice).assert_success()
    expected = catalogue.DISABLE_WITH_FLAG if entra.flag else catalogue.DISABLE_WITHOUT_FLAG
    assert body(disabled.exchanges[0])["Operations"] == expected
    assert scim_client.get(f"/Users/{entra.id_of(alice)}").json()["active"] is False
    entra.reenable(alice).assert_success()
    assert scim_client.get(f"/Users/{entra.id_of(alice)}").json()["active"] is True


def test_disable_of_a_user_it_never_synced_looks_it_up_first(entra: Entra, scim_client: ScimClient) -> None:
    """Without a remembered id, Entra finds the user by its matching attribute before the PATCH."""
    created = scim_client.post(
        "/Users", {"schemas": [catalogue.TUTORIAL_CREATE_USER["schemas"][0]], "userName": "carol@contoso.example"}
    )
    result = entra.disable(User("carol@contoso.example")).assert_success()
    assert [e.method for e in result.exchanges] == ["GET", "PATCH"]
    assert result.exchanges[1].target.split("?")[0] == f"/Users/{created.json()['id']}"


def test_delete_sends_delete_and_forgets_the_id(entra: Entra, scim_client: ScimClient) -> None:
    """The hard delete is one DELETE answered 204; the user is gone and Entra no longer knows its id."""
    alice = User("alice@contoso.example")
    entra.sync(users=[alice]).assert_success()
    uid = entra.id_of(alice)
    result = entra.delete(alice).assert_success()
    assert [(e.method, e.status) for e in result.exchanges] == [("DELETE", 204)]
    assert scim_client.get(f"/Users/{uid}").status_code == 404
    assert entra.id_of(alice) is None


def test_unassign_soft_deletes_with_the_disable_patch(entra: Entra, scim_client: ScimClient) -> None:
    """Unassigning sends Entra's soft delete, the disable PATCH; the user stays, inactive, until the DELETE."""
    alice = User("alice@contoso.example")
    entra.sync(users=[alice]).assert_success()
    result = entra.unassign(alice).assert_success()
    expected = catalogue.DISABLE_WITH_FLAG if entra.flag else catalogue.DISABLE_WITHOUT_FLAG
    assert [e.method for e in result.exchanges] == ["PATCH"] and body(result.exchanges[0])["Operations"] == expected
    assert scim_client.get(f"/Users/{entra.id_of(alice)}").json()["active"] is False


def test_rename_group_sends_the_tutorials_replace(entra: Entra, scim_client: ScimClient) -> None:
    """A renamed group: the tutorial's Replace of displayName; the next cycle finds it under its new name."""
    alice = User("alice@contoso.example")
    staff = Group("Staff", members=[alice])
    entra.sync(users=[alice], groups=[staff]).assert_success()
    result = entra.rename_group(staff, "Staff EMEA").assert_success()
    assert body(result.exchanges[0])["Operations"] == [{"op": "Replace", "path": "displayName", "value": "Staff EMEA"}]
    assert scim_client.get(f"/Groups/{entra.group_id_of(staff)}").json()["displayName"] == "Staff EMEA"
    assert {e.method for e in entra.sync(users=[alice], groups=[staff]).assert_success().exchanges} == {"GET"}


def test_delete_group_sends_delete(entra: Entra, scim_client: ScimClient) -> None:
    """A group removed from scope: DELETE /Groups/{id}, 204, and the group is gone."""
    staff = Group("Staff")
    entra.sync(groups=[staff]).assert_success()
    gid = entra.group_id_of(staff)
    result = entra.delete_group(staff).assert_success()
    assert [(e.method, e.status) for e in result.exchanges] == [("DELETE", 204)]
    assert scim_client.get(f"/Groups/{gid}").status_code == 404 and entra.group_id_of(staff) is None


MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"


def manager_of(scim_client: ScimClient, uid: str | None) -> Any:
    extension = scim_client.get(f"/Users/{uid}").json().get(MANAGER.rsplit(":", 1)[0])
    return (extension or {}).get("manager")


def test_a_new_users_manager_is_patched_after_both_exist(entra: Entra, scim_client: ScimClient) -> None:
    """A manager synced in the same cycle: both POSTs first, then one manager PATCH in the flag's dialect."""
    boss = User("boss@contoso.example")
    alice = User("alice@contoso.example", manager=boss)
    result = entra.sync(users=[alice, boss]).assert_success()
    assert [e.method for e in result.exchanges] == ["GET", "POST", "GET", "POST", "PATCH"]
    (op,) = body(result.exchanges[-1])["Operations"]
    boss_id = entra.id_of(boss)
    expected = {"op": "replace", "path": MANAGER, "value": {"value": boss_id}} if entra.flag else {
        "op": "Add", "path": MANAGER, "value": boss_id}
    assert op == expected
    assert manager_of(scim_client, entra.id_of(alice))["value"] == boss_id


def test_a_manager_change_checks_the_reference_then_patches(entra: Entra, scim_client: ScimClient) -> None:
    """A changed manager of a known user: the id-and-manager filter finds nothing, then the PATCH sets it."""
    boss, other = User("boss@contoso.example"), User("other@contoso.example")
    alice = User("alice@contoso.example", manager=boss)
    entra.sync(users=[boss, other, alice]).assert_success()
    alice.manager = other
    result = entra.sync(users=[boss, other, alice]).assert_success()
    check = [e for e in result.exchanges if "manager eq" in e.target]
    assert len(check) == 1 and "attributes=id" in check[0].target
    assert [e.method for e in result.exchanges][-1] == "PATCH"
    assert manager_of(scim_client, entra.id_of(alice))["value"] == entra.id_of(other)


def test_a_manager_already_stored_is_not_patched(scim_app: Any, scim_token: str, scim_client: ScimClient) -> None:
    """A fresh Entra job whose check finds the manager already stored sends no manager PATCH."""
    boss = User("boss@contoso.example")
    alice = User("alice@contoso.example", manager=boss)
    with Entra(scim_app, token=scim_token) as first:
        first.sync(users=[boss, alice]).assert_success()
    with Entra(scim_app, token=scim_token) as second:
        result = second.sync(users=[boss, alice]).assert_success()
    assert [e.method for e in result.exchanges] == ["GET", "GET", "GET"]
    assert "manager eq" in result.exchanges[-1].target


def test_a_removed_manager_is_cleared(entra: Entra, scim_client: ScimClient) -> None:
    """A manager taken away: {"value": ""} without the flag, a remove with it; the user has no manager left."""
    boss = User("boss@contoso.example")
    alice = User("alice@contoso.example", manager=boss)
    entra.sync(users=[boss, alice]).assert_success()
    alice.manager = None
    result = entra.sync(users=[boss, alice]).assert_success()
    (op,) = body([e for e in result.exchanges if e.method == "PATCH"][-1])["Operations"]
    expected = catalogue.MANAGER_REMOVED if entra.flag else catalogue.MANAGER_CLEARED
    assert [op] == expected
    assert not (manager_of(scim_client, entra.id_of(alice)) or {}).get("value")


def test_a_manager_never_synced_is_a_value_error(entra: Entra) -> None:
    """Entra provisions a manager reference only to a user it provisioned: anything else is a test mistake."""
    alice = User("alice@contoso.example", manager=User("ghost@contoso.example"))
    with pytest.raises(ValueError, match="ghost"):
        entra.sync(users=[alice])


def test_rename_user_patches_the_username_at_the_remembered_id(entra: Entra, scim_client: ScimClient) -> None:
    """A new userPrincipalName: one PATCH replacing userName at the id Entra remembers, no lookup by the new name."""
    alice = User("alice@contoso.example")
    entra.sync(users=[alice]).assert_success()
    uid = entra.id_of(alice)
    result = entra.rename_user(alice, "alice.liddell@contoso.example").assert_success()
    assert [(e.method, e.target.split("?")[0]) for e in result.exchanges] == [("PATCH", f"/Users/{uid}")]
    op = "replace" if entra.flag else "Replace"
    assert body(result.exchanges[0])["Operations"] == [
        {"op": op, "path": "userName", "value": "alice.liddell@contoso.example"}
    ]
    assert scim_client.get(f"/Users/{uid}").json()["userName"] == "alice.liddell@contoso.example"
    assert entra.id_of(alice) == uid and alice.user_name == "alice.liddell@contoso.example"
