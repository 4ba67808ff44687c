"""SCIM Bulk (RFC 7644 §3.7): operations run through the service, bulkId references, limits and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scimcore import ScimRequest
from scimcore.bulk import BULK_REQUEST, BULK_RESPONSE
from tests.conftest import BASE_URL, ENTERPRISE, GROUP_SCHEMA, PATCH_OP, TOKEN, USER_SCHEMA, Client, make_service

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _bulk(client: Client, operations: list[Any], **extra: Any) -> list[dict[str, Any]]:
    result = client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": operations, **extra})
    assert result.status == 200, result.json
    assert result.json["schemas"] == [BULK_RESPONSE]
    return result.json["Operations"]  # type: ignore[no-any-return]


def _user(bulk_id: str, user_name: str, **attrs: Any) -> dict[str, Any]:
    data = {"schemas": [USER_SCHEMA], "userName": user_name, **attrs}
    return {"method": "POST", "bulkId": bulk_id, "path": "/Users", "data": data}


def _group(bulk_id: str, name: str, *member_refs: str) -> dict[str, Any]:
    data: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": name}
    if member_refs:
        data["members"] = [{"value": ref} for ref in member_refs]
    return {"method": "POST", "bulkId": bulk_id, "path": "/Groups", "data": data}


def _id(result: dict[str, Any]) -> str:
    return str(result["location"]).rsplit("/", 1)[1]


def _assert_failed(result: dict[str, Any], status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert result["status"] == str(status), result
    body: dict[str, Any] = result["response"]
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert isinstance(body["detail"], str) and body["detail"]
    assert body.get("scimType") == scim_type
    return body


def _count(client: Client, endpoint: str) -> int:
    return int(client.get(endpoint).json["totalResults"])


# -- the message -----------------------------------------------------------------------------------


def test_bulk_response_carries_the_bulk_response_schema(client: Client) -> None:
    """A bulk request answers 200 with a BulkResponse listing each operation's result."""
    result = client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": [_user("u", "alice")]})
    assert result.status == 200
    assert result.header("Content-Type") == "application/scim+json"
    assert result.json["schemas"] == [BULK_RESPONSE]
    assert [op["bulkId"] for op in result.json["Operations"]] == ["u"]


def test_post_result_has_location_version_and_string_status(client: Client) -> None:
    """A successful POST reports the new resource's location and version, and status as a string."""
    [result] = _bulk(client, [_user("u", "alice")])
    assert result["method"] == "POST"
    assert result["status"] == "201"
    assert "response" not in result
    user = client.get(f"/Users/{_id(result)}").json
    assert result["location"] == user["meta"]["location"]
    assert result["version"] == user["meta"]["version"]


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ([], "invalidSyntax"),
        ({"schemas": [BULK_REQUEST]}, "invalidSyntax"),
        ({"schemas": [BULK_REQUEST], "Operations": {}}, "invalidSyntax"),
        ({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "Operations": []}, "invalidSyntax"),
        ({"schemas": [BULK_REQUEST], "Operations": [], "failOnErrors": 0}, "invalidValue"),
        ({"schemas": [BULK_REQUEST], "Operations": [], "failOnErrors": "1"}, "invalidValue"),
        ({"schemas": [BULK_REQUEST], "Operations": [], "failOnErrors": True}, "invalidValue"),
    ],
)
def test_malformed_bulk_request_is_400(client: Client, body: Any, scim_type: str) -> None:
    """A BulkRequest without an Operations list, with other schemas or a bad failOnErrors is a 400."""
    result = client.post("/Bulk", body)
    assert result.status == 400
    assert result.json["scimType"] == scim_type


def test_bulk_attribute_names_are_case_insensitive(client: Client) -> None:
    """operations, bulkid and failonerrors are read whatever their case (RFC 7643 §2.1)."""
    op = {"METHOD": "POST", "bulkid": "u", "Path": "/Users", "Data": {"schemas": [USER_SCHEMA], "userName": "a"}}
    result = client.post("/Bulk", {"schemas": [BULK_REQUEST], "operations": [op], "failonerrors": 1})
    assert result.status == 200
    assert result.json["Operations"][0]["status"] == "201"


