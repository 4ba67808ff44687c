"""Verifying and decoding SETs in the host application (scimcore.set_receiver), with RFC 9967's examples."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from scimcore import set_tokens, sets
from scimcore.set_receiver import MemorySeenTokens, SetRejected, SetReplayed, SetVerifier, decode_claims
from scimcore.store.ports import SERVER_KEYS
from tests.set_examples import EXAMPLES, FEED, ISSUER

KEY = set_tokens.generate_signing_key(SERVER_KEYS, "2026-01-01T00:00:00Z")
OTHER = set_tokens.generate_signing_key(SERVER_KEYS, "2026-01-01T00:00:00Z")


def _verifier(now: float, **kw: Any) -> SetVerifier:
    return SetVerifier(set_tokens.jwks([KEY]), issuer=ISSUER, audience=FEED, clock=lambda: now, **kw)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_rfc_examples_verify_and_decode(name: str) -> None:
    """Each RFC 9967 example SET, signed, verifies and decodes to its event URI, subject and payload."""
    claims = EXAMPLES[name]
    received = _verifier(claims["iat"] + 1).verify(set_tokens.sign_set(claims, KEY))
    ((uri, payload),) = claims["events"].items()
    assert [(e.uri, dict(e.payload)) for e in received.events] == [(uri, payload)]
    assert received.subject is not None and received.subject.uri == claims["sub_id"]["uri"]
    assert received.jti == claims["jti"] and received.txn == claims.get("txn")


def test_full_and_notice_examples_expose_data_and_attributes() -> None:
    """A full event exposes data, a notice event attributes, each with its form."""
    full = decode_claims(EXAMPLES["create full (Figure 4)"]).events[0]
    notice = decode_claims(EXAMPLES["patch notice (Figure 7)"]).events[0]
    assert (full.form, full.data is not None, full.attributes) == ("full", True, None)
    assert (notice.form, notice.data, notice.attributes, notice.version) == (
        "notice", None, ["members"], "a330bc54f0671c9")


def test_scimcore_sets_verify_with_the_published_jwks() -> None:
    """A SET built by scimcore.sets and signed verifies against the JWKS it publishes."""
    from scimcore.events import USER_CREATED, Event

    event = Event("e1", USER_CREATED, "d1", "2026-01-12T09:14:03Z", {"id": "u1", "userName": "a"}, "u1")
    claims = sets.set_claims(event, issuer=ISSUER, audience=FEED, issued_at=1768209250)
    received = _verifier(1768209251).verify(set_tokens.sign_set(claims, KEY))
    assert received.events[0].uri == sets.CREATE_FULL and received.time_of_event == 1768209243


def _tamper(token: str) -> str:
    header, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["events"] = {sets.DELETE: {}}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, forged, signature])


def _refusal(token: str, verifier: SetVerifier) -> str:
    with pytest.raises(SetRejected) as caught:
        verifier.verify(token)
    return caught.value.err


CLAIMS = EXAMPLES["create full (Figure 4)"]
NOW = CLAIMS["iat"] + 1


def test_a_tampered_set_is_refused() -> None:
    """A SET whose claims changed after signing fails the signature check: invalid_key."""
    assert _refusal(_tamper(set_tokens.sign_set(CLAIMS, KEY)), _verifier(NOW)) == "invalid_key"


def test_a_set_signed_with_an_unknown_key_is_refused() -> None:
    """A kid not in the JWKS: invalid_key."""
    assert _refusal(set_tokens.sign_set(CLAIMS, OTHER), _verifier(NOW)) == "invalid_key"


def test_an_expired_set_is_refused() -> None:
    """An iat older than max_age: invalid_request."""
    assert _refusal(set_tokens.sign_set(CLAIMS, KEY), _verifier(NOW + 301, max_age=300)) == "invalid_request"


def test_a_set_from_the_future_is_refused() -> None:
    """An iat ahead of the clock by more than the leeway: invalid_request."""
    assert _refusal(set_tokens.sign_set(CLAIMS, KEY), _verifier(CLAIMS["iat"] - 120, leeway=60)) == "invalid_request"


def test_a_replayed_set_is_refused() -> None:
    """The same jti a second time: SetReplayed, an invalid_request."""
    verifier = _verifier(NOW)
    token = set_tokens.sign_set(CLAIMS, KEY)
    verifier.verify(token)
    with pytest.raises(SetReplayed) as caught:
        verifier.verify(token)
    assert caught.value.err == "invalid_request"


def test_a_set_for_another_audience_is_refused() -> None:
    """An aud that does not name this receiver: invalid_audience."""
    verifier = SetVerifier(set_tokens.jwks([KEY]), issuer=ISSUER, audience="https://elsewhere", clock=lambda: NOW)
    assert _refusal(set_tokens.sign_set(CLAIMS, KEY), verifier) == "invalid_audience"


def test_a_set_from_another_issuer_is_refused() -> None:
    """An iss other than the expected one: invalid_issuer."""
    verifier = SetVerifier(set_tokens.jwks([KEY]), issuer="https://other", audience=FEED, clock=lambda: NOW)
    assert _refusal(set_tokens.sign_set(CLAIMS, KEY), verifier) == "invalid_issuer"


def test_an_unsigned_token_is_refused() -> None:
    """alg none is never accepted."""
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(CLAIMS).encode()).rstrip(b"=").decode()
    assert _refusal(f"{header}.{body}.", _verifier(NOW)) in ("invalid_request", "invalid_key")


def test_garbage_is_an_invalid_request() -> None:
    """A body that is no JWS: invalid_request."""
    assert _refusal("not a token", _verifier(NOW)) == "invalid_request"


def test_a_full_event_without_data_is_refused() -> None:
    """RFC 9967 §2.4: a :full event must carry data."""
    claims = {**CLAIMS, "events": {sets.CREATE_FULL: {"attributes": ["userName"]}}}
    assert _refusal(set_tokens.sign_set(claims, KEY), _verifier(NOW)) == "invalid_request"


def test_a_sub_claim_is_refused() -> None:
    """RFC 9967 §2.1: the subject is in sub_id, never sub."""
    claims = {**CLAIMS, "sub": "alice"}
    assert _refusal(set_tokens.sign_set(claims, KEY), _verifier(NOW)) == "invalid_request"


def test_a_jwt_of_another_type_is_refused() -> None:
    """A JWS typed JWT (an access token, say) is not a SET."""
    from joserfc import jwt
    from joserfc.jwk import ECKey

    private = ECKey.import_key(json.loads(KEY.private_jwk))
    token = jwt.encode({"alg": "ES256", "typ": "JWT", "kid": KEY.kid}, CLAIMS, private)
    assert _refusal(token, _verifier(NOW)) == "invalid_request"


def test_seen_tokens_forget_after_their_time() -> None:
    """A jti is refused until its keep time, then forgotten."""
    now = [100.0]
    seen = MemorySeenTokens(lambda: now[0])
    assert seen.first_time("a", 150.0)
    assert not seen.first_time("a", 150.0)
    now[0] = 151.0
    assert seen.first_time("a", 200.0)
