"""SET signing keys in process memory (:class:`~scimcore.store.ports.SigningKeys`).

Owns: the keys per scope (the server's, each directory's).  Must not: make, use or show keys
(:mod:`scimcore.set_tokens` does).
"""

from __future__ import annotations

import threading
from dataclasses import replace

from scimcore.store.ports import SigningKey


class MemoryKeys:
    """Signing keys in memory; composed into :class:`~scimcore.store.memory.MemoryStore`."""

    _lock: threading.RLock
    _keys: list[SigningKey]  # oldest first

    def _forget_keys(self, scope: str) -> None:
        """Drop a deleted directory's keys."""
        self._keys[:] = [k for k in self._keys if k.scope != scope]

    def add_signing_key(self, key: SigningKey) -> None:
        """Keep a new key; a kid is kept once per scope."""
        with self._lock:
            if any(k.scope == key.scope and k.kid == key.kid for k in self._keys):
                raise ValueError("a key with this kid exists in this scope")
            self._keys.append(key)

    def signing_keys(self, scope: str) -> list[SigningKey]:
        """The keys of ``scope``, newest first."""
        with self._lock:
            return [k for k in reversed(self._keys) if k.scope == scope]

    def retire_signing_key(self, scope: str, kid: str) -> bool:
        """Retire a live key; whether there was one."""
        with self._lock:
            for index, key in enumerate(self._keys):
                if key.scope == scope and key.kid == kid and not key.retired:
                    self._keys[index] = replace(key, retired=True)
                    return True
            return False
