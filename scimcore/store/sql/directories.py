"""Directories and token digests in SQL (``scim_directories``, ``scim_tokens``).

Owns: directory and token records (digests only; a clear token never reaches a store).
Must not: check tokens (:mod:`scimcore.directories` does, in constant time) or touch resources.
"""


import json
from typing import Any

from sqlalchemy import (
    and_,
    insert,
    select,
    update,
)

from scimcore.store.ports import Directory, TokenRecord
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.schema import directories, tokens


class SqlDirectories(SqlEngine):
    """Directories and tokens in SQL; composed into :class:`~scimcore.store.sql.SqlStore`."""

    @staticmethod
    def _directory(row: Any) -> Directory:
        options = row.options if isinstance(row.options, dict) else json.loads(row.options or "{}")
        return Directory(
            id=row.id,
            name=row.name,
            provider=row.provider,
            tenant=row.tenant,
            product=row.product,
            active=bool(row.active),
            created=row.created,
            webhook_url=row.webhook_url,
            webhook_secret=row.webhook_secret,
            options=options,
        )

    def save_directory(self, directory: Directory) -> None:
        """Insert or update a directory."""
        values = {
            "name": directory.name,
            "provider": directory.provider,
            "tenant": directory.tenant,
            "product": directory.product,
            "active": directory.active,
            "created": directory.created,
            "webhook_url": directory.webhook_url,
            "webhook_secret": directory.webhook_secret,
            "options": dict(directory.options),
        }
        with self._tx(write=True) as conn:
            found = conn.execute(update(directories).where(directories.c.id == directory.id).values(**values))
            if not found.rowcount:
                conn.execute(insert(directories).values(id=directory.id, **values))

    def get_directory(self, directory_id: str) -> Directory | None:
        """The directory with ``directory_id``, or ``None``."""
        with self._tx() as conn:
            row = conn.execute(select(directories).where(directories.c.id == directory_id)).first()
            return self._directory(row) if row is not None else None

    def list_directories(self) -> list[Directory]:
        """Every directory in creation order."""
        with self._tx() as conn:
            return [self._directory(r) for r in conn.execute(select(directories).order_by(directories.c.seq))]


    def add_token(self, record: TokenRecord) -> None:
        """Keep a token digest."""
        with self._tx(write=True) as conn:
            conn.execute(
                insert(tokens).values(
                    digest=record.digest, directory_id=record.directory_id, created=record.created, revoked=False
                )
            )

    def revoke_tokens(self, directory_id: str, keep: str | None = None) -> int:
        """Revoke the directory's tokens except ``keep``."""
        condition = and_(tokens.c.directory_id == directory_id, tokens.c.revoked.is_(False))
        if keep is not None:
            condition = and_(condition, tokens.c.digest != keep)
        with self._tx(write=True) as conn:
            return int(conn.execute(update(tokens).where(condition).values(revoked=True)).rowcount or 0)

    def find_token(self, digest: str) -> TokenRecord | None:
        """The live token with ``digest``."""
        with self._tx() as conn:
            row = conn.execute(
                select(tokens).where(tokens.c.digest == digest, tokens.c.revoked.is_(False))
            ).first()
            return TokenRecord(row.digest, row.directory_id, row.created, bool(row.revoked)) if row else None
