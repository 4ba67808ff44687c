"""The routing table of the service (RFC 7644 §3.2): endpoints, methods, unknown paths and query noise."""

from __future__ import annotations

import pytest

from tests.conftest import GROUP_SCHEMA, USER_SCHEMA, Client, Result

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def ids(client: Client) -> dict[str, str]:
    user = client.create_user("alice")
    group = client.create_group("staff", members=[{"value": user["id"]}])
    return {"user": user["id"], "group": group["id"]}


def _assert_error(result: Result, status: int) -> None:
    body = result.json
    assert result.status == status
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/ServiceProviderConfig", 200),
        ("GET", "/ResourceTypes", 200),
        ("GET", "/ResourceTypes/User", 200),
        ("GET", "/ResourceTypes/Group", 200),
        ("GET", "/Schemas", 200),
        ("GET", f"/Schemas/{USER_SCHEMA}", 200),
        ("GET", f"/Schemas/{GROUP_SCHEMA}", 200),
        ("GET", "/Users", 200),
        ("GET", "/Groups", 200),
        ("GET", "/Users/{user}", 200),
        ("GET", "/Groups/{group}", 200),
        ("GET", "/", 200),
        ("DELETE", "/Users/{user}", 204),
        ("DELETE", "/Groups/{group}", 204),
    ],
)
def test_routing_table_serves_every_endpoint(
    client: Client, ids: dict[str, str], method: str, path: str, status: int
) -> None:
    """Each entry of the routing table answers its method with the expected status."""
    result = client.request(method, path.format(**ids))
    assert result.status == status, result.json


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "bob"}, 201),
        ("POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "ops"}, 201),
        ("PUT", "/Users/{user}", {"schemas": [USER_SCHEMA], "userName": "alice2"}, 200),
        ("PUT", "/Groups/{group}", {"schemas": [GROUP_SCHEMA], "displayName": "staff2"}, 200),
        ("POST", "/Users/.search", {"schemas": [SEARCH]}, 200),
        ("POST", "/Groups/.search", {"schemas": [SEARCH]}, 200),
        ("POST", "/.search", {"schemas": [SEARCH]}, 200),
    ],
)
def test_routing_table_serves_writes_and_searches(
    client: Client, ids: dict[str, str], method: str, path: str, body: object, status: int
) -> None:
    """POST, PUT and the .search endpoints are routed to their handlers."""
    result = client.request(method, path.format(**ids), body)
    assert result.status == status, result.json


def test_patch_is_routed_to_the_resource(client: Client, ids: dict[str, str]) -> None:
    """PATCH on /Users/{id} reaches the PATCH handler."""
    result = client.patch(f"/Users/{ids['user']}", [{"op": "replace", "path": "displayName", "value": "Al"}])
    assert result.status == 200
    assert result.json["displayName"] == "Al"


