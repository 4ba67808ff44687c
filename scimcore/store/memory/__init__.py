"""The in-memory reference store: thread-safe, indexed, and what the store test suites use.

:class:`MemoryStore` composes one part per port — :mod:`~scimcore.store.memory.resources`,
:mod:`~scimcore.store.memory.outbox`, :mod:`~scimcore.store.memory.directories`, :mod:`~scimcore.store.memory.keys` and
:mod:`~scimcore.store.memory.recorder` — over one lock, so a
change and its events are written together.  Deleting a directory is the one operation that spans them.

This package does no I/O.
"""

from __future__ import annotations

import threading
from collections import deque

from scimcore.store.memory.admins import MemoryAdmins
from scimcore.store.memory.directories import MemoryDirectories
from scimcore.store.memory.keys import MemoryKeys
from scimcore.store.memory.links import MemoryLinks
from scimcore.store.memory.outbox import EventRow, MemoryOutbox
from scimcore.store.memory.recorder import MemoryRecorder
from scimcore.store.memory.resources import MemoryResources
from scimcore.store.memory.tables import DirectoryTables
from scimcore.store.ports import AdminAccount, Directory, RecordedRequest, SetupLink, SigningKey, TokenRecord

__all__ = ["MemoryStore"]


class MemoryStore(
    MemoryResources, MemoryOutbox, MemoryDirectories, MemoryRecorder, MemoryAdmins, MemoryLinks, MemoryKeys
):
    """A store of every port kept in process memory, for tests and single processes."""

    blocking = False

    def readiness(self) -> list[str]:
        """Always ready: nothing outside the process to reach (:class:`~scimcore.store.ports.Readiness`)."""
        return []

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._dirs: dict[str, DirectoryTables] = {}
        self._directories: dict[str, Directory] = {}
        self._tokens: dict[str, TokenRecord] = {}
        self._events: list[EventRow | None] = []
        self._recorded: dict[str, deque[RecordedRequest]] = {}
        self._recorded_seq = 0
        self._admins: dict[str, AdminAccount] = {}
        self._links: dict[str, SetupLink] = {}
        self._session_ends: dict[str, float] = {}
        self._keys: list[SigningKey] = []

    def delete_directory(self, directory_id: str) -> None:
        """Forget a directory, its tokens, resources and events."""
        with self._lock:
            self._forget_directory(directory_id)
            self._forget_resources(directory_id)
            self._forget_events(directory_id)
            self._forget_recorded(directory_id)
            self._forget_links(directory_id)
            self._forget_keys(directory_id)

    def clear(self) -> None:
        """Forget everything (test helper)."""
        with self._lock:
            self._dirs.clear()
            self._directories.clear()
            self._tokens.clear()
            self._events.clear()
            self._recorded.clear()
            self._admins.clear()
            self._links.clear()
            self._session_ends.clear()
            self._keys.clear()
