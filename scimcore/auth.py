"""Authentication hooks: who is calling (RFC 7644 §2).

An authenticator is any callable taking the :class:`~scimcore.transport.ScimRequest` and returning the
subject (a string) or ``None`` for "not authenticated".  :class:`BearerTokens` is the shipped one: tokens are
kept only as SHA-256 digests and compared in constant time.  Tokens are random secrets of at least 32
bytes, so a fast digest is the right tool here (a password hash would only slow every request).

The other secret the service keeps at rest, a resource's ``password`` attribute, is chosen by people and
so gets a slow, salted hash instead (:func:`hash_password`, RFC 7643 §4.1.1).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping

from scimcore.transport import ScimRequest

Authenticator = Callable[[ScimRequest], str | None]


def hash_token(token: str) -> str:
    """The hex SHA-256 digest under which a token is kept at rest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """A salted scrypt hash of a ``password`` attribute; the clear text is never stored (RFC 7643 §4.1.1)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` hash, compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(digest) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), digest)


def generate_token() -> str:
    """A new bearer token: 32 bytes from the operating system's CSPRNG, URL-safe."""
    return secrets.token_urlsafe(32)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive), if any."""
    value = headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class BearerTokens:
    """Accept requests whose bearer token matches one of a set of tokens, each mapped to a subject.

    ``BearerTokens({"<sha256 hex>": "okta"}, hashed=True)`` takes digests already; with ``hashed=False`` the
    plain tokens are digested at once and never kept.
    """

    def __init__(self, tokens: Mapping[str, str] | Iterable[str], *, hashed: bool = False) -> None:
        pairs = tokens.items() if isinstance(tokens, Mapping) else ((t, "default") for t in tokens)
        self._digests: list[tuple[bytes, str]] = [
            (bytes.fromhex(t) if hashed else hashlib.sha256(t.encode("utf-8")).digest(), subject)
            for t, subject in pairs
        ]

    def __call__(self, request: ScimRequest) -> str | None:
        """The subject of the matching token, or ``None``; every stored digest is compared."""
        token = bearer_token(request.headers)
        if token is None:
            return None
        digest = hashlib.sha256(token.encode("utf-8")).digest()
        found: str | None = None
        for candidate, subject in self._digests:
            if hmac.compare_digest(candidate, digest):
                found = subject
        return found
