"""Setup links and ended console sessions in SQL (``scim_setup_links``, ``scim_admin_session_ends``).

Implements :class:`~scimcore.store.ports.SetupLinks` and :class:`~scimcore.store.ports.SessionEnds`.
Owns: the rows of both tables.  Must not: make secrets, decide expiry or render pages
(:mod:`scimcore.setup_links` and :mod:`scimcore.console` do).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from scimcore.store.ports import SetupLink
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.schema import session_ends, setup_links


def _link(row: Any) -> SetupLink:
    return SetupLink(row.id, row.directory, row.digest, row.created, row.expires, bool(row.revoked),
                     bool(row.token_revealed))


class SqlLinks(SqlEngine):
    """Setup links and session ends in SQL; composed into :class:`~scimcore.store.sql.SqlStore`."""

    def save_setup_link(self, link: SetupLink) -> None:
        """Keep a new link."""
        with self._tx(write=True) as conn:
            conn.execute(insert(setup_links).values(
                id=link.id, directory=link.directory, digest=link.digest, created=link.created,
                expires=link.expires, revoked=link.revoked, token_revealed=link.token_revealed,
            ))

    def find_setup_link(self, digest: str) -> SetupLink | None:
        """The link whose secret has ``digest``, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(select(setup_links).where(setup_links.c.digest == digest)).first()
        return _link(row) if row is not None else None

    def list_setup_links(self, directory: str) -> list[SetupLink]:
        """The directory's links, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(select(setup_links).where(setup_links.c.directory == directory)
                                .order_by(setup_links.c.created, setup_links.c.id)).all()
        return [_link(row) for row in rows]

    def revoke_setup_link(self, directory: str, link_id: str) -> bool:
        """Revoke link ``link_id`` of ``directory``; whether such a live link existed."""
        with self._tx(write=True) as conn:
            changed = conn.execute(update(setup_links).where(
                setup_links.c.directory == directory, setup_links.c.id == link_id, setup_links.c.revoked.is_(False),
            ).values(revoked=True)).rowcount
        return bool(changed)

    def claim_setup_token(self, digest: str) -> bool:
        """Mark the link's token as revealed; ``True`` only for the one call that changed it."""
        with self._tx(write=True) as conn:
            changed = conn.execute(update(setup_links).where(
                setup_links.c.digest == digest, setup_links.c.token_revealed.is_(False),
            ).values(token_revealed=True)).rowcount
        return bool(changed)

    def end_session(self, nonce: str, until: float) -> None:
        """Refuse session ``nonce`` until ``until``; rows past their own ``until`` are dropped on the way."""
        with self._tx(write=True) as conn:
            conn.execute(delete(session_ends).where(session_ends.c.nonce == nonce))
            conn.execute(insert(session_ends).values(nonce=nonce, until=until))

    def session_ended(self, nonce: str) -> bool:
        """Whether session ``nonce`` was ended."""
        with self._tx() as conn:
            return conn.execute(select(session_ends.c.nonce).where(session_ends.c.nonce == nonce)).first() is not None

    def forget_session_ends(self, before: float) -> int:
        """Drop the ends of sessions that expired before ``before`` (they are refused by age anyway)."""
        with self._tx(write=True) as conn:
            return int(conn.execute(delete(session_ends).where(session_ends.c.until < before)).rowcount)
