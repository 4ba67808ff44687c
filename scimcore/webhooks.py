"""Webhook signatures: how scimcore signs event deliveries and how receivers verify them.

Each delivery is an HTTP POST whose raw body is the event JSON, with the header::

    Scimcore-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body bytes)>

Receivers verify against the raw bytes they received (never a re-serialised JSON), within a tolerance on
``t`` that stops replays.  Several ``v1=`` values may appear while a secret is being rotated; any match is
enough.  This module is pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Scimcore-Signature"


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale, or does not match the body."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``Scimcore-Signature`` header value for ``body``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, header: str | None, body: bytes, tolerance: int = 300, now: float | None = None) -> int:
    """Check a delivery; return its timestamp or raise :class:`SignatureError`.

    ``tolerance`` is the largest accepted difference, in seconds, between ``t`` and the receiver's clock.
    """
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError(f"malformed {SIGNATURE_HEADER} header")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("signature timestamp outside the tolerance")
    expected = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match the body")
    return timestamp
