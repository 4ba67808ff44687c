"""The plugin's fixtures on scimcore's ASGI and WSGI apps over the memory and SQLite stores (this folder's conftest)."""

from __future__ import annotations

from typing import Any

from scimcore.events import Event
from scimcore.testing.client import ScimClient
from scimcore.testing.plugin import TestDirectory
from scimcore.testing.simulators import Entra, Okta, User


def test_scim_client_and_scim_events_see_the_same_change(scim_client: ScimClient, scim_events: list[Event]) -> None:
    """A user created through scim_client is there to read, and scim_events holds its user.created."""
    created = scim_client.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"})
    assert created.status_code == 201
    assert scim_client.get(f"/Users/{created.json()['id']}").json()["userName"] == "a"
    assert [(e.type, e.data["id"]) for e in scim_events] == [("user.created", created.json()["id"])]


def test_a_simulator_at_scim_directorys_url_provisions_that_directory_only(
    scim_app: Any, scim_directory: TestDirectory, scim_client: ScimClient
) -> None:
    """Entra with the directory's token and base URL creates the user there, not at the SCIM root."""
    with Entra(scim_app, token=scim_directory.token, base_url=scim_directory.base_url) as entra:
        entra.sync(users=[User("alice@contoso.example")]).assert_success()
    assert scim_client.get("/Users").json()["totalResults"] == 0
    with ScimClient(scim_app, token=scim_directory.token, base_url=scim_directory.base_url) as tenant:
        assert tenant.get("/Users").json()["Resources"][0]["userName"] == "alice@contoso.example"


def test_the_directorys_token_is_refused_at_the_root(scim_app: Any, scim_directory: TestDirectory) -> None:
    """A directory's token opens only its own endpoint: at the SCIM root Okta's credentials test fails with 401."""
    with Okta(scim_app, token=scim_directory.token) as okta:
        result = okta.test_connection()
    assert not result.ok and "401" in result.reason