def test_bulk_body_must_be_json(client: Client) -> None:
    """The bulk request follows the service's content rules: a non-JSON media type is a 415."""
    result = client.post("/Bulk", raw=b"x", headers={"Content-Type": "text/plain"})
    assert result.status == 415


# -- bulkId references (§3.7.2) --------------------------------------------------------------------


def test_group_members_reference_a_user_created_in_the_same_request(client: Client) -> None:
    """A group's member value 'bulkId:<id>' becomes the id of the user created by that operation."""
    user, group = _bulk(client, [_user("u", "alice"), _group("g", "staff", "bulkId:u")])
    assert (user["status"], group["status"]) == ("201", "201")
    members = client.get(f"/Groups/{_id(group)}").json["members"]
    assert [m["value"] for m in members] == [_id(user)]
    assert members[0]["type"] == "User"


def test_forward_reference_runs_after_the_operation_it_names(client: Client) -> None:
    """An operation referring to a bulkId created later is deferred, and results keep request order."""
    group, user = _bulk(client, [_group("g", "staff", "bulkId:u"), _user("u", "alice")])
    assert (group["bulkId"], user["bulkId"]) == ("g", "u")
    assert (group["status"], user["status"]) == ("201", "201")
    members = client.get(f"/Groups/{_id(group)}").json["members"]
    assert [m["value"] for m in members] == [_id(user)]


def test_chain_of_forward_references_is_ordered(client: Client) -> None:
    """Operations referring to later ones run in dependency order however the chain is written."""
    ops = [_group("outer", "outer", "bulkId:inner"), _group("inner", "inner", "bulkId:u"), _user("u", "alice")]
    outer, inner, user = _bulk(client, ops)
    assert [r["status"] for r in (outer, inner, user)] == ["201", "201", "201"]
    assert [m["value"] for m in client.get(f"/Groups/{_id(outer)}").json["members"]] == [_id(inner)]
    assert [m["value"] for m in client.get(f"/Groups/{_id(inner)}").json["members"]] == [_id(user)]


def test_bulk_id_reference_in_path_is_resolved(client: Client) -> None:
    """'bulkId:<id>' in a PATCH path names the resource created by that operation."""
    patch = {
        "method": "PATCH",
        "path": "/Users/bulkId:u",
        "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Al"}]},
    }
    patched, user = _bulk(client, [patch, _user("u", "alice")])
    assert patched["status"] == "200"
    assert patched["location"] == user["location"]
    assert client.get(f"/Users/{_id(user)}").json["displayName"] == "Al"


def test_bulk_id_reference_inside_a_patch_filter_is_resolved(client: Client) -> None:
    """A reference inside a longer string, such as a PATCH value filter, is replaced as well."""
    bob = client.create_user("bob")
    group = client.create_group("staff", members=[{"value": bob["id"]}])

    def patch(operation: dict[str, Any]) -> dict[str, Any]:
        data = {"schemas": [PATCH_OP], "Operations": [operation]}
        return {"method": "PATCH", "path": f"/Groups/{group['id']}", "data": data}

    add = patch({"op": "add", "path": "members", "value": [{"value": "bulkId:u"}]})
    remove = patch({"op": "remove", "path": 'members[value eq "bulkId:u"]'})
    user, added, removed = _bulk(client, [_user("u", "alice"), add, remove])
    assert [r["status"] for r in (user, added, removed)] == ["201", "200", "200"]
    members = client.get(f"/Groups/{group['id']}").json["members"]
    assert [m["value"] for m in members] == [bob["id"]]


def test_reference_to_an_undeclared_bulk_id_is_400(client: Client) -> None:
    """A reference to a bulkId no POST of the request declares fails that operation with 400."""
    [group] = _bulk(client, [_group("g", "staff", "bulkId:nobody")])
    body = _assert_failed(group, 400, "invalidValue")
    assert "bulkId:nobody" in body["detail"]
    assert "location" not in group


