"""The flight recorder's requests in process memory (:class:`~scimcore.store.ports.Recorder`).

Owns: each directory's last requests, bounded by count and age when they are appended.
Must not: redact or decide what is recorded (:mod:`scimcore.recorder` does).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import replace

from scimcore.store.ports import RecordedRequest


class MemoryRecorder:
    """Recorded requests in memory; composed into :class:`~scimcore.store.memory.MemoryStore`."""

    _lock: threading.RLock
    _recorded: dict[str, deque[RecordedRequest]]
    _recorded_seq: int

    def record_requests(self, entries: Sequence[RecordedRequest], *, keep: int, not_before: str) -> None:
        """Append ``entries``; keep at most ``keep`` per directory, none recorded before ``not_before``."""
        with self._lock:
            for entry in entries:
                self._recorded_seq += 1
                kept = self._recorded.setdefault(entry.directory, deque())
                kept.append(replace(entry, seq=self._recorded_seq))
            for kept in self._recorded.values():
                while kept and (len(kept) > keep or kept[0].at < not_before):
                    kept.popleft()

    def recorded_requests(self, directory: str, *, limit: int = 100) -> list[RecordedRequest]:
        """The directory's last ``limit`` recorded requests, oldest first."""
        with self._lock:
            kept = list(self._recorded.get(directory, ()))
        return kept[-limit:] if limit > 0 else []

    def _forget_recorded(self, directory: str) -> None:
        self._recorded.pop(directory, None)
