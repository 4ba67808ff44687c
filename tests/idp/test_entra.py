"""Microsoft Entra ID traffic replayed through the service: literal payloads from Microsoft's documentation.

Sources (see ../shared/idp-traffic.md): the SCIM endpoint tutorial ("Develop and plan provisioning for a SCIM
endpoint"), the older provisioning walkthrough (the ``jyoung`` example with nulls and the misspelt enterprise
URN), the "Known issues and resolutions with SCIM 2.0 protocol compliance" page (the four shapes that
``aadOptscim062020`` changes) and Microsoft's reference SCIM server and Postman collection.  Resource ids in
the payloads are Microsoft's; :func:`swap` puts the ids this server assigned in their place.  The payloads
are imported from the catalogue, :mod:`scimcore.check.payloads.entra`, the one copy that ``scimcore check``
replays too.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from scimcore import MemoryStore, ScimRequest, ScimService
from scimcore.check.payloads.entra import (
    DISABLE_WITH_FLAG,
    DISABLE_WITHOUT_FLAG,
    MANAGER_BARE_STRING,
    MANAGER_CLEARED,
    MANAGER_ID,
    MANAGER_OBJECT,
    MANAGER_REMOVED,
    MANAGER_SHORT_PATH_ARRAY,
    NICKNAME_WITH_FLAG,
    NICKNAME_WITHOUT_FLAG,
    REMOVE_MEMBER_WITH_FLAG,
    REMOVE_MEMBER_WITHOUT_FLAG,
    ROLE_OPS,
    TUTORIAL_ADD_MEMBER,
    TUTORIAL_CREATE_GROUP,
    TUTORIAL_CREATE_USER,
    TUTORIAL_REMOVE_MEMBER,
    TUTORIAL_UPDATE_GROUP_NAME,
    TUTORIAL_UPDATE_MULTI_VALUED,
    TUTORIAL_UPDATE_SINGLE_VALUED,
    UPDATE_WITH_FLAG,
    UPDATE_WITHOUT_FLAG,
    WALKTHROUGH_CREATE_USER,
)
from scimcore.schema.registry import SchemaRegistry

if TYPE_CHECKING:
    from tests.conftest import Client

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
FLAG = "aadOptscim062020"

CUSTOM_EXTENSION = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"


# -- helpers ------------------------------------------------------------------------------------------------
def swap(payload: Any, ids: dict[str, str]) -> Any:
    """``payload`` with Microsoft's example ids replaced by the ids this server assigned."""
    text = json.dumps(payload)
    for theirs, ours in ids.items():
        text = text.replace(theirs, ours)
    return json.loads(text)


def filter_query(expression: str, *, before: str = "", after: str = "") -> str:
    """A percent-encoded ``filter=`` query with optional raw parameters before and after it."""
    parts = [before, "filter=" + quote(expression, safe=""), after]
    return "&".join(p for p in parts if p)


def flag_query(with_flag: bool) -> str:
    return FLAG if with_flag else ""


def enterprise(doc: dict[str, Any]) -> dict[str, Any]:
    return doc.get(ENTERPRISE) or {}


def patched(client: Client, path: str, operations: list[dict[str, Any]], query: str = "") -> dict[str, Any]:
    """PATCH, check the status a user or group PATCH may answer with, and GET the resource afterwards."""
    result = client.patch(path, operations, query=query)
    assert result.status in (200, 204), result.json
    fetched = client.get(path)
    assert fetched.status == 200, fetched.json
    return fetched.json  # type: ignore[no-any-return]


def member_ids(group: dict[str, Any]) -> list[str]:
    return [m["value"] for m in group.get("members") or []]


