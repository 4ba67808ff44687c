"""The Okta simulator against scimcore's ASGI and WSGI apps on the memory and SQLite stores."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.check.payloads import okta as catalogue
from scimcore.testing.client import ScimClient
from scimcore.testing.simulators import Group, Okta, User
from tests.testing.simulators.exchanges import body, sent


@pytest.fixture
def okta(scim_app: Any, scim_token: str) -> Any:
    with Okta(scim_app, token=scim_token, member_batch=2) as simulator:
        yield simulator


def test_test_connection_reads_the_first_import_page(okta: Okta) -> None:
    """Okta's credentials test is GET /Users?startIndex=1&count=2, answered with integer paging numbers."""
    result = okta.test_connection().assert_success()
    assert [e.target for e in result.exchanges] == ["/Users?startIndex=1&count=2"]


def test_requests_carry_oktas_headers(okta: Okta) -> None:
    """Okta's User-Agent on every request and application/json on every body."""
    okta.sync(users=[User("alice@okta.local")]).assert_success()
    assert {e.request_headers["User-Agent"] for e in okta.log} == {"Okta SCIM Client 1.0.0"}
    assert {e.request_headers["Content-Type"] for e in okta.log if e.request_body} == {"application/json"}


def test_sync_creates_a_user_with_the_catalogue_body(okta: Okta, scim_client: ScimClient) -> None:
    """A new user: lookup with Okta's paging, then the catalogue's POST (password, locale, groups: [])."""
    alice = User("alice@okta.local", given_name="Alice")
    result = okta.sync(users=[alice]).assert_success()
    lookup, create = result.exchanges
    assert lookup.target == '/Users?filter=userName eq "alice@okta.local"&startIndex=1&count=100'
    sent_body = body(create)
    assert list(sent_body) == list(catalogue.CREATE_USER)
    assert sent_body["password"] == catalogue.CREATE_USER["password"] and sent_body["groups"] == []
    assert scim_client.get(f"/Users/{okta.id_of(alice)}").json()["name"]["givenName"] == "Alice"


def test_a_known_user_is_replaced_with_put(okta: Okta, scim_client: ScimClient) -> None:
    """Okta updates with a PUT of the whole user, its own id inside the body."""
    alice = User("alice@okta.local")
    okta.sync(users=[alice]).assert_success()
    alice.family_name = "Liddell"
    result = okta.sync(users=[alice]).assert_success()
    (put,) = sent(result, "PUT")
    assert body(put)["id"] == okta.id_of(alice) and list(body(put)) == list(catalogue.PUT_USER)
    assert scim_client.get(f"/Users/{okta.id_of(alice)}").json()["name"]["familyName"] == "Liddell"


def test_push_groups_creates_the_group_empty_then_patches_members(okta: Okta, scim_client: ScimClient) -> None:
    """Push Groups: lookup, POST with members: [], then PATCHes adding {value, display}, two members each."""
    users = [User(f"user{n}@okta.local") for n in range(3)]
    result = okta.sync(users=users, groups=[Group("Engineering", members=users)]).assert_success()
    (create,) = [e for e in sent(result, "POST") if e.target == "/Groups"]
    assert body(create)["members"] == []
    patches = sent(result, "PATCH")
    assert [len(body(p)["Operations"][0]["value"]) for p in patches] == [2, 1]
    assert body(patches[0])["Operations"][0]["value"][0] == {"value": okta.id_of(users[0]), "display": users[0].mail}
    group = scim_client.get(f"/Groups/{okta.group_ids['Engineering']}").json()
    assert sorted(m["value"] for m in group["members"]) == sorted(okta.id_of(u) for u in users)