def test_duplicate_bulk_id_fails_the_second_operation(client: Client) -> None:
    """A bulkId used by two POSTs fails the second with 400; references resolve to the first."""
    first, second, group = _bulk(client, [_user("u", "alice"), _user("u", "bob"), _group("g", "staff", "bulkId:u")])
    assert first["status"] == "201"
    assert "Operations[0]" in _assert_failed(second, 400, "invalidValue")["detail"]
    assert [m["value"] for m in client.get(f"/Groups/{_id(group)}").json["members"]] == [_id(first)]


def test_reference_to_a_failed_operation_is_409(client: Client) -> None:
    """An operation referring to a POST that failed answers 409 without running."""
    client.create_user("alice")
    user, group = _bulk(client, [_user("u", "alice"), _group("g", "staff", "bulkId:u")])
    _assert_failed(user, 409, "uniqueness")
    assert "location" not in user
    assert "bulkId:u" in _assert_failed(group, 409)["detail"]
    assert _count(client, "/Groups") == 0


@st.composite
def _acyclic_requests(draw: st.DrawFn) -> tuple[list[int], list[set[int]]]:
    """A request order over n groups and, per group, the earlier-created groups it names as members."""
    n = draw(st.integers(1, 6))
    refs = [draw(st.sets(st.integers(0, i - 1), max_size=i)) if i else set() for i in range(n)]
    return draw(st.permutations(range(n))), refs


@settings(max_examples=40, deadline=None)
@given(_acyclic_requests())
def test_acyclic_references_succeed_in_any_request_order(case: tuple[list[int], list[set[int]]]) -> None:
    """However acyclic references are ordered in the request, every operation succeeds with its members."""
    order, refs = case
    client = Client(make_service())
    ops = [_group(f"g{i}", f"group {i}", *(f"bulkId:g{j}" for j in sorted(refs[i]))) for i in order]
    results = {r["bulkId"]: r for r in _bulk(client, ops)}
    assert [r["status"] for r in results.values()] == ["201"] * len(order)
    for i in order:
        group = client.get(f"/Groups/{_id(results[f'g{i}'])}").json
        assert {m["value"] for m in group.get("members", [])} == {_id(results[f"g{j}"]) for j in refs[i]}


# -- circular references (§3.7.1) ------------------------------------------------------------------


def test_circular_references_answer_409_for_each_operation(client: Client) -> None:
    """Two groups naming each other by bulkId both answer 409 and neither is created."""
    a, b = _bulk(client, [_group("a", "A", "bulkId:b"), _group("b", "B", "bulkId:a")])
    assert "circular" in _assert_failed(a, 409)["detail"]
    assert "circular" in _assert_failed(b, 409)["detail"]
    assert _count(client, "/Groups") == 0


def test_self_reference_is_circular(client: Client) -> None:
    """A user naming itself as its own manager by bulkId is a circular reference: 409."""
    op = _user("me", "alice", **{ENTERPRISE: {"manager": {"value": "bulkId:me"}}})
    op["data"]["schemas"] = [USER_SCHEMA, ENTERPRISE]
    [result] = _bulk(client, [op])
    _assert_failed(result, 409)
    assert _count(client, "/Users") == 0


def test_cycle_fails_only_its_members_and_their_dependants(client: Client) -> None:
    """Operations outside a cycle still run; one waiting on the cycle answers 409 as well."""
    ops = [
        _group("a", "A", "bulkId:b"),
        _user("u", "alice"),
        _group("b", "B", "bulkId:a"),
        _group("c", "C", "bulkId:a", "bulkId:u"),
        _group("d", "D", "bulkId:u"),
    ]
    a, u, b, c, d = _bulk(client, ops)
    assert [r["status"] for r in (a, u, b, c, d)] == ["409", "201", "409", "409", "201"]
    assert "bulkId:a" in c["response"]["detail"] and "failed" in c["response"]["detail"]
    assert _count(client, "/Groups") == 1