# -- creating resources -------------------------------------------------------------------------------------
def test_create_user_from_the_tutorial(client: Client) -> None:
    """The tutorial's create-user body is stored and answered with 201, the work e-mail primary."""
    result = client.post("/Users", TUTORIAL_CREATE_USER)
    assert result.status == 201, result.json
    body = result.json
    assert body["userName"] == "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
    assert body["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    assert body["active"] is True
    assert body["emails"] == TUTORIAL_CREATE_USER["emails"]
    assert body["name"] == TUTORIAL_CREATE_USER["name"]
    assert "roles" not in body
    assert result.header("Location") == f"https://scim.example.com/scim/v2/Users/{body['id']}"
    assert result.header("Content-Type") == "application/scim+json"


def test_create_user_from_the_walkthrough_with_nulls_and_a_misspelt_urn(client: Client) -> None:
    """The walkthrough body with nulls and 'enterprise:2.0User' is accepted; nulls are absent attributes."""
    result = client.post("/Users", WALKTHROUGH_CREATE_USER)
    assert result.status == 201, result.json
    body = result.json
    for absent in ("addresses", "phoneNumbers", "preferredLanguage", "title", ENTERPRISE):
        assert absent not in body
    assert body["displayName"] == "Joy Young"
    assert body["emails"] == [{"type": "work", "value": "jyoung@Contoso.com", "primary": True}]
    assert body["schemas"] == [USER_SCHEMA]


def test_create_group_with_the_adscim_schema_uri(client: Client) -> None:
    """A group listing Microsoft's undeclared ADSCIM schema URI is created; the response lists only the core schema."""
    result = client.post("/Groups", TUTORIAL_CREATE_GROUP)
    assert result.status == 201, result.json
    assert result.json["schemas"] == [GROUP_SCHEMA]
    assert result.json["displayName"] == "displayName"
    assert result.json["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"


def test_user_principal_name_with_a_local_domain_is_accepted(client: Client) -> None:
    """userName and e-mail on a non-public domain (user@corp.local) are stored as given."""
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "alex.wilber@corp.local",
        "emails": [{"type": "work", "value": "alex.wilber@corp.local", "primary": True}],
    }
    result = client.post("/Users", body)
    assert result.status == 201, result.json
    assert result.json["emails"][0]["value"] == "alex.wilber@corp.local"
    found = client.get("/Users", query=filter_query('userName eq "alex.wilber@corp.local"'))
    assert found.json["totalResults"] == 1


def test_string_booleans_on_create_are_stored_as_booleans(client: Client) -> None:
    """The strings "True"/"False" from Entra's Switch() mapping are stored and returned as JSON booleans."""
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "adele@contoso.com",
        "active": "False",
        "emails": [{"type": "work", "value": "adele@contoso.com", "primary": "True"}],
    }
    result = client.post("/Users", body)
    assert result.status == 201, result.json
    assert result.json["active"] is False
    assert result.json["emails"][0]["primary"] is True


def test_duplicate_user_is_409_uniqueness(client: Client) -> None:
    """Creating the tutorial user twice answers 409 with scimType uniqueness (Entra validator)."""
    assert client.post("/Users", TUTORIAL_CREATE_USER).status == 201
    again = client.post("/Users", TUTORIAL_CREATE_USER)
    assert again.status == 409
    assert again.json["schemas"] == [ERROR]
    assert again.json["status"] == "409"
    assert again.json["scimType"] == "uniqueness"


def test_duplicate_group_is_409_uniqueness(client: Client) -> None:
    """Creating a group whose displayName exists answers 409 uniqueness (Entra needs unique names)."""
    assert client.post("/Groups", TUTORIAL_CREATE_GROUP).status == 201
    again = client.post("/Groups", {**TUTORIAL_CREATE_GROUP, "externalId": str(uuid.uuid4())})
    assert again.status == 409
    assert again.json["status"] == "409"
    assert again.json["scimType"] == "uniqueness"


# -- queries ------------------------------------------------------------------------------------------------
def test_test_connection_with_a_random_guid_is_an_empty_list(client: Client) -> None:
    """Test Connection's userName filter on a random GUID answers 200 with an empty ListResponse."""
    client.post("/Users", TUTORIAL_CREATE_USER)
    result = client.get("/Users", query=filter_query(f'userName eq "{uuid.uuid4()}"'))
    assert result.status == 200
    assert result.json["schemas"] == [LIST_RESPONSE]
    assert result.json["totalResults"] == 0
    assert result.json.get("Resources", []) == []


@pytest.mark.parametrize(
    "build",
    [
        lambda f: filter_query(f, before=FLAG),
        lambda f: filter_query(f, after=FLAG),
        lambda f: filter_query(f, before=f"{FLAG}="),
        lambda f: filter_query(f, after=f"{FLAG}="),
        lambda f: filter_query(f, before=f"{FLAG}=", after="startIndex=1&count=100"),
    ],
    ids=["bare-first", "bare-last", "with-equals-first", "with-equals-last", "between-others"],
)
def test_the_flag_in_any_position_does_not_change_a_query(client: Client, build: Any) -> None:
    """aadOptscim062020 anywhere in the query, with or without '=', leaves the query's answer unchanged."""
    created = client.post("/Users", TUTORIAL_CREATE_USER).json
    result = client.get("/Users", query=build('userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"'))
    assert result.status == 200, result.json
    assert [r["id"] for r in result.json["Resources"]] == [created["id"]]


