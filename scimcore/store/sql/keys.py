"""SET signing keys in SQL (``scim_signing_keys``; :class:`~scimcore.store.ports.SigningKeys`).

Owns: the rows of that table.  Must not: make, use or show keys (:mod:`scimcore.set_tokens` does).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from scimcore.store.ports import SigningKey
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.schema import signing_keys


def _key(row: Any) -> SigningKey:
    return SigningKey(row.kid, row.scope, row.private_jwk, row.created, bool(row.retired))


class SqlKeys(SqlEngine):
    """Signing keys in SQL; composed into :class:`~scimcore.store.sql.SqlStore`."""

    def add_signing_key(self, key: SigningKey) -> None:
        """Keep a new key."""
        with self._tx(write=True) as conn:
            conn.execute(insert(signing_keys).values(
                scope=key.scope, kid=key.kid, private_jwk=key.private_jwk, created=key.created, retired=key.retired,
            ))

    def signing_keys(self, scope: str) -> list[SigningKey]:
        """The keys of ``scope``, newest first."""
        with self._tx() as conn:
            rows = conn.execute(
                select(signing_keys).where(signing_keys.c.scope == scope).order_by(signing_keys.c.seq.desc())
            ).all()
        return [_key(r) for r in rows]

    def retire_signing_key(self, scope: str, kid: str) -> bool:
        """Retire a live key; whether there was one."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(signing_keys)
                .where(signing_keys.c.scope == scope, signing_keys.c.kid == kid, signing_keys.c.retired.is_(False))
                .values(retired=True)
            )
            return bool(result.rowcount)
