"""Signing SETs and publishing their keys (scimcore.set_tokens)."""

from __future__ import annotations

import base64
import json

from scimcore import set_tokens
from scimcore.store.memory import MemoryStore
from scimcore.store.ports import SERVER_KEYS

CREATED = "2026-01-01T00:00:00Z"


def _segment(token: str, index: int) -> dict[str, object]:
    part = token.split(".")[index]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def test_a_set_is_a_jws_typed_secevent_jwt_with_the_kid() -> None:
    """The JWS header has alg ES256, typ secevent+jwt (RFC 8417 §2.3) and the signing key's kid."""
    key = set_tokens.generate_signing_key(SERVER_KEYS, CREATED)
    token = set_tokens.sign_set({"iss": "x", "events": {}}, key)
    assert _segment(token, 0) == {"alg": "ES256", "typ": "secevent+jwt", "kid": key.kid}
    assert _segment(token, 1) == {"iss": "x", "events": {}}


def test_the_jwks_holds_public_keys_only() -> None:
    """The published JWK has kty, crv, x, y, kid, use and alg, and never the private 'd'."""
    key = set_tokens.generate_signing_key(SERVER_KEYS, CREATED)
    (published,) = set_tokens.jwks([key])["keys"]
    assert set(published) == {"kty", "crv", "x", "y", "kid", "use", "alg"}
    assert published["kid"] == key.kid


def test_a_retired_key_is_not_published() -> None:
    """jwks leaves retired keys out."""
    key = set_tokens.generate_signing_key(SERVER_KEYS, CREATED)
    old = set_tokens.generate_signing_key(SERVER_KEYS, CREATED)
    retired = type(old)(old.kid, old.scope, old.private_jwk, old.created, retired=True)
    assert [k["kid"] for k in set_tokens.jwks([key, retired])["keys"]] == [key.kid]


def test_a_server_key_is_made_once_when_none_exists() -> None:
    """signer_for makes and keeps one server key, then signs with it again."""
    store = MemoryStore()
    first = set_tokens.signer_for(store, "d1", CREATED)
    assert first.scope == SERVER_KEYS
    assert set_tokens.signer_for(store, "d1", CREATED).kid == first.kid
    assert len(store.signing_keys(SERVER_KEYS)) == 1


def test_a_directory_key_signs_its_sets_and_both_are_published() -> None:
    """A directory's own key signs its SETs; its JWKS lists its key and the server's."""
    store = MemoryStore()
    server = set_tokens.signer_for(store, "d1", CREATED)
    own = set_tokens.generate_signing_key("d1", CREATED)
    store.add_signing_key(own)
    assert set_tokens.signer_for(store, "d1", CREATED).kid == own.kid
    assert set_tokens.signer_for(store, "d2", CREATED).kid == server.kid
    kids = [k["kid"] for k in set_tokens.published_keys(store, "d1")["keys"]]
    assert kids == [own.kid, server.kid]
    assert [k["kid"] for k in set_tokens.published_keys(store, "d2")["keys"]] == [server.kid]


def test_rotation_signs_with_the_newest_and_keeps_the_older_published() -> None:
    """After a second key of a scope is added it signs; the first stays in the JWKS until retired."""
    store = MemoryStore()
    first = set_tokens.signer_for(store, "d1", CREATED)
    second = set_tokens.generate_signing_key(SERVER_KEYS, "2026-02-01T00:00:00Z")
    store.add_signing_key(second)
    assert set_tokens.signer_for(store, "d1", CREATED).kid == second.kid
    assert {k["kid"] for k in set_tokens.published_keys(store, "d1")["keys"]} == {first.kid, second.kid}
    assert store.retire_signing_key(SERVER_KEYS, first.kid)
    assert [k["kid"] for k in set_tokens.published_keys(store, "d1")["keys"]] == [second.kid]


def test_a_key_s_repr_leaves_out_its_private_part() -> None:
    """repr(SigningKey) shows kid and scope, never the private JWK."""
    key = set_tokens.generate_signing_key(SERVER_KEYS, CREATED)
    assert key.kid in repr(key) and '"d"' not in repr(key) and json.loads(key.private_jwk)["d"] not in repr(key)