def test_membership_changes_remove_and_add_in_one_patch(okta: Okta, scim_client: ScimClient) -> None:
    """A swapped member: the removal by members[value eq] and the addition in one request, as Okta sends them."""
    alice, bob = User("alice@okta.local"), User("bob@okta.local")
    okta.sync(users=[alice, bob], groups=[Group("Engineering", members=[alice])]).assert_success()
    result = okta.sync(users=[alice, bob], groups=[Group("Engineering", members=[bob])]).assert_success()
    (patch,) = sent(result, "PATCH")
    assert [op["op"] for op in body(patch)["Operations"]] == ["remove", "add"]
    assert body(patch)["Operations"][0]["path"] == f'members[value eq "{okta.id_of(alice)}"]'
    group = scim_client.get(f"/Groups/{okta.group_ids['Engineering']}").json()
    assert [m["value"] for m in group["members"]] == [okta.id_of(bob)]


def test_disable_and_reenable_replace_active_without_a_path(okta: Okta, scim_client: ScimClient) -> None:
    """Deactivation is the catalogue's path-less replace; reactivation the same with true."""
    alice = User("alice@okta.local")
    okta.sync(users=[alice]).assert_success()
    disabled = okta.disable(alice).assert_success()
    assert body(disabled.exchanges[0])["Operations"] == catalogue.DEACTIVATE
    assert scim_client.get(f"/Users/{okta.id_of(alice)}").json()["active"] is False
    reenabled = okta.reenable(alice).assert_success()
    assert body(reenabled.exchanges[0])["Operations"] == catalogue.REACTIVATE
    assert scim_client.get(f"/Users/{okta.id_of(alice)}").json()["active"] is True


def test_delete_deactivates_and_sends_no_delete(okta: Okta, scim_client: ScimClient) -> None:
    """Okta never deletes a user: the user stays on the server, inactive."""
    alice = User("alice@okta.local")
    okta.sync(users=[alice]).assert_success()
    result = okta.delete(alice).assert_success()
    assert [e.method for e in result.exchanges] == ["PATCH"]
    assert scim_client.get(f"/Users/{okta.id_of(alice)}").json()["active"] is False


def test_unassign_deactivates_and_sends_no_delete(okta: Okta, scim_client: ScimClient) -> None:
    """Unassigning in Okta is its deactivation PATCH; the user stays on the server, inactive."""
    alice = User("alice@okta.local")
    okta.sync(users=[alice]).assert_success()
    result = okta.unassign(alice).assert_success()
    assert [e.method for e in result.exchanges] == ["PATCH"]
    assert body(result.exchanges[0])["Operations"] == catalogue.DEACTIVATE
    assert scim_client.get(f"/Users/{okta.id_of(alice)}").json()["active"] is False


def test_rename_group_carries_the_groups_own_id(okta: Okta, scim_client: ScimClient) -> None:
    """Okta renames a pushed group with a path-less replace whose value holds the group's id and new name."""
    group = Group("Engineering")
    okta.sync(groups=[group]).assert_success()
    gid = okta.group_id_of(group)
    result = okta.rename_group(group, "Platform").assert_success()
    assert body(result.exchanges[0])["Operations"] == [
        {"op": "replace", "value": {"id": gid, "displayName": "Platform"}}
    ]
    assert scim_client.get(f"/Groups/{gid}").json()["displayName"] == "Platform"


def test_delete_group_sends_delete(okta: Okta, scim_client: ScimClient) -> None:
    """A pushed group deleted in Okta: DELETE /Groups/{id}, 204."""
    group = Group("Engineering")
    okta.sync(groups=[group]).assert_success()
    gid = okta.group_id_of(group)
    assert [e.status for e in okta.delete_group(group).assert_success().exchanges] == [204]
    assert scim_client.get(f"/Groups/{gid}").status_code == 404


def test_rename_user_puts_the_whole_user_with_its_new_username(okta: Okta, scim_client: ScimClient) -> None:
    """A renamed Okta login: a PUT of the whole user, new userName inside, at the remembered id."""
    alice = User("alice@okta.local")
    okta.sync(users=[alice]).assert_success()
    uid = okta.id_of(alice)
    (put,) = okta.rename_user(alice, "alice.liddell@okta.local").assert_success().exchanges
    assert put.method == "PUT" and body(put)["userName"] == "alice.liddell@okta.local" and body(put)["id"] == uid
    assert scim_client.get(f"/Users/{uid}").json()["userName"] == "alice.liddell@okta.local"
