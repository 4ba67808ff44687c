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
        (e.InsufficientStorage, 507, None),
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


@pytest.mark.parametrize(("seconds", "header"), [(5, "5"), (0.2, "1"), (2.5, "3"), (0, "1")])
def test_service_unavailable_carries_retry_after(seconds: float, header: str) -> None:
    """ServiceUnavailable is a 503 SCIM Error with Retry-After in whole seconds, at least 1 (RFC 9110 §10.2.3)."""
    error = e.ServiceUnavailable("The database is unavailable.", retry_after=seconds)
    response = error_response(error)
    assert (response.status, response.header("Retry-After"), error.retry_after) == (503, header, int(header))
    assert response.header("Content-Type") == "application/scim+json"
    assert json.loads(response.body) == {"schemas": [ERROR], "status": "503", "detail": "The database is unavailable."}


def test_the_error_tree_drawing_names_every_class() -> None:
    """The tree drawn in the errors module's docstring lists every class, with its status where it has its own."""
    drawing = e.__doc__ or ""
    classes = [c for c in vars(e).values() if isinstance(c, type) and issubclass(c, e.ScimError)]
    for cls in classes:
        parent = cls.__mro__[1]
        own_status = cls is e.ScimError or getattr(parent, "status", None) != cls.status
        assert (f"{cls.__name__} ({cls.status})" if own_status else f"── {cls.__name__} ") in drawing, cls.__name__


class UnavailableStore(MemoryStore):
    """A store whose database is away: reads and writes raise ServiceUnavailable, as SqlStore's do."""

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = "default") -> Page:
        raise e.ServiceUnavailable("The database is unavailable; retry after 5 s.", retry_after=5)

    def create(self, rtype: ResourceTypeDef, doc: dict[str, Any], *, directory: str = "default", **kw: Any) -> None:
        raise e.InsufficientStorage("The database has no space left; nothing was stored.")


def test_store_faults_keep_their_status_and_headers_through_the_service(caplog: pytest.LogCaptureFixture) -> None:
    """A store's 503 answers 503 with its Retry-After and a 507 answers 507, not 500; neither is logged as unhandled."""
    client = Client(ScimService(UnavailableStore(), clock=StepClock(), anonymous=True), token=None)
    with caplog.at_level(logging.ERROR, logger="scimcore"):
        listed = client.get("/Users")
        created = client.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice"})
    _assert_scim_error(listed, 503)
    assert listed.header("Retry-After") == "5"
    _assert_scim_error(created, 507)
    assert created.header("Retry-After") is None
    assert not [r for r in caplog.records if "unhandled" in r.getMessage()]


# -- the SQL store's fault classifier (scimcore.store.sql.faults) -------------------------------------------


def _sqlite_error(statement: str) -> Exception:
    """A real sqlite3 error, with the result code the driver attaches."""
    import sqlite3

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (x TEXT UNIQUE)")
    conn.execute("INSERT INTO t VALUES ('taken')")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")
    try:
        conn.execute(statement)
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError(f"{statement!r} did not fail")


def _classified(exc: BaseException) -> tuple[int, str | None] | None:
    pytest.importorskip("sqlalchemy")
    from scimcore.store.sql.faults import classify

    error = classify(exc)
    return None if error is None else (error.status, error.headers.get("Retry-After"))


def _psycopg_error(sqlstate: str) -> Exception:
    psycopg = pytest.importorskip("psycopg")
    return psycopg.errors.lookup(sqlstate)("a message from the server")


def test_sqlite_full_and_busy_are_507_and_503() -> None:
    """SQLITE_FULL is 507; SQLITE_BUSY ("database is locked") is 503 with Retry-After; by code or by message."""
    import sqlite3

    full = _sqlite_error("INSERT INTO t SELECT printf('%.*c', 100000, 'x')")
    assert "database or disk is full" in str(full)
    assert _classified(full) == (507, None)
    assert _classified(sqlite3.OperationalError("database or disk is full")) == (507, None)
    assert _classified(sqlite3.OperationalError("database is locked")) == (503, "5")


def test_other_sqlite_errors_keep_their_behaviour() -> None:
    """A constraint violation or a missing table is no fault of the database: not classified."""
    import sqlite3

    assert _classified(_sqlite_error("INSERT INTO t VALUES ('taken')")) is None
    assert _classified(_sqlite_error("SELECT * FROM nowhere")) is None
    assert _classified(sqlite3.OperationalError("no such table: nowhere")) is None
    assert _classified(ValueError("database is locked")) is None


@pytest.mark.parametrize(
    ("sqlstate", "expected"),
    [
        ("53100", (507, None)),  # disk_full
        ("53000", (507, None)),  # insufficient_resources
        ("53200", (507, None)),  # out_of_memory
        ("53400", (507, None)),  # configuration_limit_exceeded
        ("53300", (503, "5")),  # too_many_connections: try again later
        ("08000", (503, "5")),  # connection_exception
        ("08006", (503, "5")),  # connection_failure
        ("08001", (503, "5")),  # sqlclient_unable_to_establish_sqlconnection
        ("57P01", (503, "5")),  # admin_shutdown
        ("57P02", (503, "5")),  # crash_shutdown
        ("57P03", (503, "5")),  # cannot_connect_now
        ("23505", None),  # unique_violation: 409 where the writes catch it
        ("42601", None),  # syntax_error
        ("57014", None),  # query_canceled
        ("40001", None),  # serialization_failure
    ],
)
def test_postgresql_sqlstates(sqlstate: str, expected: tuple[int, str | None] | None) -> None:
    """Class 53 is 507 (too_many_connections aside); class 08 and 57P01–57P03 are 503; the rest as before."""
    assert _classified(_psycopg_error(sqlstate)) == expected


def test_psycopg_connection_failures_without_sqlstate_are_503() -> None:
    """libpq's own failures (refused, closed by the server, timed out) carry no SQLSTATE: 503."""
    psycopg = pytest.importorskip("psycopg")
    refused = psycopg.OperationalError('connection failed: connection to server at "127.0.0.1", port 1 failed')
    closed = psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")
    assert _classified(refused) == (503, "5")
    assert _classified(closed) == (503, "5")
    assert _classified(psycopg.errors.ConnectionTimeout("connection timeout expired")) == (503, "5")
    assert _classified(psycopg.ProgrammingError("the query has 1 placeholder but 2 parameters were passed")) is None


def test_sqlalchemy_wrappers_are_classified_by_the_driver_error() -> None:
    """SQLAlchemy's DBAPIError is classified by its ``orig``; a disconnect it detected and a pool timeout are 503."""
    import sqlite3

    sa_exc = pytest.importorskip("sqlalchemy.exc")
    wrapped = sa_exc.OperationalError("INSERT INTO t", {}, sqlite3.OperationalError("database or disk is full"))
    assert _classified(wrapped) == (507, None)
    integrity = sa_exc.IntegrityError("INSERT INTO t", {}, sqlite3.IntegrityError("UNIQUE constraint failed: t.x"))
    assert _classified(integrity) is None
    dropped = sa_exc.OperationalError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert _classified(dropped) == (503, "5")
    assert _classified(sa_exc.OperationalError("SELECT 1", {}, Exception("something else"))) is None
    assert _classified(sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")) == (503, "5")


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