# -- failOnErrors (§3.7.3) -------------------------------------------------------------------------


def test_fail_on_errors_stops_after_that_many_errors(client: Client) -> None:
    """With failOnErrors 1, processing stops at the first error and later operations are not reported."""
    bad = {"method": "POST", "bulkId": "bad", "path": "/Users", "data": {"schemas": [USER_SCHEMA]}}
    results = _bulk(client, [_user("a", "alice"), bad, _user("b", "bob")], failOnErrors=1)
    assert [r["bulkId"] for r in results] == ["a", "bad"]
    _assert_failed(results[1], 400, "invalidValue")
    assert _count(client, "/Users") == 1


def test_fail_on_errors_counts_errors(client: Client) -> None:
    """failOnErrors 2 tolerates one error and stops at the second."""
    bad = {"method": "POST", "bulkId": "x", "path": "/Users", "data": {"schemas": [USER_SCHEMA]}}
    ops = [bad, _user("a", "alice"), {**bad, "bulkId": "y"}, _user("b", "bob")]
    results = _bulk(client, ops, failOnErrors=2)
    assert [r["status"] for r in results] == ["400", "201", "400"]
    assert _count(client, "/Users") == 1


def test_without_fail_on_errors_every_operation_runs(client: Client) -> None:
    """Without failOnErrors the service provider performs as many operations as it can."""
    bad = {"method": "POST", "bulkId": "bad", "path": "/Users", "data": {"schemas": [USER_SCHEMA]}}
    results = _bulk(client, [bad, _user("a", "alice"), {"method": "GET", "path": "/Users"}, _user("b", "bob")])
    assert [r["status"] for r in results] == ["400", "201", "400", "201"]
    assert _count(client, "/Users") == 2


# -- limits (§3.7.4) -------------------------------------------------------------------------------


def test_more_operations_than_max_operations_is_413() -> None:
    """A request with more operations than maxOperations answers 413 naming the limit, and runs nothing."""
    client = Client(make_service(bulk_max_operations=2))
    ops = [_user(f"u{i}", f"user{i}") for i in range(3)]
    result = client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": ops})
    assert result.status == 413
    assert result.json["status"] == "413"
    assert "maxOperations (2)" in result.json["detail"]
    assert _count(client, "/Users") == 0
    assert client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": ops[:2]}).status == 200


def test_payload_over_max_payload_size_is_413() -> None:
    """A request body larger than maxPayloadSize answers 413 naming the limit, and runs nothing."""
    client = Client(make_service(bulk_max_payload_bytes=300))
    ops = [_user("u", "alice", displayName="x" * 300)]
    result = client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": ops})
    assert result.status == 413
    assert result.json["schemas"] == [ERROR]
    assert "maxPayloadSize (300)" in result.json["detail"]
    assert _count(client, "/Users") == 0


def test_bulk_turned_off_is_501_and_not_advertised() -> None:
    """bulk_max_operations 0 turns Bulk off: POST /Bulk is 501 and bulk is advertised unsupported."""
    client = Client(make_service(bulk_max_operations=0))
    assert client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": []}).status == 501
    bulk = client.get("/ServiceProviderConfig").json["bulk"]
    assert bulk == {"supported": False, "maxOperations": 0, "maxPayloadSize": 0}


# -- versions (§3.7 "version", §3.14) --------------------------------------------------------------


def _write_op(method: str, user_id: str, version: str) -> dict[str, Any]:
    op: dict[str, Any] = {"method": method, "path": f"/Users/{user_id}", "version": version}
    if method == "PUT":
        op["data"] = {"schemas": [USER_SCHEMA], "userName": "alice", "displayName": "A"}
    elif method == "PATCH":
        op["data"] = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "A"}]}
    return op


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_version_mismatch_is_412(client: Client, method: str) -> None:
    """An operation whose version is not the resource's current one answers 412 and changes nothing."""
    user = client.create_user("alice")
    [result] = _bulk(client, [_write_op(method, user["id"], 'W/"99"')])
    _assert_failed(result, 412)
    assert result["location"] == user["meta"]["location"]
    assert client.get(f"/Users/{user['id']}").json["meta"]["version"] == user["meta"]["version"]


