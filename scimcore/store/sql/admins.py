"""The admin console's accounts in SQL (``scim_admins``; :class:`~scimcore.store.ports.AdminStore`).

Owns: the accounts by name.  Must not: hash or check passwords (:mod:`scimcore.console` does).
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from scimcore.store.ports import AdminAccount
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.schema import admins


class SqlAdmins(SqlEngine):
    """Admin accounts in SQL; composed into :class:`~scimcore.store.sql.SqlStore`."""

    def save_admin(self, account: AdminAccount) -> None:
        """Insert or replace the account called ``account.name``."""
        with self._tx(write=True) as conn:
            conn.execute(delete(admins).where(admins.c.name == account.name))
            conn.execute(insert(admins).values(name=account.name, password_hash=account.password_hash,
                                               created=account.created))

    def get_admin(self, name: str) -> AdminAccount | None:
        """The account called ``name``, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(select(admins).where(admins.c.name == name)).first()
        return AdminAccount(row.name, row.password_hash, row.created) if row is not None else None

    def list_admins(self) -> list[AdminAccount]:
        """Every account, by name."""
        with self._tx() as conn:
            rows = conn.execute(select(admins).order_by(admins.c.name)).all()
        return [AdminAccount(row.name, row.password_hash, row.created) for row in rows]

    def delete_admin(self, name: str) -> bool:
        """Remove the account; whether it existed."""
        with self._tx(write=True) as conn:
            return bool(conn.execute(delete(admins).where(admins.c.name == name)).rowcount)