@pytest.mark.parametrize("flag", [FLAG, f"{FLAG}="], ids=["bare", "with-equals"])
def test_the_flag_does_not_break_reads_and_writes(client: Client, flag: str) -> None:
    """The flag on the query of GET, POST, PATCH and DELETE requests is ignored by routing."""
    created = client.post("/Users", TUTORIAL_CREATE_USER, query=flag)
    assert created.status == 201, created.json
    path = f"/Users/{created.json['id']}"
    assert client.get(path, query=flag).status == 200
    assert client.get("/Users", query=flag).json["totalResults"] == 1
    assert client.patch(path, DISABLE_WITH_FLAG, query=flag).status in (200, 204)
    assert client.delete(path, query=flag).status == 204


def test_user_name_match_is_case_insensitive(client: Client) -> None:
    """The validator looks a user up with userName in another case and expects the hit."""
    created = client.post("/Users", TUTORIAL_CREATE_USER).json
    result = client.get("/Users", query=filter_query('userName eq "TEST_USER_AB6490EE-1E48-479E-A20B-2D77186B5DD1"'))
    assert [r["id"] for r in result.json["Resources"]] == [created["id"]]


def test_group_lookup_by_display_name_without_members(client: Client) -> None:
    """GET /Groups?excludedAttributes=members&filter=displayName eq ... finds the group, in any case."""
    group = client.post("/Groups", TUTORIAL_CREATE_GROUP).json
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    patched(client, f"/Groups/{group['id']}", swap(TUTORIAL_ADD_MEMBER, {"f648f8d5ea4e4cd38e9c": user["id"]}))
    result = client.get(
        "/Groups", query=filter_query('displayName eq "DISPLAYNAME"', before="excludedAttributes=members")
    )
    assert result.status == 200
    assert [r["id"] for r in result.json["Resources"]] == [group["id"]]
    assert "members" not in result.json["Resources"][0]


def test_lookup_by_work_email_filter(client: Client) -> None:
    """The matching filter emails[type eq "work"].value eq "x" finds the user."""
    created = client.post("/Users", WALKTHROUGH_CREATE_USER).json
    result = client.get("/Users", query=filter_query('emails[type eq "work"].value eq "jyoung@contoso.com"'))
    assert [r["id"] for r in result.json["Resources"]] == [created["id"]]


def test_paging_echoes_start_index(client: Client) -> None:
    """Paging over eleven users with startIndex and count=5 returns five and echoes startIndex (validator)."""
    for n in range(11):
        client.create_user(f"pager{n:02d}@contoso.com")
    result = client.get("/Users", query="startIndex=6&count=5")
    assert result.status == 200
    assert result.json["startIndex"] == 6
    assert result.json["itemsPerPage"] == 5
    assert result.json["totalResults"] == 11
    assert len(result.json["Resources"]) == 5


# -- user PATCH: the four flag-dependent shapes -------------------------------------------------------------
@pytest.mark.parametrize(
    ("operations", "with_flag"),
    [(DISABLE_WITHOUT_FLAG, False), (DISABLE_WITH_FLAG, True)],
    ids=["without-flag", "with-flag"],
)
def test_disable_user(client: Client, operations: list[dict[str, Any]], with_flag: bool) -> None:
    """Replace active "False" (without the flag) and replace active false (with it) both disable the user."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    after = patched(client, f"/Users/{user['id']}", operations, flag_query(with_flag))
    assert after["active"] is False


@pytest.mark.parametrize(
    ("operations", "with_flag"),
    [(NICKNAME_WITHOUT_FLAG, False), (NICKNAME_WITH_FLAG, True)],
    ids=["without-flag", "with-flag"],
)
def test_add_nickname(client: Client, operations: list[dict[str, Any]], with_flag: bool) -> None:
    """'Add' and 'add' of nickName both set it."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    assert patched(client, f"/Users/{user['id']}", operations, flag_query(with_flag))["nickName"] == "Babs"