@pytest.mark.parametrize(("method", "status"), [("PUT", "200"), ("PATCH", "200"), ("DELETE", "204")])
def test_matching_version_succeeds(client: Client, method: str, status: str) -> None:
    """An operation whose version is current succeeds and reports the resource's location."""
    user = client.create_user("alice")
    [result] = _bulk(client, [_write_op(method, user["id"], user["meta"]["version"])])
    assert result["status"] == status, result
    assert result["location"] == user["meta"]["location"]
    if method == "DELETE":
        assert client.get(f"/Users/{user['id']}").status == 404
    else:
        current = client.get(f"/Users/{user['id']}").json["meta"]["version"]
        assert result["version"] == current != user["meta"]["version"]


def test_parent_if_match_is_not_applied_to_operations(client: Client) -> None:
    """An If-Match header on the bulk request itself does not reach the operations."""
    user = client.create_user("alice")
    op = _write_op("PATCH", user["id"], user["meta"]["version"])
    del op["version"]
    body = {"schemas": [BULK_REQUEST], "Operations": [op]}
    result = client.post("/Bulk", body, headers={"If-Match": 'W/"99"'})
    assert result.json["Operations"][0]["status"] == "200"


# -- per-operation errors --------------------------------------------------------------------------


def test_operation_errors_carry_scim_error_responses(client: Client) -> None:
    """A failing operation reports its status as a string and the SCIM Error body the service answered."""
    client.create_user("alice")
    missing = {"method": "DELETE", "path": "/Users/nope"}
    dup, gone = _bulk(client, [_user("u", "alice"), missing])
    _assert_failed(dup, 409, "uniqueness")
    assert "location" not in dup
    _assert_failed(gone, 404)
    assert gone["location"] == f"{BASE_URL}/Users/nope"


@pytest.mark.parametrize(
    ("op", "scim_type", "where"),
    [
        ({"method": "GET", "path": "/Users"}, "invalidValue", "method"),
        ({"method": "HEAD", "path": "/Users/1"}, "invalidValue", "method"),
        ({"path": "/Users/1"}, "invalidValue", "method"),
        ({"method": "DELETE", "path": "/Nope/1"}, "invalidPath", "path"),
        ({"method": "DELETE", "path": "/Bulk/1"}, "invalidPath", "path"),
        ({"method": "DELETE", "path": "/Users"}, "invalidPath", "path"),
        ({"method": "DELETE", "path": "/Users/1/extra"}, "invalidPath", "path"),
        ({"method": "DELETE", "path": "/Users/1?attributes=id"}, "invalidPath", "path"),
        ({"method": "DELETE", "path": f"{BASE_URL}/Users/1"}, "invalidPath", "path"),
        ({"method": "DELETE"}, "invalidPath", "path"),
        ({"method": "POST", "bulkId": "u", "path": "/Users/1", "data": {}}, "invalidPath", "path"),
        ({"method": "POST", "bulkId": "u", "path": "/Bulk", "data": {}}, "invalidPath", "path"),
        ({"method": "POST", "path": "/Users", "data": {"userName": "a"}}, "invalidValue", "bulkId"),
        ({"method": "POST", "bulkId": "a b", "path": "/Users", "data": {"userName": "a"}}, "invalidValue", "bulkId"),
        ({"method": "POST", "bulkId": "u", "path": "/Users"}, "invalidSyntax", "data"),
        ({"method": "PUT", "path": "/Users/1", "data": [1]}, "invalidSyntax", "data"),
        ({"method": "PATCH", "path": "/Users/1"}, "invalidSyntax", "data"),
        ({"method": "POST", "bulkId": "u", "path": "/Users", "data": {"userName": "a"}, "version": 'W/"1"'},
         "invalidValue", "version"),
        ({"method": "DELETE", "path": "/Users/1", "version": 3}, "invalidValue", "version"),
        ("DELETE /Users/1", "invalidSyntax", "Operations[0]"),
    ],
)
def test_malformed_operation_is_a_per_operation_400(client: Client, op: Any, scim_type: str, where: str) -> None:
    """An operation with an unknown method, a bad path or a missing part fails alone with a 400 naming it."""
    results = _bulk(client, [op, _user("ok", "alice")])
    body = _assert_failed(results[0], 400, scim_type)
    assert "Operations[0]" in body["detail"] and where in body["detail"]
    assert results[1]["status"] == "201"


