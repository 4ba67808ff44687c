"""Provider profiles: response preferences per directory, never a reason to refuse another IdP's traffic.

Requests address a directory created through :class:`~scimcore.directories.DirectoryManager` (its
``provider`` picks the profile); the payloads replayed across profiles are the literal vendor payloads of
``tests/idp``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from scimcore import MemoryStore, ScimRequest, ScimService, ServiceConfig
from scimcore.directories import PROVIDERS, DirectoryManager
from scimcore.profiles import GENERIC, PROFILES, for_record, profile
from scimcore.transport import ScimResponse
from tests.idp import test_entra as entra
from tests.idp import test_okta as okta

BASE_URL = "https://scim.example.com/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class DirectoryClient:
    """A service over one memory store and requests addressed to one of its directories."""

    def __init__(self, stored_as: str | None, **config: Any) -> None:
        self.store = MemoryStore()
        self.service = ScimService(self.store, config=ServiceConfig(**config), anonymous=True)
        self.id: str | None = None
        if stored_as is not None:
            self.id = DirectoryManager(self.store).create(f"{stored_as} tenant", provider=stored_as)[0].id

    def call(self, method: str, path: str, body: Any = None, query: str = "") -> tuple[int, Any, ScimResponse]:
        payload = json.dumps(body).encode() if body is not None else b""
        headers = {"content-type": "application/scim+json"}
        request = ScimRequest(method, path, query, headers, payload, BASE_URL, directory=self.id)
        response = self.service.handle(request)
        return response.status, json.loads(response.body) if response.body else None, response

    def create(self, path: str, body: Any) -> dict[str, Any]:
        status, created, _ = self.call("POST", path, body)
        assert status == 201, created
        return created  # type: ignore[no-any-return]

    def patch(self, path: str, operations: list[dict[str, Any]], query: str = "") -> tuple[int, Any]:
        status, body, _ = self.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, query)
        return status, body

    def get(self, path: str) -> dict[str, Any]:
        status, body, _ = self.call("GET", path)
        assert status == 200, body
        return body  # type: ignore[no-any-return]


def group_with_user(directory: DirectoryClient) -> tuple[str, str]:
    group = directory.create("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Engineering"})
    user = directory.create("/Users", {"schemas": [USER_SCHEMA], "userName": "member@contoso.com"})
    return group["id"], user["id"]


def add_member(uid: str) -> list[dict[str, Any]]:
    return [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid}]}]


RENAME = [{"op": "Replace", "path": "displayName", "value": "Platform"}]


# -- response preferences -----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", ["member-add", "rename"])
def test_entra_directory_answers_group_patch_with_204(shape: str) -> None:
    """A group PATCH to an entra directory answers 204 No Content with the new ETag, and the change is stored."""
    directory = DirectoryClient("entra")
    gid, uid = group_with_user(directory)
    status, body, response = directory.call(
        "PATCH",
        f"/Groups/{gid}",
        {"schemas": [PATCH_OP], "Operations": add_member(uid) if shape == "member-add" else RENAME},
    )
    assert (status, body) == (204, None)
    stored = directory.get(f"/Groups/{gid}")
    assert response.header("ETag") == stored["meta"]["version"]
    if shape == "member-add":
        assert [m["value"] for m in stored["members"]] == [uid]
    else:
        assert stored["displayName"] == "Platform"


def test_generic_directory_answers_group_patch_with_200_and_the_group() -> None:
    """A group PATCH to a generic directory answers 200 with the group as stored."""
    directory = DirectoryClient("generic")
    gid, uid = group_with_user(directory)
    status, body = directory.patch(f"/Groups/{gid}", add_member(uid))
    assert status == 200
    assert body == directory.get(f"/Groups/{gid}")
    assert [m["value"] for m in body["members"]] == [uid]


def test_okta_directory_answers_group_patch_with_200_and_the_group() -> None:
    """A group PATCH to an okta directory answers 200 with the group, like the generic profile."""
    directory = DirectoryClient("okta")
    gid, uid = group_with_user(directory)
    status, body = directory.patch(f"/Groups/{gid}", add_member(uid))
    assert status == 200
    assert body["id"] == gid
    assert [m["value"] for m in body["members"]] == [uid]


@pytest.mark.parametrize("provider", ["onelogin", "jumpcloud", "google"])
def test_other_profiles_answer_group_patch_with_200(provider: str) -> None:
    """OneLogin, JumpCloud and Google directories answer a group PATCH with 200 and the group."""
    directory = DirectoryClient(provider)
    gid, uid = group_with_user(directory)
    status, body = directory.patch(f"/Groups/{gid}", add_member(uid))
    assert status == 200
    assert [m["value"] for m in body["members"]] == [uid]


def test_group_patch_body_honours_excluded_attributes() -> None:
    """The 200 answer of the generic profile leaves out what excludedAttributes names."""
    directory = DirectoryClient("generic")
    gid, uid = group_with_user(directory)
    status, body = directory.patch(f"/Groups/{gid}", add_member(uid), query="excludedAttributes=members")
    assert status == 200
    assert body["displayName"] == "Engineering"
    assert "members" not in body


def test_group_patch_body_honours_attributes() -> None:
    """The 200 answer of the generic profile carries only what attributes names (plus id)."""
    directory = DirectoryClient("generic")
    gid, uid = group_with_user(directory)
    status, body = directory.patch(f"/Groups/{gid}", RENAME, query="attributes=displayName")
    assert status == 200
    assert body["displayName"] == "Platform"
    assert "members" not in body and "meta" not in body


def test_entra_directory_still_answers_a_request_for_attributes() -> None:
    """An entra group PATCH that asks for attributes gets 200 with them rather than 204."""
    directory = DirectoryClient("entra")
    gid, _ = group_with_user(directory)
    status, body = directory.patch(f"/Groups/{gid}", RENAME, query="attributes=displayName")
    assert status == 200
    assert body["displayName"] == "Platform"


def test_entra_directory_answers_user_patch_with_200_and_the_user() -> None:
    """The entra profile changes group PATCH only: a user PATCH still answers 200 with the user."""
    directory = DirectoryClient("entra")
    user = directory.create("/Users", entra.TUTORIAL_CREATE_USER)
    status, body = directory.patch(f"/Users/{user['id']}", entra.DISABLE_WITHOUT_FLAG)
    assert status == 200
    assert body["active"] is False


def test_default_directory_is_generic() -> None:
    """Without a stored directory the service answers a group PATCH as the generic profile: 200 with the group."""
    directory = DirectoryClient(None)
    gid, uid = group_with_user(directory)
    assert directory.patch(f"/Groups/{gid}", add_member(uid))[0] == 200


def test_service_config_provider_sets_the_default_directorys_profile() -> None:
    """ServiceConfig(provider="entra") makes the default directory answer a group PATCH with 204."""
    directory = DirectoryClient(None, provider="entra")
    gid, uid = group_with_user(directory)
    assert directory.patch(f"/Groups/{gid}", add_member(uid))[0] == 204


def test_a_stored_directory_wins_over_the_configured_provider() -> None:
    """A directory the store knows uses its own provider, whatever ServiceConfig.provider says."""
    directory = DirectoryClient("okta", provider="entra")
    gid, uid = group_with_user(directory)
    assert directory.patch(f"/Groups/{gid}", add_member(uid))[0] == 200


def test_group_patch_returns_body_false_still_forces_204() -> None:
    """ServiceConfig(group_patch_returns_body=False) answers 204 even for a profile that prefers a body."""
    directory = DirectoryClient("okta", group_patch_returns_body=False)
    gid, uid = group_with_user(directory)
    assert directory.patch(f"/Groups/{gid}", add_member(uid))[0] == 204


def test_unknown_provider_falls_back_to_generic() -> None:
    """A provider name no profile has (an old or hand-edited directory) gets the generic profile, not an error."""
    assert profile("an-idp-from-the-future") is PROFILES[GENERIC]
    assert profile(None) is PROFILES[GENERIC]
    assert for_record(object(), "entra") is PROFILES["entra"]


def test_there_is_one_profile_per_directory_provider() -> None:
    """Every provider a directory can be labelled with has a profile, and no profile lacks a provider."""
    assert set(PROFILES) == set(PROVIDERS)


# -- no profile refuses another identity provider's traffic ------------------------------------------------
def replay_entra(directory: DirectoryClient) -> None:
    """Entra's documented payloads, with and without the flag, each checked by GET afterwards."""
    user = directory.create("/Users", entra.WALKTHROUGH_CREATE_USER)
    boss = directory.create("/Users", entra.TUTORIAL_CREATE_USER)
    path = f"/Users/{user['id']}"
    for operations, query in [
        (entra.DISABLE_WITHOUT_FLAG, ""),
        (entra.UPDATE_WITHOUT_FLAG, ""),
        (entra.UPDATE_WITH_FLAG, entra.FLAG),
        (entra.ROLE_OPS, ""),
        (entra.swap(entra.MANAGER_SHORT_PATH_ARRAY, {entra.MANAGER_ID: boss["id"]}), entra.FLAG),
    ]:
        status, body = directory.patch(path, operations, query)
        assert status in (200, 204), body
    stored = directory.get(path)
    assert stored["active"] is False
    assert stored["displayName"] == "Bjfe"
    assert stored["name"]["givenName"] == "Kkom"
    assert stored[ENTERPRISE]["employeeNumber"] == "Aklq"
    assert stored[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert stored["roles"][0]["primary"] is True
    group = directory.create("/Groups", entra.TUTORIAL_CREATE_GROUP)
    gpath = f"/Groups/{group['id']}"
    ids = {"f648f8d5ea4e4cd38e9c": user["id"], "u1091": user["id"]}
    assert directory.patch(gpath, entra.swap(entra.TUTORIAL_ADD_MEMBER, ids))[0] in (200, 204)
    assert [m["value"] for m in directory.get(gpath)["members"]] == [user["id"]]
    assert directory.patch(gpath, entra.swap(entra.REMOVE_MEMBER_WITHOUT_FLAG, ids))[0] in (200, 204)
    assert not directory.get(gpath).get("members")


def replay_okta(directory: DirectoryClient) -> None:
    """Okta's documented payloads, each checked by GET afterwards."""
    user = directory.create("/Users", okta.CREATE_USER)
    other = directory.create("/Users", {**okta.CREATE_USER, "userName": "other@okta.local", "externalId": "x"})
    path = f"/Users/{user['id']}"
    assert directory.patch(path, okta.DEACTIVATE)[0] in (200, 204)
    assert directory.get(path)["active"] is False
    group = directory.create("/Groups", okta.CREATE_GROUP)
    gid = group["id"]
    ids = {
        "abf4dd94-a4c0-4f67-89c9-76b03340cb9b": gid,
        "89bb1940-b905-4575-9e7f-6f887cfb368e": user["id"],
        "23a35c27-23d3-4c03-b4c5-6443c09e7173": other["id"],
        "1baf6a44-70e0-44ef-a043-3a546116799f": user["id"],
    }
    for operations in (okta.RENAME_GROUP, okta.ADD_MEMBER, okta.REMOVE_AND_ADD_MEMBERS, okta.REPLACE_MEMBERS):
        status, body = directory.patch(f"/Groups/{gid}", okta.swap(operations, ids))
        assert status in (200, 204), body
    stored = directory.get(f"/Groups/{gid}")
    assert stored["displayName"] == "Test SCIM2"
    assert [m["value"] for m in stored["members"]] == [other["id"]]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_profile_accepts_entra_traffic(provider: str) -> None:
    """Entra's payloads (with and without aadOptscim062020) succeed and are stored alike on every profile."""
    replay_entra(DirectoryClient(provider))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_profile_accepts_okta_traffic(provider: str) -> None:
    """Okta's payloads (path-less deactivate, rename with its own id, member changes) succeed on every profile."""
    replay_okta(DirectoryClient(provider))


def test_a_group_patch_reads_the_directory_once() -> None:
    """The profile and the events of one member PATCH share a single read of the directory record."""
    directory = DirectoryClient("entra")
    gid, uid = group_with_user(directory)
    reads: list[str] = []
    original = directory.store.get_directory

    def counting(directory_id: str) -> Any:
        reads.append(directory_id)
        return original(directory_id)

    directory.store.get_directory = counting  # type: ignore[method-assign]
    assert directory.patch(f"/Groups/{gid}", add_member(uid))[0] == 204
    assert reads == [directory.id]