def test_multi_attribute_update_without_the_flag(client: Client) -> None:
    """Six capitalised Replace ops (core, filtered, sub-attribute, enterprise URN) all apply."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    after = patched(client, f"/Users/{user['id']}", UPDATE_WITHOUT_FLAG)
    assert after["displayName"] == "Pvlo"
    assert after["emails"] == [{"primary": True, "type": "work", "value": "TestBcwqnm@test.microsoft.com"}]
    assert after["name"] == {"formatted": "givenName familyName", "familyName": "Pkqf", "givenName": "Gtfd"}
    assert after["externalId"] == "Eqpj"
    assert enterprise(after) == {"employeeNumber": "Eqpj"}
    assert ENTERPRISE in after["schemas"]


def test_multi_attribute_update_with_the_flag(client: Client) -> None:
    """A path-less replace whose keys are paths stores them nested, never as literal keys."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    after = patched(client, f"/Users/{user['id']}", UPDATE_WITH_FLAG, FLAG)
    assert after["displayName"] == "Bjfe"
    assert after["emails"] == [{"primary": True, "type": "work", "value": "TestMhvaes@test.microsoft.com"}]
    assert after["name"] == {"formatted": "givenName familyName", "familyName": "Unua", "givenName": "Kkom"}
    assert enterprise(after) == {"employeeNumber": "Aklq"}
    for literal in ("name.givenName", "name.familyName", f"{ENTERPRISE}:employeeNumber"):
        assert literal not in after
        assert literal not in enterprise(after)


@pytest.mark.parametrize("operations", [UPDATE_WITHOUT_FLAG, UPDATE_WITH_FLAG], ids=["without-flag", "with-flag"])
def test_work_email_update_creates_the_email_when_missing(client: Client, operations: list[dict[str, Any]]) -> None:
    """emails[type eq "work"].value on a user without e-mails creates the work e-mail."""
    user = client.create_user("no.mail@contoso.com")
    after = patched(client, f"/Users/{user['id']}", operations)
    assert [(e["type"], e["value"].endswith("@test.microsoft.com")) for e in after["emails"]] == [("work", True)]


