"""Directories and token digests of :class:`~scimcore.store.memory.MemoryStore`.

Owns: directory records and token records (digests only; a clear token never reaches a store).
Must not: check tokens (:mod:`scimcore.directories` does, in constant time) or know about resources.
"""

from __future__ import annotations

import threading

from scimcore.store.ports import Directory, TokenRecord


class MemoryDirectories:
    """Directories and tokens in process memory; composed into :class:`~scimcore.store.memory.MemoryStore`."""

    _lock: threading.RLock
    _directories: dict[str, Directory]
    _tokens: dict[str, TokenRecord]

    def _forget_directory(self, directory_id: str) -> None:
        """Drop the directory record and its tokens."""
        self._directories.pop(directory_id, None)
        for digest in [d for d, t in self._tokens.items() if t.directory_id == directory_id]:
            del self._tokens[digest]

    def save_directory(self, directory: Directory) -> None:
        """Insert or update a directory."""
        with self._lock:
            self._directories[directory.id] = directory

    def get_directory(self, directory_id: str) -> Directory | None:
        """The directory with ``directory_id``, or ``None``."""
        return self._directories.get(directory_id)

    def list_directories(self) -> list[Directory]:
        """Every directory in creation order."""
        with self._lock:
            return list(self._directories.values())

    def add_token(self, record: TokenRecord) -> None:
        """Keep a token digest."""
        with self._lock:
            self._tokens[record.digest] = record

    def revoke_tokens(self, directory_id: str, keep: str | None = None) -> int:
        """Revoke the directory's tokens except ``keep``."""
        with self._lock:
            count = 0
            for digest, record in list(self._tokens.items()):
                if record.directory_id == directory_id and digest != keep and not record.revoked:
                    self._tokens[digest] = TokenRecord(record.digest, record.directory_id, record.created, True)
                    count += 1
            return count

    def find_token(self, digest: str) -> TokenRecord | None:
        """The live token with ``digest``."""
        record = self._tokens.get(digest)
        return record if record is not None and not record.revoked else None
