"""Signing Security Event Tokens and publishing their keys: JWS (RFC 7515) with joserfc, JWKS (RFC 7517).

A SET is a JWT (RFC 8417 §2) signed as a JWS with ``typ`` ``secevent+jwt`` (§2.3) and the ``kid`` of the
signing key.  Keys are ES256 (ECDSA P-256, RFC 7518 §3.4) and named by their RFC 7638 thumbprint.

Rotation: a scope (the server's keys, :data:`~scimcore.store.ports.SERVER_KEYS`, or one directory's) may hold
several keys; the newest live one signs, and every live one is published in the scope's JWKS, so a receiver
that fetched the JWKS before a rotation still verifies SETs signed with the older key until it is retired.
A directory with keys of its own signs with them; one without signs with the server's.

joserfc, by the author of Authlib, is the JOSE library: it is maintained, typed (``py.typed``; scimcore's
mypy runs strict), implements each JOSE RFC in a module of its own and builds on ``cryptography``.  It comes
with the ``sets`` extra and is imported only by this module and :mod:`scimcore.set_receiver`, never by
``import scimcore``.

Owns: key generation, signing and the public JWKS.  Must not: store keys (a store's
:class:`~scimcore.store.ports.SigningKeys` does), log or return a private key, or build claims
(:mod:`scimcore.sets` does).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

from scimcore.sets import SET_MEDIA_TYPE
from scimcore.store.ports import SERVER_KEYS, SigningKey, SigningKeys

ALGORITHM = "ES256"
SET_TYP = SET_MEDIA_TYPE.removeprefix("application/")


def utc_stamp(epoch: float) -> str:
    """Unix time as the RFC 3339 UTC stamp a key's ``created`` holds."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_signing_key(scope: str, created: str) -> SigningKey:
    """A new ES256 key for ``scope``, named by its RFC 7638 thumbprint."""
    key = ECKey.generate_key("P-256", private=True)
    private = dict(key.as_dict(private=True))
    return SigningKey(kid=key.thumbprint(), scope=scope, private_jwk=json.dumps(private), created=created)


def public_jwk(key: SigningKey) -> dict[str, Any]:
    """The public half of ``key`` as a JWK with ``kid``, ``use`` ``sig`` and ``alg``."""
    private = json.loads(key.private_jwk)
    public = {k: v for k, v in private.items() if k in ("kty", "crv", "x", "y")}
    return {**public, "kid": key.kid, "use": "sig", "alg": ALGORITHM}


def jwks(keys: Iterable[SigningKey]) -> dict[str, Any]:
    """The JWK Set (RFC 7517 §5) of the live keys among ``keys``."""
    return {"keys": [public_jwk(k) for k in keys if not k.retired]}


def current_key(keys: Iterable[SigningKey]) -> SigningKey | None:
    """The key that signs now: the newest live one (``keys`` newest first, as the store lists them)."""
    return next((k for k in keys if not k.retired), None)


def sign_set(claims: Mapping[str, Any], key: SigningKey) -> str:
    """The compact JWS of ``claims`` signed with ``key`` (``typ`` ``secevent+jwt``, RFC 8417 §2.3)."""
    private = ECKey.import_key(json.loads(key.private_jwk))
    header = {"alg": ALGORITHM, "typ": SET_TYP, "kid": key.kid}
    return jwt.encode(header, dict(claims), private, algorithms=[ALGORITHM])


def directory_keys(store: SigningKeys, directory_id: str) -> list[SigningKey]:
    """The keys that may sign ``directory_id``'s SETs: its own, newest first, else the server's."""
    own = store.signing_keys(directory_id)
    return own if current_key(own) is not None else store.signing_keys(SERVER_KEYS)


def published_keys(store: SigningKeys, directory_id: str) -> dict[str, Any]:
    """The JWKS a receiver of ``directory_id`` verifies with: the directory's live keys and the server's."""
    return jwks([*store.signing_keys(directory_id), *store.signing_keys(SERVER_KEYS)])


def ensure_server_key(store: SigningKeys, created: str) -> None:
    """Make (and keep) a server key when the server has no live one, so its JWKS is never empty."""
    if current_key(store.signing_keys(SERVER_KEYS)) is None:
        store.add_signing_key(generate_signing_key(SERVER_KEYS, created))


def signer_for(store: SigningKeys, directory_id: str, created: str) -> SigningKey:
    """The key signing ``directory_id``'s SETs now; a server key is made (and kept) when there is none."""
    key = current_key(directory_keys(store, directory_id))
    if key is None:
        key = generate_signing_key(SERVER_KEYS, created)
        store.add_signing_key(key)
    return key