def test_tutorial_update_of_multi_valued_properties(client: Client) -> None:
    """The tutorial's filtered e-mail and name.familyName replaces change just those values."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    after = patched(client, f"/Users/{user['id']}", TUTORIAL_UPDATE_MULTI_VALUED)
    assert after["emails"] == [{"primary": True, "type": "work", "value": "updatedEmail@microsoft.com"}]
    assert after["name"]["familyName"] == "updatedFamilyName"
    assert after["name"]["givenName"] == "givenName"


def test_tutorial_update_of_the_user_name(client: Client) -> None:
    """The tutorial's Replace userName renames the user, found afterwards by its new name."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    after = patched(client, f"/Users/{user['id']}", TUTORIAL_UPDATE_SINGLE_VALUED)
    assert after["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    found = client.get("/Users", query=filter_query('userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"'))
    assert found.json["totalResults"] == 1


def test_pathless_user_name_replace(client: Client) -> None:
    """{"op":"replace","value":{"userName":...}} renames the user (Entra validator)."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    after = patched(client, f"/Users/{user['id']}", [{"op": "replace", "value": {"userName": "renamed@contoso.com"}}])
    assert after["userName"] == "renamed@contoso.com"


def test_re_enable_user_with_string_true(client: Client) -> None:
    """Replace active "True" re-enables a disabled user with a boolean true."""
    user = client.post("/Users", {**TUTORIAL_CREATE_USER, "active": False}).json
    after = patched(client, f"/Users/{user['id']}", [{"op": "Replace", "path": "active", "value": "True"}])
    assert after["active"] is True


@pytest.mark.parametrize(
    ("path", "value", "attribute", "expected"),
    [
        (
            'phoneNumbers[type eq "mobile"].value',
            "+1 425 555 0100",
            "phoneNumbers",
            {"type": "mobile", "value": "+1 425 555 0100"},
        ),
        (
            'phoneNumbers[type eq "fax"].value',
            "+1 425 555 0199",
            "phoneNumbers",
            {"type": "fax", "value": "+1 425 555 0199"},
        ),
        ('addresses[type eq "work"].locality', "Redmond", "addresses", {"type": "work", "locality": "Redmond"}),
        ('addresses[type eq "work"].country', "US", "addresses", {"type": "work", "country": "US"}),
    ],
)
def test_default_mapping_filtered_paths_create_entries(
    client: Client, path: str, value: str, attribute: str, expected: dict[str, Any]
) -> None:
    """Filtered paths of the default attribute mapping create their entry when none exists."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    after = patched(client, f"/Users/{user['id']}", [{"op": "Add", "path": path, "value": value}])
    assert after[attribute] == [expected]


def test_primary_role_built_from_three_ops(client: Client) -> None:
    """roles[primary eq "True"].display|value|type in one PATCH build ONE primary role."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    after = patched(client, f"/Users/{user['id']}", ROLE_OPS)
    assert after["roles"] == [
        {
            "primary": True,
            "display": "Global Administrator",
            "value": "62e90394-69f5-4237-9190-012177145e10",
            "type": "WindowsAzureActiveDirectoryRole",
        }
    ]


def test_several_ops_on_one_attribute_apply_in_order(client: Client) -> None:
    """Several replaces of one attribute in one request apply in order: the last wins (validator)."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    operations = [{"op": "Replace", "path": "displayName", "value": v} for v in ("First", "Second", "Third")]
    assert patched(client, f"/Users/{user['id']}", operations)["displayName"] == "Third"


# -- manager ------------------------------------------------------------------------------------------------
@pytest.fixture
def boss_and_employee(client: Client) -> tuple[str, str]:
    boss = client.create_user("boss@contoso.com")
    employee = client.post("/Users", TUTORIAL_CREATE_USER).json
    return boss["id"], employee["id"]


@pytest.mark.parametrize(
    "operations",
    [MANAGER_BARE_STRING, MANAGER_OBJECT, MANAGER_SHORT_PATH_ARRAY],
    ids=["bare-string", "object", "short-path-array"],
)
def test_manager_is_returned_as_a_value_object(
    client: Client, boss_and_employee: tuple[str, str], operations: list[dict[str, Any]]
) -> None:
    """Every manager form Entra sends comes back as {"value": id} inside the enterprise extension."""
    boss, employee = boss_and_employee
    after = patched(client, f"/Users/{employee}", swap(operations, {MANAGER_ID: boss}))
    manager = enterprise(after)["manager"]
    assert isinstance(manager, dict)
    assert manager["value"] == boss
    assert ENTERPRISE in after["schemas"]
    assert "manager" not in after


@pytest.mark.parametrize("operations", [MANAGER_OBJECT, MANAGER_BARE_STRING], ids=["object", "bare-string"])
def test_manager_write_answers_with_the_value_object(
    client: Client, boss_and_employee: tuple[str, str], operations: list[dict[str, Any]]
) -> None:
    """The PATCH response itself carries the manager as {"value": id}."""
    boss, employee = boss_and_employee
    result = client.patch(f"/Users/{employee}", swap(operations, {MANAGER_ID: boss}))
    assert result.status == 200
    assert result.json[ENTERPRISE]["manager"] == {"value": boss}


@pytest.mark.parametrize("removal", [MANAGER_CLEARED, MANAGER_REMOVED], ids=["empty-value", "remove"])
@pytest.mark.parametrize("added_with", [MANAGER_OBJECT, MANAGER_SHORT_PATH_ARRAY], ids=["object", "with-ref"])
def test_manager_removal(
    client: Client,
    boss_and_employee: tuple[str, str],
    added_with: list[dict[str, Any]],
    removal: list[dict[str, Any]],
) -> None:
    """replace with {"value": ""} and remove both take the manager away, leaving no empty extension."""
    boss, employee = boss_and_employee
    patched(client, f"/Users/{employee}", swap(added_with, {MANAGER_ID: boss}))
    after = patched(client, f"/Users/{employee}", removal)
    assert ENTERPRISE not in after
    assert after["schemas"] == [USER_SCHEMA]


def test_changing_the_manager_keeps_no_stale_ref(client: Client, boss_and_employee: tuple[str, str]) -> None:
    """A new manager given as {"value": id} does not keep the $ref of the previous manager."""
    boss, employee = boss_and_employee
    other = client.create_user("other.boss@contoso.com")["id"]
    patched(client, f"/Users/{employee}", swap(MANAGER_SHORT_PATH_ARRAY, {MANAGER_ID: boss}))
    after = patched(client, f"/Users/{employee}", swap(MANAGER_OBJECT, {MANAGER_ID: other}))
    assert enterprise(after)["manager"] == {"value": other}


def test_manager_reference_check_filter(client: Client, boss_and_employee: tuple[str, str]) -> None:
    """Entra's check 'id eq <user> and manager eq <manager>' with attributes=id finds the user."""
    boss, employee = boss_and_employee
    patched(client, f"/Users/{employee}", swap(MANAGER_BARE_STRING, {MANAGER_ID: boss}))
    result = client.get(
        "/Users", query=filter_query(f'id eq "{employee}" and manager eq "{boss}"', after="attributes=id")
    )
    assert result.status == 200
    assert [r["id"] for r in result.json["Resources"]] == [employee]
    assert "userName" not in result.json["Resources"][0]


# -- group membership ---------------------------------------------------------------------------------------
@pytest.fixture
def group_and_users(client: Client) -> tuple[str, list[str]]:
    group = client.post("/Groups", TUTORIAL_CREATE_GROUP).json
    users = [client.create_user(f"member{n}@contoso.com")["id"] for n in range(3)]
    return group["id"], users


def test_tutorial_member_add_with_null_ref(client: Client, group_and_users: tuple[str, list[str]]) -> None:
    """Add members with "$ref": null adds the member."""
    gid, users = group_and_users
    after = patched(client, f"/Groups/{gid}", swap(TUTORIAL_ADD_MEMBER, {"f648f8d5ea4e4cd38e9c": users[0]}))
    assert member_ids(after) == [users[0]]


def test_several_members_in_one_add(client: Client, group_and_users: tuple[str, list[str]]) -> None:
    """One Add op carrying several members adds them all."""
    gid, users = group_and_users
    operations = [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": u} for u in users]}]
    assert member_ids(patched(client, f"/Groups/{gid}", operations)) == users


def test_member_add_is_idempotent(client: Client, group_and_users: tuple[str, list[str]]) -> None:
    """Adding a member that is already there keeps one membership."""
    gid, users = group_and_users
    operations = swap(TUTORIAL_ADD_MEMBER, {"f648f8d5ea4e4cd38e9c": users[0]})
    patched(client, f"/Groups/{gid}", operations)
    assert member_ids(patched(client, f"/Groups/{gid}", operations)) == [users[0]]


@pytest.mark.parametrize(
    ("operations", "placeholder", "with_flag"),
    [
        (REMOVE_MEMBER_WITHOUT_FLAG, "u1091", False),
        (TUTORIAL_REMOVE_MEMBER, "f648f8d5ea4e4cd38e9c", False),
        (REMOVE_MEMBER_WITH_FLAG, "7f4bc1a3-285e-48ae-8202-5accb43efb0e", True),
    ],
    ids=["without-flag", "tutorial-null-ref", "with-flag"],
)
def test_member_removal(
    client: Client,
    group_and_users: tuple[str, list[str]],
    operations: list[dict[str, Any]],
    placeholder: str,
    with_flag: bool,
) -> None:
    """Remove with a value list and remove by members[value eq ...] each remove just that member."""
    gid, users = group_and_users
    patched(client, f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"value": u} for u in users]}])
    after = patched(client, f"/Groups/{gid}", swap(operations, {placeholder: users[1]}), flag_query(with_flag))
    assert member_ids(after) == [users[0], users[2]]
    assert [g["value"] for g in client.get(f"/Users/{users[1]}").json.get("groups", [])] == []


