"""The error tree and its single conversion into SCIM Error responses (RFC 7644 §3.12)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from scimcore import MemoryStore, ScimRequest, ScimService, ServiceConfig
from scimcore import errors as e
from scimcore.schema.registry import ResourceTypeDef
from scimcore.service import error_response
from scimcore.store.port import Page, Query
from tests.conftest import BASE_URL, TOKEN, USER_SCHEMA, Client, Result, StepClock, make_service

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _assert_scim_error(result: Result, status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert result.status == status, result.json
    assert result.header("Content-Type") == "application/scim+json"
    body: dict[str, Any] = result.json
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert isinstance(body["detail"], str) and body["detail"]
    assert body.get("scimType") == scim_type
    return body


@pytest.mark.parametrize(
    ("cls", "status", "scim_type"),
    [
        (e.BadRequest, 400, None),
        (e.InvalidFilter, 400, "invalidFilter"),
        (e.TooMany, 400, "tooMany"),
        (e.InvalidSyntax, 400, "invalidSyntax"),
        (e.InvalidPath, 400, "invalidPath"),
        (e.NoTarget, 400, "noTarget"),
        (e.InvalidValue, 400, "invalidValue"),
        (e.Mutability, 400, "mutability"),
        (e.InvalidVersion, 400, "invalidVers"),
        (e.Sensitive, 400, "sensitive"),
        (e.InvalidCursor, 400, "invalidCursor"),
        (e.Forbidden, 403, None),
        (e.NotFound, 404, None),
        (e.Conflict, 409, None),
        (e.Uniqueness, 409, "uniqueness"),
        (e.PreconditionFailed, 412, None),
        (e.PayloadTooLarge, 413, None),
        (e.UnsupportedMediaType, 415, None),
        (e.TooManyRequests, 429, None),
        (e.NotImplementedYet, 501, None),
    ],
)
def test_error_table(cls: type[e.ScimError], status: int, scim_type: str | None) -> None:
    """Each error class carries its RFC 7644 §3.12 status and scimType and renders a SCIM Error body."""
    assert issubclass(cls, e.ScimError)
    error = cls("what went wrong")
    assert (error.status, error.scim_type) == (status, scim_type)
    expected: dict[str, object] = {"schemas": [ERROR], "status": str(status), "detail": "what went wrong"}
    if scim_type:
        expected["scimType"] = scim_type
    assert error.body() == expected
    response = error_response(error)
    assert response.status == status
    assert json.loads(response.body) == expected


def test_unauthorized_carries_www_authenticate() -> None:
    """Unauthorized is a 401 with a Bearer challenge."""
    response = error_response(e.Unauthorized())
    assert response.status == 401
    assert (response.header("WWW-Authenticate") or "").startswith("Bearer")


def test_method_not_allowed_carries_allow() -> None:
    """MethodNotAllowed is a 405 with an Allow header."""
    response = error_response(e.MethodNotAllowed("no", ["GET", "POST"]))
    assert response.status == 405
    assert response.header("Allow") == "GET, POST"


def test_internal_error_says_nothing_internal() -> None:
    """An unexpected exception becomes a 500 whose body carries neither its type nor its text."""
    response = error_response(KeyError("secret-internal"))
    assert response.status == 500
    text = response.body.decode()
    assert "secret-internal" not in text and "KeyError" not in text
    assert json.loads(text)["status"] == "500"


# -- errors through the service --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "scim_type"),
    [
        ("GET", "/Users/nope", None, 404, None),
        ("GET", "/Nope", None, 404, None),
        ("DELETE", "/Users", None, 405, None),
        ("POST", "/Bulk", {}, 400, "invalidSyntax"),
        ("POST", "/Users", {"schemas": [USER_SCHEMA]}, 400, "invalidValue"),
        ("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "a", "active": "maybe"}, 400, "invalidValue"),
        ("POST", "/Users", {"schemas": "nope", "userName": "a"}, 400, "invalidSyntax"),
        ("POST", "/Users", [1, 2], 400, "invalidSyntax"),
        ("GET", "/Users?filter=userName%20zz%20%22a%22", None, 400, "invalidFilter"),
        ("PATCH", "/Users/nope", {"Operations": []}, 404, None),
    ],
)
def test_every_error_is_a_scim_error_body(
    client: Client, method: str, path: str, body: Any, status: int, scim_type: str | None
) -> None:
    """Failures answer a SCIM Error document with status as a string and a detail."""
    path, _, query = path.partition("?")
    _assert_scim_error(client.request(method, path, body, query=query), status, scim_type)


def test_patch_errors_are_scim_errors(client: Client) -> None:
    """A PATCH naming an unknown attribute is a SCIM 400 error with a scimType."""
    user = client.create_user("alice")
    result = client.patch(f"/Users/{user['id']}", [{"op": "replace", "path": "nope", "value": 1}])
    assert result.status == 400
    assert result.json["schemas"] == [ERROR]
    assert result.json["status"] == "400"
    assert result.json["scimType"] in ("invalidPath", "noTarget")


def test_text_plain_body_is_415(client: Client) -> None:
    """A body sent as text/plain is a 415 SCIM error."""
    result = client.request(
        "POST",
        "/Users",
        raw=json.dumps({"schemas": [USER_SCHEMA], "userName": "a"}).encode(),
        headers={"Content-Type": "text/plain"},
    )
    _assert_scim_error(result, 415)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/scim+json; charset=UTF-8"]
)
def test_json_media_types_are_accepted(client: Client, content_type: str) -> None:
    """application/json and application/scim+json, with parameters, are both accepted."""
    result = client.post(
        "/Users", {"schemas": [USER_SCHEMA], "userName": "alice"}, headers={"Content-Type": content_type}
    )
    assert result.status == 201


@pytest.mark.parametrize("raw", [b"{not json", b'{"schemas": [', b"\xff\xfe", b"[1,]"])
def test_invalid_json_is_400_invalid_syntax(client: Client, raw: bytes) -> None:
    """A body that is not JSON is a 400 invalidSyntax."""
    _assert_scim_error(client.request("POST", "/Users", raw=raw), 400, "invalidSyntax")


def test_empty_body_is_400_invalid_syntax(client: Client) -> None:
    """A POST without a body is a 400 invalidSyntax."""
    _assert_scim_error(client.request("POST", "/Users", raw=b""), 400, "invalidSyntax")


def test_body_over_the_limit_is_413() -> None:
    """A body larger than max_body_bytes is a 413 SCIM error; one at the limit is served."""
    payload = json.dumps({"schemas": [USER_SCHEMA], "userName": "alice"}).encode()
    at_limit = Client(make_service(max_body_bytes=len(payload)))
    assert at_limit.request("POST", "/Users", raw=payload).status == 201
    over = Client(make_service(max_body_bytes=len(payload) - 1))
    _assert_scim_error(over.request("POST", "/Users", raw=payload), 413)


class ExplodingStore(MemoryStore):
    """A store whose reads and writes fail with an internal message."""

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = "default") -> Page:
        raise RuntimeError("secret-internal")

    def create(self, rtype: ResourceTypeDef, doc: dict[str, Any], *, directory: str = "default") -> None:
        raise RuntimeError("secret-internal")


@pytest.mark.parametrize(("method", "path"), [("GET", "/Users"), ("POST", "/Users"), ("GET", "/")])
def test_store_failure_is_500_revealing_nothing(method: str, path: str, caplog: pytest.LogCaptureFixture) -> None:
    """An exception inside the store is a 500 whose body says nothing internal; it is logged."""
    service = ScimService(ExplodingStore(), clock=StepClock(), config=ServiceConfig(), anonymous=True)
    body = {"schemas": [USER_SCHEMA], "userName": "alice"} if method == "POST" else None
    with caplog.at_level(logging.ERROR, logger="scimcore"):
        result = Client(service, token=None).request(method, path, body)
    error = _assert_scim_error(result, 500)
    text = result.response.body.decode()
    for leak in ("secret-internal", "RuntimeError", "Traceback", "memory", ".py"):
        assert leak not in text
    assert error["detail"] == "Internal server error."
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_handle_never_raises() -> None:
    """ScimService.handle turns even a broken request value into a response."""
    service = make_service()
    request = ScimRequest("POST", "/Users", "", {"authorization": f"Bearer {TOKEN}"}, b"\x00" * 10, BASE_URL)
    assert service.handle(request).status == 400


class Scim2ModelsStore(MemoryStore):
    """A user's store that reports a duplicate with scim2-models' own exception."""

    def create(self, rtype: ResourceTypeDef, doc: dict[str, Any], *, directory: str = "default", **kw: Any) -> None:
        import scim2_models

        raise scim2_models.UniquenessException(detail="userName alice is taken")


def test_a_scim2_models_exception_keeps_its_status_and_scim_type() -> None:
    """A store raising scim2-models' UniquenessException answers 409 uniqueness, not 500."""
    service = ScimService(Scim2ModelsStore(), clock=StepClock(), anonymous=True)
    result = Client(service, token=None).request("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "alice"})
    body = _assert_scim_error(result, 409, "uniqueness")
    assert body["detail"] == "userName alice is taken"


@pytest.mark.parametrize(
    ("name", "status", "scim_type"),
    [
        ("InvalidFilterException", 400, "invalidFilter"),
        ("InvalidPathException", 400, "invalidPath"),
        ("MutabilityException", 400, "mutability"),
        ("NotFoundException", 404, None),
        ("PreconditionFailedException", 412, None),
    ],
)
def test_scim2_models_exceptions_map_onto_the_error_tree(name: str, status: int, scim_type: str | None) -> None:
    """Each scim2-models exception becomes the error of the same status and scimType."""
    import scim2_models

    response = error_response(getattr(scim2_models, name)(detail="why"))
    body = json.loads(response.body)
    assert (response.status, body["status"], body.get("scimType"), body["detail"]) == (
        status,
        str(status),
        scim_type,
        "why",
    )


def test_a_pydantic_validation_error_is_400_naming_the_field() -> None:
    """A pydantic ValidationError from a user's code answers 400 invalidValue naming the field, not 500."""
    import pydantic

    class Model(pydantic.BaseModel):
        age: int

    try:
        Model.model_validate({"age": "not a number"})
    except pydantic.ValidationError as exc:
        response = error_response(exc)
    body = json.loads(response.body)
    assert response.status == 400 and body["scimType"] == "invalidValue"
    assert "'age'" in body["detail"] and "not a number" not in body["detail"]
