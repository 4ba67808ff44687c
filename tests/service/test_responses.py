"""Response assembly (scimcore.service.responses): rendering leaves stored documents as they were."""

from __future__ import annotations

import copy
from typing import Any

from scimcore import MemoryStore, ScimService
from scimcore.schema.registry import ResourceTypeDef
from tests.conftest import GROUP_SCHEMA, USER_SCHEMA, Client, StepClock


class SharingStore(MemoryStore):
    """A store that hands out the very document it keeps, as a cache-backed user store may."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[str, dict[str, Any]] = {}

    def get(self, rtype: ResourceTypeDef, resource_id: str, **kw: Any) -> dict[str, Any] | None:
        doc = super().get(rtype, resource_id, **kw)
        if doc is None:
            return None
        return self.kept.setdefault(resource_id, doc)


def test_rendering_a_group_does_not_change_the_stored_document() -> None:
    """GET of a group adds $ref to its members in the response only, never in the store's document."""
    store = SharingStore()
    client = Client(ScimService(store, clock=StepClock(), anonymous=True), token=None)
    user = client.request("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "alice"}).json
    group = client.request(
        "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "g", "members": [{"value": user["id"]}]}
    ).json
    first = client.request("GET", f"/Groups/{group['id']}")
    before = copy.deepcopy(store.kept[group["id"]])
    second = client.request("GET", f"/Groups/{group['id']}")
    assert first.json["members"][0]["$ref"].endswith(f"/Users/{user['id']}")
    assert second.json == first.json
    assert store.kept[group["id"]] == before
    assert all("$ref" not in m for m in store.kept[group["id"]]["members"])
