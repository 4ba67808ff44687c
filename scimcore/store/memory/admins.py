"""The admin console's accounts in process memory (:class:`~scimcore.store.ports.AdminStore`).

Owns: the accounts by name.  Must not: hash or check passwords (:mod:`scimcore.console` does).
"""

from __future__ import annotations

import threading

from scimcore.store.ports import AdminAccount


class MemoryAdmins:
    """Admin accounts in memory; composed into :class:`~scimcore.store.memory.MemoryStore`."""

    _lock: threading.RLock
    _admins: dict[str, AdminAccount]

    def save_admin(self, account: AdminAccount) -> None:
        """Insert or replace the account called ``account.name``."""
        with self._lock:
            self._admins[account.name] = account

    def get_admin(self, name: str) -> AdminAccount | None:
        """The account called ``name``, or ``None``."""
        with self._lock:
            return self._admins.get(name)

    def list_admins(self) -> list[AdminAccount]:
        """Every account, by name."""
        with self._lock:
            return sorted(self._admins.values(), key=lambda a: a.name)

    def delete_admin(self, name: str) -> bool:
        """Remove the account; whether it existed."""
        with self._lock:
            return self._admins.pop(name, None) is not None