def test_unknown_method_is_echoed_in_its_result(client: Client) -> None:
    """A refused operation's result still names its method and bulkId, so the client can match it."""
    [result] = _bulk(client, [{"method": "get", "bulkId": "q", "path": "/Users"}])
    assert (result["method"], result["bulkId"]) == ("GET", "q")


def test_endpoint_case_and_slashes_are_normalised(client: Client) -> None:
    """An endpoint named in another case, or without the leading slash, reaches its resource type."""
    op = {**_user("u", "alice"), "path": "users"}
    [result] = _bulk(client, [op])
    assert result["status"] == "201"
    assert result["location"].startswith(f"{BASE_URL}/Users/")


# -- the parent request --------------------------------------------------------------------------


def test_operations_use_the_parent_authorization() -> None:
    """Each operation is authenticated with the bulk request's own Authorization header."""
    service = make_service()
    body = json.dumps({"schemas": [BULK_REQUEST], "Operations": [_user("u", "alice")]}).encode()
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/scim+json"}
    response = service.handle(ScimRequest("POST", "/Bulk", "", headers, body, BASE_URL))
    assert json.loads(response.body)["Operations"][0]["status"] == "201"
    denied = service.handle(ScimRequest("POST", "/Bulk", "", {"content-type": "application/json"}, body, BASE_URL))
    assert denied.status == 401


def test_operations_run_in_the_parent_directory() -> None:
    """Resources created by a bulk request land in the directory the bulk request was scoped to."""
    service = make_service()
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/scim+json"}
    body = json.dumps({"schemas": [BULK_REQUEST], "Operations": [_user("u", "alice")]}).encode()
    response = service.handle(ScimRequest("POST", "/Bulk", "", headers, body, BASE_URL, directory="tenant-a"))
    assert json.loads(response.body)["Operations"][0]["status"] == "201"

    def count(directory: str | None) -> int:
        listed = service.handle(ScimRequest("GET", "/Users", "", headers, b"", BASE_URL, directory=directory))
        return int(json.loads(listed.body)["totalResults"])

    assert (count("tenant-a"), count(None)) == (1, 0)


def test_empty_operations_list_answers_an_empty_bulk_response(client: Client) -> None:
    """A bulk request with no operations answers 200 with an empty Operations list."""
    assert _bulk(client, []) == []


# -- discovery -------------------------------------------------------------------------------------


def test_service_provider_config_advertises_bulk(client: Client) -> None:
    """ServiceProviderConfig says bulk is supported, with the default maxOperations and maxPayloadSize."""
    bulk = client.get("/ServiceProviderConfig").json["bulk"]
    assert bulk == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1024 * 1024}


def test_advertised_bulk_limits_follow_the_configuration() -> None:
    """maxOperations and maxPayloadSize are the configured limits; the payload never above max_body_bytes."""
    client = Client(make_service(bulk_max_operations=7, bulk_max_payload_bytes=5000))
    assert client.get("/ServiceProviderConfig").json["bulk"] == {
        "supported": True,
        "maxOperations": 7,
        "maxPayloadSize": 5000,
    }
    capped = Client(make_service(bulk_max_payload_bytes=10_000, max_body_bytes=4000))
    assert capped.get("/ServiceProviderConfig").json["bulk"]["maxPayloadSize"] == 4000
