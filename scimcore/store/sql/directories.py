"""Directories and token digests in SQL (``scim_directories``, ``scim_tokens``).

A directory's record is read by every request to it, so the store keeps each record it read for
:data:`DIRECTORY_CACHE_SECONDS`: a change made through this store is seen at once (saving or deleting a
directory drops its record), one made by another process (``scimcore directories deactivate``, a second
server on the same database) within that time.  That a directory has no record is kept as long (a library
serving the default directory has none), for at most :data:`ABSENT_KEPT` ids at once, so that ids which name
nothing cannot grow the cache.  Tokens are never cached: a revoked token is refused at once.

Owns: directory and token records (digests only; a clear token never reaches a store).
Must not: check tokens (:mod:`scimcore.directories` does, in constant time) or touch resources.
"""


import json
import time
from dataclasses import replace
from functools import cached_property
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    insert,
    select,
    update,
)

from scimcore.store.ports import Directory, TokenRecord
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.rows import Prepared
from scimcore.store.sql.schema import directories, tokens

DIRECTORY_CACHE_SECONDS = 1.0
"""How long a directory's record read from the database is used again without reading it."""

ABSENT_KEPT = 256
"""How many ids found to have no directory record are remembered at once (all are forgotten when full)."""


class _Lookups:
    """The two reads every directory request makes, compiled once, and the directory records read lately.

    The reads: a directory by id, a live token by digest.
    """

    def __init__(self, store: SqlEngine) -> None:
        self.recent: dict[str, tuple[float, Directory]] = {}
        self.absent: dict[str, float] = {}  # directory id -> when it was found to have no record
        database = store.engine.dialect
        self.directory = Prepared(select(directories).where(directories.c.id == bindparam("id")), database)
        self.token = Prepared(
            select(tokens).where(tokens.c.digest == bindparam("digest"), tokens.c.revoked.is_(False)), database
        )


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
            event_delivery=row.event_delivery,
            set_form=row.set_form,
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
            "event_delivery": directory.event_delivery,
            "set_form": directory.set_form,
        }
        self._forget_directory_record(directory.id)
        with self._tx(write=True) as conn:
            found = conn.execute(update(directories).where(directories.c.id == directory.id).values(**values))
            if not found.rowcount:
                conn.execute(insert(directories).values(id=directory.id, **values))
        self._forget_directory_record(directory.id)

    @cached_property
    def _lookups(self) -> _Lookups:
        return _Lookups(self)

    def get_directory(self, directory_id: str) -> Directory | None:
        """The directory with ``directory_id``, or ``None`` (read again after :data:`DIRECTORY_CACHE_SECONDS`)."""
        now = time.monotonic()
        kept = self._lookups.recent.get(directory_id)
        if kept is not None and now - kept[0] < DIRECTORY_CACHE_SECONDS:
            return replace(kept[1], options=dict(kept[1].options))
        absent = self._lookups.absent
        if now - absent.get(directory_id, -DIRECTORY_CACHE_SECONDS) < DIRECTORY_CACHE_SECONDS:
            return None
        with self._tx(single=True) as conn:
            row = self._lookups.directory(conn, {"id": directory_id}).first()
        if row is None:
            self._lookups.recent.pop(directory_id, None)
            if len(absent) >= ABSENT_KEPT:
                absent.clear()
            absent[directory_id] = now
            return None
        absent.pop(directory_id, None)
        found = self._directory(row)
        self._lookups.recent[directory_id] = (now, found)
        return replace(found, options=dict(found.options))

    def _forget_directory_record(self, directory_id: str) -> None:
        self._lookups.recent.pop(directory_id, None)
        self._lookups.absent.pop(directory_id, None)

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
        with self._tx(single=True) as conn:
            row = self._lookups.token(conn, {"digest": digest}).first()
            return TokenRecord(row.digest, row.directory_id, row.created, bool(row.revoked)) if row else None
