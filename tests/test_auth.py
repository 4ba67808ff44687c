"""Authentication (RFC 7644 §2): bearer tokens kept as digests, 401 with a challenge."""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

import pytest

from scimcore import BearerTokens, MemoryStore, ScimRequest, ScimService, generate_token, hash_token
from scimcore.auth import bearer_token, hash_password, verify_password
from tests.conftest import TOKEN, USER_SCHEMA, Client, Result, StepClock

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _assert_401(result: Result) -> None:
    assert result.status == 401
    assert (result.header("WWW-Authenticate") or "").startswith("Bearer")
    body = result.json
    assert body["schemas"] == [ERROR]
    assert body["status"] == "401"
    assert body["detail"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        "non-token",
        TOKEN,
        f"Token {TOKEN}",
    ],
)
def test_missing_or_wrong_token_is_401(service: ScimService, authorization: str | None) -> None:
    """A request without a valid bearer token is a 401 with WWW-Authenticate: Bearer and a SCIM error body."""
    client = Client(service, token=None)
    headers = {} if authorization is None else {"Authorization": authorization}
    _assert_401(client.get("/Users", headers=headers))


@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER   {TOKEN}  "])
def test_valid_token_is_served(service: ScimService, authorization: str) -> None:
    """The right token is accepted whatever the case of the scheme and surrounding spaces."""
    client = Client(service, token=None)
    assert client.get("/Users", headers={"Authorization": authorization}).status == 200


@pytest.mark.parametrize(("method", "path"), [("GET", "/Nope"), ("DELETE", "/Users"), ("GET", "/Users/x")])
def test_authentication_comes_before_routing(service: ScimService, method: str, path: str) -> None:
    """An unauthenticated request learns nothing about endpoints: it is 401, not 404 or 405."""
    _assert_401(Client(service, token=None).request(method, path))


def test_unauthenticated_write_changes_nothing(service: ScimService) -> None:
    """A POST with a wrong token creates nothing."""
    Client(service, token="wrong").post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice"})
    assert Client(service).get("/Users").json["totalResults"] == 0


def test_a_service_without_an_authenticator_is_refused() -> None:
    """ScimService(store) alone raises, naming the authenticators to choose from and the explicit way out."""
    with pytest.raises(ValueError, match="authenticator.*anonymous=True"):
        ScimService(MemoryStore())


def test_an_anonymous_service_serves_without_a_token_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    """anonymous=True builds a service that authenticates nobody, and says so in the log."""
    with caplog.at_level(logging.WARNING, logger="scimcore.service"):
        service = ScimService(MemoryStore(), anonymous=True)
    assert any("without authentication" in r.getMessage() for r in caplog.records)
    assert Client(service, token=None).get("/Users").status == 200


def test_a_service_with_an_authenticator_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    """Only the anonymous service warns."""
    with caplog.at_level(logging.WARNING, logger="scimcore.service"):
        ScimService(MemoryStore(), authenticator=BearerTokens([TOKEN]))
    assert not caplog.records


def test_custom_authenticator_is_called_with_the_request() -> None:
    """Any callable taking the request and returning a subject (or None) authenticates."""
    seen: list[ScimRequest] = []

    def authenticator(request: ScimRequest) -> str | None:
        seen.append(request)
        return "okta" if request.headers.get("x-api-key") == "k" else None

    service = ScimService(MemoryStore(), authenticator=authenticator, clock=StepClock())
    client = Client(service, token=None)
    _assert_401(client.get("/Users"))
    assert client.get("/Users", headers={"X-Api-Key": "k"}).status == 200
    assert [r.path for r in seen] == ["/Users", "/Users"]


# -- BearerTokens ----------------------------------------------------------------------------------


def _request(authorization: str | None) -> ScimRequest:
    headers = {} if authorization is None else {"authorization": authorization}
    return ScimRequest("GET", "/Users", headers=headers)


def _all_values(obj: Any) -> list[Any]:
    """Every value reachable from an object's attributes (one level into containers)."""
    values: list[Any] = []
    for name in dir(obj):
        if name.startswith("__"):
            continue
        value = getattr(obj, name)
        if callable(value):
            continue
        values.append(value)
        if isinstance(value, list | tuple | set | dict):
            items = value.items() if isinstance(value, dict) else value
            for item in items:
                values.extend(item if isinstance(item, tuple) else (item,))
    return values


def test_bearer_tokens_keep_no_clear_token() -> None:
    """BearerTokens keeps only SHA-256 digests; no attribute holds the token in clear."""
    token = generate_token()
    tokens = BearerTokens({token: "okta"})
    values = _all_values(tokens)
    assert values, "BearerTokens keeps its digests in attributes"
    for value in values:
        assert token not in repr(value)
        assert token.encode() not in (value if isinstance(value, bytes) else b"")
    assert hashlib.sha256(token.encode()).digest() in values


def test_bearer_tokens_map_tokens_to_subjects() -> None:
    """Each token authenticates as its own subject; a plain list gives the subject 'default'."""
    tokens = BearerTokens({"t-okta": "okta", "t-entra": "entra"})
    assert tokens(_request("Bearer t-okta")) == "okta"
    assert tokens(_request("Bearer t-entra")) == "entra"
    assert tokens(_request("Bearer t-other")) is None
    assert tokens(_request(None)) is None
    assert BearerTokens(["t"])(_request("Bearer t")) == "default"


def test_bearer_tokens_accept_digests() -> None:
    """With hashed=True, BearerTokens takes hash_token() digests and accepts the matching token."""
    token = generate_token()
    tokens = BearerTokens({hash_token(token): "okta"}, hashed=True)
    assert tokens(_request(f"Bearer {token}")) == "okta"
    assert tokens(_request(f"Bearer {hash_token(token)}")) is None


def test_hash_token_is_hex_sha256() -> None:
    """hash_token is the hex SHA-256 of the token: deterministic, 64 hex digits, different per token."""
    digest = hash_token("abc")
    assert digest == hashlib.sha256(b"abc").hexdigest()
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert hash_token("abc") == digest != hash_token("abd")


def test_generate_token_has_at_least_32_bytes_of_entropy() -> None:
    """generate_token gives URL-safe tokens encoding at least 32 random bytes, never repeating."""
    tokens = {generate_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) >= 32
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("  Bearer   abc  ", "abc"),
        ("Bearer", None),
        ("Bearer   ", None),
        ("Basic abc", None),
        ("non-token", None),
        ("", None),
    ],
)
def test_bearer_token_parsing(header: str, token: str | None) -> None:
    """bearer_token reads the token of an Authorization: Bearer header and nothing else."""
    assert bearer_token({"authorization": header}) == token


def test_generated_token_authenticates_end_to_end() -> None:
    """A generated token stored as its digest authenticates a real request."""
    token = generate_token()
    service = ScimService(MemoryStore(), authenticator=BearerTokens([hash_token(token)], hashed=True))
    assert Client(service, token=token).get("/Users").status == 200
    _assert_401(Client(service, token=hash_token(token)).get("/Users"))


def test_a_password_hash_verifies_its_password_only() -> None:
    """verify_password accepts the hashed password and refuses another one or a malformed hash."""
    stored = hash_password("a long console password")
    assert verify_password("a long console password", stored)
    assert not verify_password("a long console passwore", stored)
    assert not verify_password("x", "not a hash") and not verify_password("x", "bcrypt$1$2$3$aa$bb")
