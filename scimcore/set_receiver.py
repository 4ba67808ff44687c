"""Receiving Security Event Tokens in the host application: verify a SET and decode it into typed events.

:class:`SetVerifier` checks, in this order, and refuses with :class:`SetRejected` carrying the RFC 8935 §2.4
error code a push receiver answers with (``400`` and ``{"err": ..., "description": ...}``) or a poller
reports in ``setErrs`` (RFC 8936 §2.4):

- the JWS header: ``typ`` ``secevent+jwt`` when present (RFC 8417 §2.3), an allowed ``alg`` (never
  ``none``) — else ``invalid_request``;
- the signature, against the JWKS by ``kid`` — else ``invalid_key``;
- ``iss`` — else ``invalid_issuer``; ``aud`` — else ``invalid_audience``;
- ``iat`` no older than ``max_age`` and not ahead of the clock by more than ``leeway`` (freshness), a ``jti``
  not seen before (replay), an ``events`` object, no ``sub`` claim (RFC 9967 §2.1) — else
  ``invalid_request`` (a replay as :class:`SetReplayed`, which a receiver may answer as accepted).

A SET that passes becomes a :class:`ReceivedSet` with one :class:`ReceivedEvent` per event URI.  The SCIM
provisioning events must carry exactly one of ``data`` (full form) or ``attributes`` (notice form), and
``prov:delete`` neither (RFC 9967 §2.4).

Owns: verification and decoding.  Must not: fetch a JWKS over the network (pass a callable that does, and
caches), or keep state beyond the :class:`SeenTokens` it is given.  Needs the ``sets`` extra (joserfc).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import BadSignatureError, DecodeError, JoseError
from joserfc.jwk import KeySet

from scimcore import sets

ALLOWED_ALGORITHMS = ("ES256", "ES384", "RS256", "PS256", "EdDSA")
"""The JWS algorithms a verifier accepts unless told otherwise; ``none`` is never among them."""


class SetRejected(Exception):
    """A SET refused: ``err`` is the RFC 8935 §2.4 error code, ``description`` says why."""

    def __init__(self, err: str, description: str) -> None:
        super().__init__(f"{err}: {description}")
        self.err = err
        self.description = description

    def body(self) -> dict[str, str]:
        """The error object of an RFC 8935 §2.3 response or an RFC 8936 ``setErrs`` entry."""
        return {"err": self.err, "description": self.description}


class SetReplayed(SetRejected):
    """A SET whose ``jti`` was accepted before: refused as a replay (``invalid_request``).

    Delivery is at least once, so the transmitter may send a SET again when the first answer was lost: a
    receiver that kept the first one may answer this one as accepted too (the examples do).
    """


class SeenTokens(Protocol):
    """Remembers the ``jti`` of SETs already accepted, to refuse a replay.

    A ``jti`` is recorded when the SET verifies.  Where a SET must never be lost, record it in the same
    transaction that keeps what the SET says (your database), so a receiver that failed before keeping it
    does not take the SET sent again for a replay.
    """

    def first_time(self, jti: str, keep_until: float) -> bool:
        """Record ``jti`` until ``keep_until`` (Unix time); whether it was not recorded yet."""
        ...


class MemorySeenTokens:
    """:class:`SeenTokens` in process memory (one process; use a shared store behind several)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def first_time(self, jti: str, keep_until: float) -> bool:
        """Record ``jti``; forget the ones whose time has passed."""
        now = self._clock()
        with self._lock:
            for old in [k for k, until in self._seen.items() if until < now]:
                del self._seen[old]
            if jti in self._seen:
                return False
            self._seen[jti] = keep_until
            return True


@dataclass(frozen=True, slots=True)
class SubjectId:
    """The ``sub_id`` of a SCIM event (RFC 9967 §2.1): the resource's relative ``uri`` and its ids."""

    uri: str
    id: str | None = None
    external_id: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One event of a SET: its URI and payload, with the RFC 9967 §2.2 attributes picked out."""

    uri: str
    payload: Mapping[str, Any]

    @property
    def form(self) -> str | None:
        """``full`` or ``notice`` for provisioning events that have the qualifier, else ``None``."""
        last = self.uri.rsplit(":", 1)[-1]
        return last if last in sets.FORMS else None

    @property
    def data(self) -> Mapping[str, Any] | None:
        """The ``data`` of a full event (the resource, or a PatchOp for ``prov:patch:full``)."""
        value = self.payload.get("data")
        return value if isinstance(value, Mapping) else None

    @property
    def attributes(self) -> list[str] | None:
        """The ``attributes`` of a notice event."""
        value = self.payload.get("attributes")
        return list(value) if isinstance(value, list) else None

    @property
    def version(self) -> str | None:
        """The resource's ETag after the event, when given."""
        value = self.payload.get("version")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class ReceivedSet:
    """A verified SET: its claims and its events."""

    jti: str
    issuer: str
    audience: list[str]
    issued_at: int
    subject: SubjectId | None
    events: list[ReceivedEvent]
    txn: str | None = None
    time_of_event: int | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)


