"""What Entra, Okta, OneLogin and JumpCloud would make of the FastAPI app: each vendor's traffic, replayed."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.events import Event
from scimcore.testing.client import ScimClient, connect
from scimcore.testing.simulators import Entra, Group, JumpCloud, Okta, OneLogin, User


def people(app: Any) -> dict[str, bool]:
    """The app's own /people page: userName → active."""
    with connect(app) as client:
        return {p["userName"]: p["active"] for p in client.get("http://testserver/people").json()}


@pytest.mark.parametrize("flag", [False, True], ids=["default", "aadOptscim062020"])
def test_entra_initial_and_incremental_cycles(
    scim_app: Any, scim_token: str, scim_events: list[Event], flag: bool
) -> None:
    """Entra's first cycle, then a renamed user and a cycle with a changed name, a new and a removed member."""
    alice = User("alice@contoso.example", given_name="Alice", email="alice.liddell@contoso.example")
    bob, carol = User("bob@contoso.example"), User("carol@contoso.example")
    staff = Group("Staff", members=[alice, bob])
    with Entra(scim_app, token=scim_token, flag=flag) as entra:
        entra.test_connection().assert_success()
        entra.sync(users=[alice, bob], groups=[staff]).assert_success()
        entra.rename_user(bob, "robert@contoso.example").assert_success()
        alice.family_name = "Liddell"
        staff.members = [alice, carol]
        entra.sync(users=[alice, bob, carol], groups=[staff]).assert_success()
    kinds = [e.type for e in scim_events]
    assert kinds.count("user.created") == 3 and kinds.count("group.user_removed") == 1
    assert set(people(scim_app)) == {"alice@contoso.example", "robert@contoso.example", "carol@contoso.example"}


@pytest.mark.parametrize("flag", [False, True], ids=["default", "aadOptscim062020"])
def test_entra_unassigns_then_deletes(scim_app: Any, scim_token: str, flag: bool) -> None:
    """Unassigning is Entra's soft delete (the app sees an inactive user); the DELETE comes later."""
    bob = User("bob@contoso.example")
    with Entra(scim_app, token=scim_token, flag=flag) as entra:
        entra.sync(users=[bob]).assert_success()
        entra.unassign(bob).assert_success()
        assert people(scim_app) == {"bob@contoso.example": False}
        entra.delete(bob).assert_success()
    assert people(scim_app) == {}


def test_okta_pushes_groups_and_never_deletes(scim_app: Any, scim_token: str, scim_client: ScimClient) -> None:
    """Okta: PUT updates, Push Groups, and a deleted user deactivated rather than deleted."""
    alice = User("alice@okta.local")
    with Okta(scim_app, token=scim_token) as okta:
        okta.test_connection().assert_success()
        okta.sync(users=[alice], groups=[Group("Engineering", members=[alice])]).assert_success()
        alice.given_name = "Alicia"
        okta.sync(users=[alice]).assert_success()
        okta.delete(alice).assert_success()
        user = scim_client.get(f"/Users/{okta.id_of(alice)}").json()
    assert user["name"]["givenName"] == "Alicia" and user["active"] is False


def test_onelogin_suspends_or_deletes_as_configured(scim_app: Any, scim_token: str) -> None:
    """OneLogin's Provisioning tab decides: suspend keeps an inactive user, delete removes it."""
    ana, ben = User("ana@globex.example"), User("ben@globex.example")
    with OneLogin(scim_app, token=scim_token, deprovision="suspend") as onelogin:
        onelogin.test_connection().assert_success()
        onelogin.sync(users=[ana]).assert_success()
        onelogin.unassign(ana).assert_success()
    with OneLogin(scim_app, token=scim_token) as onelogin:
        onelogin.sync(users=[ben]).assert_success()
        onelogin.unassign(ben).assert_success()
    assert people(scim_app) == {"ana@globex.example": False}


def test_jumpcloud_connection_test_leaves_nothing_behind(scim_app: Any, scim_token: str) -> None:
    """JumpCloud's connection test creates and deletes a test user and group; a real sync then provisions."""
    jane = User("jdoe", email="jane.doe@umbrella.example")
    with JumpCloud(scim_app, token=scim_token) as jumpcloud:
        jumpcloud.test_connection().assert_success()
        assert people(scim_app) == {}
        jumpcloud.sync(users=[jane], groups=[Group("Engineering", members=[jane])]).assert_success()
    assert people(scim_app) == {"jdoe": True}
