"""Discovery (RFC 7644 §4, RFC 7643 §5-§7): what the service says about itself agrees with what it does."""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.discovery import Capabilities, service_provider_config
from tests.conftest import BASE_URL, ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, Client, make_service
from tests.custom_schemas import ACME, DEVICE, UNUSED, custom_service

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def _by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == body["itemsPerPage"] == len(body["Resources"])
    return {r["id"]: r for r in body["Resources"]}


# -- ServiceProviderConfig -------------------------------------------------------------------------


def test_service_provider_config_advertises_features(client: Client) -> None:
    """patch, filter (with maxResults), sort, etag and bulk (with its limits) are supported."""
    body = client.get("/ServiceProviderConfig").json
    assert body["schemas"] == [SPC]
    assert body["patch"] == {"supported": True}
    assert body["filter"]["supported"] is True
    assert body["filter"]["maxResults"] == 1000
    assert body["sort"] == {"supported": True}
    assert body["etag"] == {"supported": True}
    assert body["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1024 * 1024}


def test_service_provider_config_names_bearer_authentication(client: Client) -> None:
    """The only authentication scheme advertised is an OAuth bearer token."""
    schemes = client.get("/ServiceProviderConfig").json["authenticationSchemes"]
    assert [s["type"] for s in schemes] == ["oauthbearertoken"]


def test_service_provider_config_has_meta(client: Client) -> None:
    """The ServiceProviderConfig carries its resourceType and location."""
    meta = client.get("/ServiceProviderConfig").json["meta"]
    assert meta == {"resourceType": "ServiceProviderConfig", "location": f"{BASE_URL}/ServiceProviderConfig"}


def test_max_results_follows_the_configuration() -> None:
    """filter.maxResults is the configured max_page_size, which is also what a page holds at most."""
    client = Client(make_service(max_page_size=3, documentation_uri="https://docs.example/scim"))
    body = client.get("/ServiceProviderConfig").json
    assert body["filter"]["maxResults"] == 3
    assert body["documentationUri"] == "https://docs.example/scim"
    for name in ("a", "b", "c", "d"):
        client.create_user(name)
    assert client.get("/Users", query="count=10").json["itemsPerPage"] == 3


def test_cursor_pagination_is_advertised_only_when_on() -> None:
    """The pagination block (RFC 9865) appears only when cursor paging is enabled."""
    assert "pagination" not in service_provider_config(Capabilities(), BASE_URL)
    doc = service_provider_config(Capabilities(cursor_paging=True, max_results=50), BASE_URL)
    assert doc["pagination"]["cursor"] is True
    assert doc["pagination"]["maxPageSize"] == 50


def test_bulk_is_advertised_only_with_limits() -> None:
    """Capabilities without bulk limits advertise bulk unsupported; with them, the limits (RFC 7644 §3.7.4)."""
    assert service_provider_config(Capabilities(), BASE_URL)["bulk"]["supported"] is False
    doc = service_provider_config(Capabilities(bulk_max_operations=5, bulk_max_payload_bytes=100), BASE_URL)
    assert doc["bulk"] == {"supported": True, "maxOperations": 5, "maxPayloadSize": 100}


# -- ResourceTypes ---------------------------------------------------------------------------------


def test_resource_types_lists_user_and_group(client: Client) -> None:
    """/ResourceTypes lists User (with the enterprise extension) and Group."""
    types = _by_id(client.get("/ResourceTypes").json)
    assert set(types) == {"User", "Group"}
    user, group = types["User"], types["Group"]
    assert user["schemas"] == [RESOURCE_TYPE]
    assert (user["name"], user["endpoint"], user["schema"]) == ("User", "/Users", USER_SCHEMA)
    assert user["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert (group["name"], group["endpoint"], group["schema"]) == ("Group", "/Groups", GROUP_SCHEMA)
    assert not group.get("schemaExtensions")
    assert user["meta"] == {"resourceType": "ResourceType", "location": f"{BASE_URL}/ResourceTypes/User"}


def test_one_resource_type_by_id(client: Client) -> None:
    """/ResourceTypes/{id} returns the same document as the list holds."""
    listed = _by_id(client.get("/ResourceTypes").json)
    assert client.get("/ResourceTypes/Group").json == listed["Group"]


def test_unknown_resource_type_is_404(client: Client) -> None:
    """/ResourceTypes/{id} for an unknown type is a 404 SCIM error."""
    result = client.get("/ResourceTypes/Device")
    assert result.status == 404
    assert result.json["status"] == "404"


# -- Schemas ---------------------------------------------------------------------------------------


def test_schemas_lists_the_three_schemas(client: Client) -> None:
    """/Schemas lists the User, Group and enterprise User schemas."""
    schemas = _by_id(client.get("/Schemas").json)
    assert set(schemas) == {USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE}
    for urn, doc in schemas.items():
        assert doc["schemas"] == [SCHEMA]
        assert doc["attributes"]
        assert doc["meta"] == {"resourceType": "Schema", "location": f"{BASE_URL}/Schemas/{urn}"}


@pytest.mark.parametrize("urn", [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE])
def test_one_schema_by_id(client: Client, urn: str) -> None:
    """/Schemas/{urn} returns the schema document the list holds."""
    assert client.get(f"/Schemas/{urn}").json == _by_id(client.get("/Schemas").json)[urn]


def test_unknown_schema_is_404(client: Client) -> None:
    """/Schemas/{urn} for an unknown URN is a 404 SCIM error."""
    assert client.get("/Schemas/urn:example:nope").status == 404


def _attribute(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in schema["attributes"] if a["name"] == name)


def test_schemas_describe_enforced_rules(client: Client) -> None:
    """userName and Group displayName are advertised unique; password writeOnly and never returned."""
    schemas = _by_id(client.get("/Schemas").json)
    assert _attribute(schemas[USER_SCHEMA], "userName")["uniqueness"] == "server"
    assert _attribute(schemas[GROUP_SCHEMA], "displayName")["uniqueness"] == "server"
    password = _attribute(schemas[USER_SCHEMA], "password")
    assert (password["mutability"], password["returned"]) == ("writeOnly", "never")


# -- custom schemas and resource types -------------------------------------------------------------


@pytest.fixture
def custom() -> Client:
    return Client(custom_service())


def test_custom_extension_appears_in_discovery(custom: Client) -> None:
    """A registered extension shows in /Schemas and in the User resource type's schemaExtensions."""
    schemas = _by_id(custom.get("/Schemas").json)
    assert ACME in schemas
    assert {a["name"] for a in schemas[ACME]["attributes"]} == {"badge", "level", "pin"}
    user = custom.get("/ResourceTypes/User").json
    assert {"schema": ACME, "required": False} in user["schemaExtensions"]


def test_schema_used_by_no_resource_type_is_not_listed(custom: Client) -> None:
    """/Schemas lists only schemas some resource type uses."""
    assert UNUSED not in _by_id(custom.get("/Schemas").json)


def test_custom_extension_attributes_are_accepted_on_post(custom: Client) -> None:
    """Attributes of a registered extension are stored and returned; returned:never ones are not."""
    user = custom.create_user("alice", **{ACME: {"badge": "B7", "level": 3, "pin": "1234", "unknown": 1}})
    assert user["schemas"] == [USER_SCHEMA, ACME]
    assert user[ACME] == {"badge": "B7", "level": 3}
    assert custom.get(f"/Users/{user['id']}").json[ACME] == user[ACME]


def test_custom_extension_values_are_type_checked(custom: Client) -> None:
    """A value of the wrong type for an extension attribute is a 400 invalidValue naming it."""
    result = custom.post("/Users", {"schemas": [USER_SCHEMA, ACME], "userName": "a", ACME: {"level": "high"}})
    assert result.status == 400
    assert result.json["scimType"] == "invalidValue"
    assert "level" in result.json["detail"]


@pytest.mark.parametrize(
    ("filter_text", "names"),
    [
        (f'{ACME}:badge eq "B1"', ["alice"]),
        (f"{ACME}:level gt 1", ["bob"]),
        (f"{ACME}:level ge 1", ["alice", "bob"]),
        (f"{ACME}:badge pr", ["alice", "bob"]),
        (f'{ACME}:badge eq "nope"', []),
        ("level lt 2", ["alice"]),
    ],
)
def test_custom_extension_attributes_are_filterable(custom: Client, filter_text: str, names: list[str]) -> None:
    """Filters can name extension attributes, URN-qualified or not."""
    custom.create_user("alice", **{ACME: {"badge": "B1", "level": 1}})
    custom.create_user("bob", **{ACME: {"badge": "B2", "level": 5}})
    custom.create_user("carol")
    result = custom.get("/Users", query=f"sortBy=userName&filter={filter_text}")
    assert result.status == 200, result.json
    assert [r["userName"] for r in result.json["Resources"]] == names


def test_custom_extension_is_sortable(custom: Client) -> None:
    """sortBy can name an extension attribute."""
    custom.create_user("alice", **{ACME: {"level": 9}})
    custom.create_user("bob", **{ACME: {"level": 2}})
    body = custom.get("/Users", query=f"sortBy={ACME}:level").json
    assert [r["userName"] for r in body["Resources"]] == ["bob", "alice"]


def test_custom_resource_type_appears_in_discovery(custom: Client) -> None:
    """A registered resource type is listed in /ResourceTypes and its schema in /Schemas."""
    types = _by_id(custom.get("/ResourceTypes").json)
    assert set(types) == {"User", "Group", "Device"}
    assert (types["Device"]["endpoint"], types["Device"]["schema"]) == ("/Devices", DEVICE)
    assert types["Device"]["description"] == "Managed devices"
    assert DEVICE in _by_id(custom.get("/Schemas").json)


def test_custom_resource_type_gets_its_own_endpoint(custom: Client) -> None:
    """The custom endpoint supports create, read, list with filter, replace, patch and delete."""
    created = custom.post("/Devices", {"schemas": [DEVICE], "serial": "S1", "displayName": "laptop"})
    assert created.status == 201
    device = created.json
    assert device["meta"]["resourceType"] == "Device"
    assert created.header("Location") == f"{BASE_URL}/Devices/{device['id']}"
    assert custom.get(f"/Devices/{device['id']}").json == device
    listed = custom.get("/Devices", query='filter=serial eq "S1"').json
    assert [r["id"] for r in listed["Resources"]] == [device["id"]]
    replaced = custom.put(f"/Devices/{device['id']}", {"schemas": [DEVICE], "serial": "S1", "displayName": "pc"})
    assert replaced.json["displayName"] == "pc"
    patched = custom.patch(f"/Devices/{device['id']}", [{"op": "remove", "path": "displayName"}])
    assert "displayName" not in patched.json
    assert custom.delete(f"/Devices/{device['id']}").status == 204
    assert custom.get(f"/Devices/{device['id']}").status == 404


def test_custom_resource_type_rules_come_from_its_schema(custom: Client) -> None:
    """A required attribute is enforced and a server-unique one refused twice with 409."""
    missing = custom.post("/Devices", {"schemas": [DEVICE], "displayName": "x"})
    assert missing.status == 400 and missing.json["scimType"] == "invalidValue"
    custom.post("/Devices", {"schemas": [DEVICE], "serial": "S1"})
    again = custom.post("/Devices", {"schemas": [DEVICE], "serial": "S1"})
    assert again.status == 409 and again.json["scimType"] == "uniqueness"


def test_custom_resource_type_is_searched_from_the_root(custom: Client) -> None:
    """A root search includes the custom resource type."""
    custom.post("/Devices", {"schemas": [DEVICE], "serial": "S1", "displayName": "shared"})
    custom.create_group("shared")
    body = custom.get("/", query='filter=displayName eq "shared"').json
    assert sorted(r["meta"]["resourceType"] for r in body["Resources"]) == ["Device", "Group"]


def test_unregistered_endpoint_stays_404(client: Client) -> None:
    """Without registering it, /Devices is not an endpoint."""
    assert client.get("/Devices").status == 404


# -- securityEvents (RFC 9967 §4) -------------------------------------------------------------------


def _spc_of_a_directory_with(delivery: str, form: str = "full") -> dict[str, Any]:
    from scimcore.store.ports import Directory

    service = make_service()
    service.store.save_directory(  # type: ignore[attr-defined]
        Directory(id="default", name="D", created="2026-01-01T00:00:00Z", event_delivery=delivery, set_form=form)
    )
    body: dict[str, Any] = Client(service).get("/ServiceProviderConfig").json
    return body


def test_security_events_are_absent_for_webhook_directories(client: Client) -> None:
    """Without SET delivery the ServiceProviderConfig has no securityEvents (RFC 9967 §4: not configured)."""
    assert "securityEvents" not in client.get("/ServiceProviderConfig").json
    assert "securityEvents" not in _spc_of_a_directory_with("webhook")


@pytest.mark.parametrize("delivery", ["set-push", "set-poll"])
def test_a_set_directory_advertises_the_uris_it_emits(delivery: str) -> None:
    """A SET directory lists exactly the event URIs of its form and no asynchronous requests."""
    events = _spc_of_a_directory_with(delivery)["securityEvents"]
    assert events == {
        "asyncRequest": "none",
        "eventUris": [
            "urn:ietf:params:scim:event:prov:create:full",
            "urn:ietf:params:scim:event:prov:patch:full",
            "urn:ietf:params:scim:event:prov:put:full",
            "urn:ietf:params:scim:event:prov:delete",
        ],
    }


def test_a_notice_directory_advertises_notice_uris() -> None:
    """set_form notice advertises the :notice URIs."""
    uris = _spc_of_a_directory_with("set-poll", "notice")["securityEvents"]["eventUris"]
    assert all(u.endswith((":notice", ":delete")) for u in uris) and len(uris) == 4


def test_a_request_preferring_async_is_answered_synchronously(client: Client) -> None:
    """asyncRequest is none: Prefer: respond-async still gets the normal 201 with the resource (RFC 9967 §2.5.1.1)."""
    created = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "async"},
                          headers={"Prefer": "respond-async"})
    assert created.status == 201 and created.json["userName"] == "async"