def _check_payload(uri: str, payload: Any) -> None:
    """RFC 9967 §2.4: ``data`` xor ``attributes`` per form; ``prov:delete`` carries neither."""
    if not isinstance(payload, Mapping):
        raise SetRejected("invalid_request", f"the payload of {uri} is not a JSON object")
    if not uri.startswith(sets.PREFIX + "prov:"):
        return
    has_data, has_attributes = "data" in payload, "attributes" in payload
    if uri.endswith(":full") and not (has_data and not has_attributes):
        raise SetRejected("invalid_request", f"{uri} must carry 'data' and not 'attributes'")
    if uri.endswith(":notice") and not (has_attributes and not has_data):
        raise SetRejected("invalid_request", f"{uri} must carry 'attributes' and not 'data'")
    if uri == sets.DELETE and (has_data or has_attributes):
        raise SetRejected("invalid_request", f"{uri} carries no payload attributes")
    if has_attributes and not (
        isinstance(payload["attributes"], list) and all(isinstance(a, str) for a in payload["attributes"])
    ):
        raise SetRejected("invalid_request", f"the 'attributes' of {uri} must be a list of attribute paths")


def decode_claims(claims: Mapping[str, Any]) -> ReceivedSet:
    """A :class:`ReceivedSet` from a SET's claims set, checking the shape RFC 8417 and RFC 9967 give it."""
    events = claims.get("events")
    if not isinstance(events, Mapping) or not events:
        raise SetRejected("invalid_request", "the SET has no 'events' object")
    if "sub" in claims:
        raise SetRejected("invalid_request", "a SCIM SET identifies its subject with 'sub_id', never 'sub'")
    for uri, payload in events.items():
        _check_payload(uri, payload)
    jti, iss, iat = claims.get("jti"), claims.get("iss"), claims.get("iat")
    if not isinstance(jti, str) or not jti:
        raise SetRejected("invalid_request", "the SET has no 'jti'")
    if not isinstance(iss, str):
        raise SetRejected("invalid_issuer", "the SET has no 'iss'")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise SetRejected("invalid_request", "the SET has no numeric 'iat'")
    aud = claims.get("aud")
    listed = aud if isinstance(aud, list) else [aud]
    audience = [a for a in listed if isinstance(a, str)]
    sub_id = claims.get("sub_id")
    subject = None
    if isinstance(sub_id, Mapping) and isinstance(sub_id.get("uri"), str):
        extra = {k: v for k, v in sub_id.items() if k not in ("format", "uri", "id", "externalId")}
        subject = SubjectId(sub_id["uri"], sub_id.get("id"), sub_id.get("externalId"), extra)
    toe = claims.get("toe")
    txn = claims.get("txn")
    return ReceivedSet(
        jti=jti,
        issuer=iss,
        audience=audience,
        issued_at=iat,
        subject=subject,
        events=[ReceivedEvent(uri, payload) for uri, payload in events.items()],
        txn=txn if isinstance(txn, str) else None,
        time_of_event=toe if isinstance(toe, int) else None,
        claims=dict(claims),
    )


class SetVerifier:
    """Verifies SETs from one transmitter for one receiver (see the module docstring for the checks).

    ``jwks`` is the transmitter's JWK Set, or a callable returning it (called for each SET: cache inside).
    ``audience`` is the value this receiver expects among the SET's ``aud``.
    """

    def __init__(
        self,
        jwks: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
        *,
        issuer: str,
        audience: str,
        max_age: float = 300.0,
        leeway: float = 60.0,
        seen: SeenTokens | None = None,
        algorithms: tuple[str, ...] = ALLOWED_ALGORITHMS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.max_age = max_age
        self.leeway = leeway
        self.seen = seen if seen is not None else MemorySeenTokens(clock)
        self.algorithms = tuple(a for a in algorithms if a.lower() != "none")
        self.clock = clock

    def _key_set(self) -> KeySet:
        document = self._jwks() if callable(self._jwks) else self._jwks
        try:
            return KeySet.import_key_set(dict(document))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise SetRejected("invalid_key", f"the JWKS cannot be read: {type(exc).__name__}") from None

    def verify(self, token: str | bytes) -> ReceivedSet:
        """The SET in ``token`` (compact JWS), verified and decoded; :class:`SetRejected` when refused."""
        text = token.decode("ascii", "replace") if isinstance(token, bytes) else token
        text = text.strip()
        keys = self._key_set()
        try:
            decoded = jwt.decode(text, keys, algorithms=list(self.algorithms))
        except BadSignatureError:
            raise SetRejected("invalid_key", "the signature does not verify with the transmitter's keys") from None
        except DecodeError as exc:
            raise SetRejected("invalid_request", f"not a signed JWT: {exc.description or 'unreadable'}") from None
        except JoseError as exc:
            err = "invalid_key" if "key" in type(exc).__name__.lower() else "invalid_request"
            raise SetRejected(err, f"the SET was refused: {exc.error}") from None
        except (ValueError, TypeError):
            raise SetRejected("invalid_request", "not a signed JWT") from None
        typ = decoded.header.get("typ")
        if typ is not None and str(typ).lower() not in (sets.SET_MEDIA_TYPE, "secevent+jwt"):
            raise SetRejected("invalid_request", f"the JWS 'typ' is {typ!r}, not 'secevent+jwt'")
        received = decode_claims(decoded.claims)
        if received.issuer != self.issuer:
            raise SetRejected("invalid_issuer", f"the issuer {received.issuer!r} is not the expected one")
        if self.audience not in received.audience:
            raise SetRejected("invalid_audience", "this receiver is not among the SET's audience")
        now = self.clock()
        if received.issued_at < now - self.max_age:
            raise SetRejected("invalid_request", "the SET was issued too long ago ('iat')")
        if received.issued_at > now + self.leeway:
            raise SetRejected("invalid_request", "the SET was issued in the future ('iat')")
        if not self.seen.first_time(received.jti, received.issued_at + self.max_age + self.leeway):
            raise SetReplayed("invalid_request", f"the SET {received.jti} was received before (replay)")
        return received