def test_members_replace_sets_the_whole_list(client: Client, group_and_users: tuple[str, list[str]]) -> None:
    """replace members with a list makes exactly those the members."""
    gid, users = group_and_users
    patched(client, f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"value": users[0]}]}])
    operations = [{"op": "replace", "path": "members", "value": [{"value": users[1]}, {"value": users[2]}]}]
    assert member_ids(patched(client, f"/Groups/{gid}", operations)) == [users[1], users[2]]


@pytest.mark.parametrize("shape", ["string", "list-of-strings"])
def test_member_value_as_a_plain_string(client: Client, group_and_users: tuple[str, list[str]], shape: str) -> None:
    """A member given as a plain id string (Microsoft's Postman collection) is added."""
    gid, users = group_and_users
    value: Any = users[0] if shape == "string" else [users[0]]
    after = patched(client, f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": value}])
    assert member_ids(after) == [users[0]]


def test_add_and_remove_of_the_same_member_in_one_request(
    client: Client, group_and_users: tuple[str, list[str]]
) -> None:
    """Add then remove of one member in a single PATCH leaves it out (validator)."""
    gid, users = group_and_users
    operations = [
        {
            "op": "Add",
            "path": "members",
            "value": [{"$ref": None, "value": users[0]}, {"$ref": None, "value": users[1]}],
        },
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": users[0]}]},
    ]
    assert member_ids(patched(client, f"/Groups/{gid}", operations)) == [users[1]]


def test_group_rename(client: Client, group_and_users: tuple[str, list[str]]) -> None:
    """The tutorial's Replace displayName renames the group."""
    gid, _ = group_and_users
    after = patched(client, f"/Groups/{gid}", TUTORIAL_UPDATE_GROUP_NAME)
    assert after["displayName"] == "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"


def test_members_show_up_in_the_users_groups(client: Client, group_and_users: tuple[str, list[str]]) -> None:
    """A member added by PATCH lists the group in its read-only groups attribute."""
    gid, users = group_and_users
    patched(client, f"/Groups/{gid}", swap(TUTORIAL_ADD_MEMBER, {"f648f8d5ea4e4cd38e9c": users[0]}))
    groups = client.get(f"/Users/{users[0]}").json["groups"]
    assert [(g["value"], g["display"]) for g in groups] == [(gid, "displayName")]


# -- deletes and errors -------------------------------------------------------------------------------------
def test_delete_twice_is_204_then_404(client: Client) -> None:
    """Deleting a user answers 204, deleting it again 404 with a SCIM error (validator)."""
    user = client.post("/Users", TUTORIAL_CREATE_USER).json
    assert client.delete(f"/Users/{user['id']}").status == 204
    again = client.delete(f"/Users/{user['id']}")
    assert again.status == 404
    assert again.json["status"] == "404"
    assert again.header("Content-Type") == "application/scim+json"


# -- custom extension attributes ----------------------------------------------------------------------------
def _custom_service() -> ScimService:
    registry = SchemaRegistry.default()
    registry.register_schema(
        {
            "id": CUSTOM_EXTENSION,
            "name": "CustomExtensionName",
            "description": "A customer-defined extension.",
            "attributes": [
                {
                    "name": "CustomAttribute",
                    "type": "string",
                    "multiValued": False,
                    "required": False,
                    "caseExact": False,
                    "mutability": "readWrite",
                    "returned": "default",
                    "uniqueness": "none",
                }
            ],
        }
    )
    registry.add_extension("User", CUSTOM_EXTENSION)
    return ScimService(MemoryStore(), registry=registry, anonymous=True)


def _call(service: ScimService, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    payload = json.dumps(body).encode() if body is not None else b""
    headers = {"content-type": "application/scim+json"}
    response = service.handle(ScimRequest(method, path, "", headers, payload, "https://scim.example.com/scim/v2"))
    return response.status, json.loads(response.body) if response.body else None


def test_custom_extension_attribute_without_its_urn_in_schemas() -> None:
    """A declared custom extension attribute sent URN-qualified, its URN absent from schemas, is stored nested."""
    service = _custom_service()
    body = {**TUTORIAL_CREATE_USER, f"{CUSTOM_EXTENSION}:CustomAttribute": "Contoso"}
    status, created = _call(service, "POST", "/Users", body)
    assert status == 201, created
    assert created[CUSTOM_EXTENSION] == {"CustomAttribute": "Contoso"}
    assert CUSTOM_EXTENSION in created["schemas"]
    operations = [{"op": "Add", "path": f"{CUSTOM_EXTENSION}:CustomAttribute", "value": "Fabrikam"}]
    status, after = _call(
        service, "PATCH", f"/Users/{created['id']}", {"schemas": [PATCH_OP], "Operations": operations}
    )
    assert status == 200, after
    assert after[CUSTOM_EXTENSION] == {"CustomAttribute": "Fabrikam"}


def test_undeclared_custom_extension_attribute_is_ignored(client: Client) -> None:
    """An attribute of an extension the server does not declare is ignored on create and path-less PATCH."""
    body = {**TUTORIAL_CREATE_USER, f"{CUSTOM_EXTENSION}:CustomAttribute": "Contoso"}
    created = client.post("/Users", body)
    assert created.status == 201, created.json
    assert CUSTOM_EXTENSION not in created.json
    operations = [{"op": "replace", "value": {f"{CUSTOM_EXTENSION}:CustomAttribute": "Fabrikam", "title": "Lead"}}]
    after = patched(client, f"/Users/{created.json['id']}", operations)
    assert after["title"] == "Lead"
    assert CUSTOM_EXTENSION not in after
