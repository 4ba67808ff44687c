"""Which events a change makes (scimcore.emitter): an update names the attributes it changed."""

from __future__ import annotations

from tests.conftest import USER_SCHEMA, Client, make_service


def _updates(client: Client) -> list[tuple[str, ...]]:
    store = client.service.store
    return [s.event.changed for s in store.list_events("default") if s.event.type == "user.updated"]  # type: ignore[attr-defined]


def test_a_patch_names_only_the_attributes_it_changed() -> None:
    """Replacing displayName and removing title gives changed == (displayName, title)."""
    client = Client(make_service())
    user = client.create_user("bjensen", title="Tour Guide", displayName="Babs")
    client.patch(f"/Users/{user['id']}", [
        {"op": "replace", "path": "displayName", "value": "Barbara"}, {"op": "remove", "path": "title"}])
    assert _updates(client) == [("displayName", "title")]


def test_a_put_names_what_differs_from_before() -> None:
    """A PUT changing only active names active."""
    client = Client(make_service())
    user = client.create_user("carol")
    client.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "carol", "active": False})
    assert _updates(client) == [("active",)]