def test_bulk_is_routed(client: Client) -> None:
    """POST /Bulk reaches the bulk handler: a BulkRequest answers 200 with a BulkResponse."""
    result = client.post("/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []})
    assert result.status == 200
    assert result.json == {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"], "Operations": []}


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_me_answers_501(client: Client, method: str) -> None:
    """Every method on /Me is a SCIM error 501."""
    _assert_error(client.request(method, "/Me", {} if method in ("POST", "PUT", "PATCH") else None), 501)


@pytest.mark.parametrize(
    "path", ["/Nope", "/Users/abc/extra", "/ResourceTypes/User/extra", "/Schemas/a/b", "/Bulk/1", "/.search/x"]
)
def test_unknown_endpoint_is_404(client: Client, path: str) -> None:
    """A path that names no endpoint is a SCIM error 404."""
    _assert_error(client.get(path), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/Users", "GET, POST"),
        ("PUT", "/Groups", "GET, POST"),
        ("POST", "/Users/{user}", "DELETE, GET, PATCH, PUT"),
        ("PUT", "/ServiceProviderConfig", "GET"),
        ("POST", "/ResourceTypes", "GET"),
        ("DELETE", "/Schemas", "GET"),
        ("GET", "/Users/.search", "POST"),
        ("GET", "/.search", "POST"),
        ("GET", "/Bulk", "POST"),
        ("POST", "/", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: Client, ids: dict[str, str], method: str, path: str, allow: str
) -> None:
    """A known endpoint asked with a method it lacks answers 405 and lists its methods in Allow."""
    result = client.request(method, path.format(**ids), {} if method in ("POST", "PUT") else None)
    _assert_error(result, 405)
    assert result.header("Allow") == allow


@pytest.mark.parametrize(
    "query",
    [
        "aadOptscim062020",
        "aadOptscim062020=",
        "aadOptscim062020&filter=userName%20eq%20%22alice%22",
        "filter=userName%20eq%20%22alice%22&aadOptscim062020",
        "filter=userName%20eq%20%22alice%22&aadOptscim062020=&count=5",
        "count=5&aadOptscim062020=&startIndex=1",
    ],
)
def test_aad_flag_in_list_query_does_not_disturb_routing(client: Client, ids: dict[str, str], query: str) -> None:
    """Entra's aadOptscim062020 flag, with or without '=', anywhere in the query leaves the list intact."""
    result = client.get("/Users", query=query)
    assert result.status == 200
    assert [r["id"] for r in result.json["Resources"]] == [ids["user"]]


@pytest.mark.parametrize("query", ["aadOptscim062020", "aadOptscim062020=", "attributes=displayName&aadOptscim062020"])
def test_aad_flag_on_patch_does_not_disturb_routing(client: Client, ids: dict[str, str], query: str) -> None:
    """A group PATCH carrying the aadOptscim062020 flag is still a PATCH of that group."""
    result = client.patch(
        f"/Groups/{ids['group']}", [{"op": "replace", "path": "displayName", "value": "team"}], query=query
    )
    assert result.status == 200
    assert result.json["displayName"] == "team"


@pytest.mark.parametrize("query", ["aadOptscim062020", "aadOptscim062020="])
def test_aad_flag_on_get_and_post_does_not_disturb_routing(client: Client, ids: dict[str, str], query: str) -> None:
    """GET by id and POST with the aadOptscim062020 flag behave as without it."""
    assert client.get(f"/Users/{ids['user']}", query=query).json["id"] == ids["user"]
    created = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "bob"}, query=query)
    assert created.status == 201


def test_query_left_in_the_path_does_not_disturb_routing(client: Client, ids: dict[str, str]) -> None:
    """A query string an adapter left inside the path is not read as part of the endpoint."""
    result = client.get(f"/Users/{ids['user']}?aadOptscim062020")
    assert result.status == 200
    assert result.json["id"] == ids["user"]


@pytest.mark.parametrize("path", ["/Users/", "/Users/{user}/", "/ServiceProviderConfig/", "/ResourceTypes/User/"])
def test_trailing_slash_is_ignored(client: Client, ids: dict[str, str], path: str) -> None:
    """A trailing slash routes to the same endpoint as the path without it."""
    assert client.get(path.format(**ids)).status == 200


def test_trailing_slash_on_post(client: Client) -> None:
    """POST /Users/ creates a user like POST /Users."""
    assert client.post("/Users/", {"schemas": [USER_SCHEMA], "userName": "bob"}).status == 201


def test_dot_search_is_not_read_as_an_id(client: Client) -> None:
    """POST /Users/.search searches instead of addressing a user called '.search'."""
    client.create_user("alice")
    result = client.post("/Users/.search", {"schemas": [SEARCH], "filter": 'userName eq "alice"'})
    assert result.status == 200
    assert result.json["totalResults"] == 1


def test_id_of_another_type_is_404(client: Client, ids: dict[str, str]) -> None:
    """A group id asked for under /Users is not found."""
    _assert_error(client.get(f"/Users/{ids['group']}"), 404)
