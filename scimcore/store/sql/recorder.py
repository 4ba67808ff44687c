"""The flight recorder's requests in SQL (``scim_recorded_requests``; :class:`~scimcore.store.ports.Recorder`).

Owns: appending a batch of recorded requests and pruning each directory to its bound (count and age) in the
same transaction.
Must not: redact or decide what is recorded (:mod:`scimcore.recorder` does).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select

from scimcore.store.ports import RecordedRequest
from scimcore.store.sql.engine import SqlEngine
from scimcore.store.sql.schema import recorded

_FIELDS = ("directory", "at", "method", "path", "query", "status", "duration_ms", "body", "detail", "request_id",
           "resource_id")


class SqlRecorder(SqlEngine):
    """Recorded requests in SQL; composed into :class:`~scimcore.store.sql.SqlStore`."""

    def record_requests(self, entries: Sequence[RecordedRequest], *, keep: int, not_before: str) -> None:
        """Append ``entries``; keep at most ``keep`` per directory, none recorded before ``not_before``."""
        if not entries:
            return
        r = recorded.c
        with self._tx(write=True) as conn:
            conn.execute(insert(recorded), [{name: getattr(e, name) for name in _FIELDS} for e in entries])
            for directory in {e.directory for e in entries}:
                cutoff = conn.execute(
                    select(r.seq).where(r.directory == directory).order_by(r.seq.desc()).offset(keep).limit(1)
                ).scalar_one_or_none()
                if cutoff is not None:
                    conn.execute(delete(recorded).where(r.directory == directory, r.seq <= cutoff))
            conn.execute(delete(recorded).where(r.at < not_before))

    def recorded_requests(self, directory: str, *, limit: int = 100) -> list[RecordedRequest]:
        """The directory's last ``limit`` recorded requests, oldest first."""
        r = recorded.c
        with self._tx() as conn:
            rows = conn.execute(
                select(recorded).where(r.directory == directory).order_by(r.seq.desc()).limit(max(limit, 0))
            ).all()
        return [RecordedRequest(**{n: getattr(row, n) for n in _FIELDS}, seq=int(row.seq)) for row in reversed(rows)]
