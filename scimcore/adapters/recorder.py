"""The provisioning flight recorder: each directory's last requests, as its identity provider sent them.

"What did the identity provider send?" is the first question when provisioning goes wrong.  Both adapters
hand every request that reached a directory to a :class:`FlightRecorder`, which keeps, per directory, the last
``keep`` requests of at most ``max_age`` seconds: method, path, query, status, duration, the body as redacted
JSON (:func:`~scimcore.adapters.access.redact`: passwords, tokens and secrets never stored), the SCIM error's
detail, the identity provider's request id and, for a 201, the id it created.  A request refused with
``401`` is not recorded: anyone can send one, to any directory id, and it must not fill the store.

Entries are written to the store (:class:`~scimcore.store.ports.Recorder`) in batches, after the response
has been sent, so recording does not slow the request it records; a crash loses at most the last batch
(``batch`` requests or ``flush_seconds``).  :func:`export_lines` writes the replay file that ``scimcore recorder
export`` saves and ``scimcore check --replay`` reads (:mod:`scimcore.check.replay`, which imports no engine).

Owns: what is recorded and how it is redacted, the batching, the replay file format.
Must not: block a request on a store write, or keep a secret.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from urllib.parse import unquote

from scimcore.adapters.access import REDACTED, is_sensitive, redact_body, request_id
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.store.ports import RecordedRequest, Recorder
from scimcore.transport import ScimRequest, ScimResponse

logger = logging.getLogger("scimcore")

RECORDING_FORMAT = "scimcore-recording/1"
"""The first line of a replay file names its format."""


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def redact_query(query: str) -> str:
    """The query string as sent, with the values of sensitive parameters (``access_token``…) redacted."""
    parts = []
    for part in query.split("&") if query else []:
        name, sep, _value = part.partition("=")
        parts.append(f"{name}={REDACTED}" if sep and is_sensitive(unquote(name)) else part)
    return "&".join(parts)


def _detail(response: ScimResponse) -> str | None:
    if response.status < 400 or not response.body:
        return None
    try:
        found = json.loads(response.body).get("detail")
    except (ValueError, AttributeError):
        return None
    return str(found)[:2000] if found is not None else None


def _created_id(response: ScimResponse) -> str | None:
    if response.status != 201 or not response.body:
        return None
    try:
        found = json.loads(response.body).get("id")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


class FlightRecorder:
    """Collects requests and writes them to ``store`` in batches (see the module docstring)."""

    def __init__(
        self,
        store: Recorder,
        *,
        keep: int = 200,
        max_age: float = 7 * 24 * 3600.0,
        batch: int = 32,
        flush_seconds: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.store = store
        self.keep = keep
        self.max_age = max_age
        self.batch = batch
        self.flush_seconds = flush_seconds
        self.clock = clock
        self._pending: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._oldest: float | None = None

    def observe(self, request: ScimRequest, response: ScimResponse, duration_ms: float) -> None:
        """Note one answered request (cheap: no I/O); :meth:`due` says when to :meth:`flush`.

        A ``401`` is left out (see the module docstring).
        """
        if response.status == 401:
            return
        now = self.clock()
        entry = RecordedRequest(
            directory=request.directory or DEFAULT_DIRECTORY,
            at=_stamp(now),
            method=request.method.upper()[:16],
            path=request.path[:2000],
            query=redact_query(request.query)[:8000],
            status=response.status,
            duration_ms=round(duration_ms, 3),
            body=redact_body(request.body),
            detail=_detail(response),
            request_id=request_id(request.headers),
            resource_id=_created_id(response),
        )
        with self._lock:
            self._pending.append(entry)
            if self._oldest is None:
                self._oldest = now

    def due(self) -> bool:
        """Whether a batch is full or has waited ``flush_seconds``."""
        with self._lock:
            if not self._pending:
                return False
            return len(self._pending) >= self.batch or self.clock() - (self._oldest or 0.0) >= self.flush_seconds

    def flush(self) -> int:
        """Write what was collected (blocking: the ASGI adapter calls it in a worker thread); return how many."""
        with self._lock:
            taken, self._pending, self._oldest = self._pending, [], None
        if taken:
            self.store.record_requests(taken, keep=self.keep, not_before=_stamp(self.clock() - self.max_age))
        return len(taken)


    def flush_or_log(self) -> None:
        """:meth:`flush`, logging instead of raising: a store that cannot take the batch loses it, not a request."""
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - diagnostics never fail the service
            logger.warning("the flight recorder could not write its requests", exc_info=True)


def export_lines(directory: str, entries: Iterable[RecordedRequest]) -> Iterator[str]:
    """The replay file of ``directory``: a header line naming the format, then one request per line."""
    listed = list(entries)
    yield json.dumps({"format": RECORDING_FORMAT, "directory": directory, "requests": len(listed)})
    for entry in listed:
        yield json.dumps({k: v for k, v in asdict(entry).items() if k != "seq"}, ensure_ascii=False)
