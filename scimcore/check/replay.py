"""``scimcore check --replay``: send a recorded directory's requests to any SCIM server, in order, and compare.

A replay file (``scimcore recorder export``) holds a header line naming its format and then one request a
line: method, path below the SCIM root, query, the redacted body and the status the recording server
answered.  The replay sends each to URL and expects the same status.  Ids do not carry over between servers,
so the id each recorded ``201`` created is followed: wherever it appears later (a path, a filter, a member
value) the id the replayed ``201`` created takes its place.  A redacted value (``[redacted]``, a password) is
sent as it reads.

Owns: reading the replay file, the id substitution, the comparison and its lines.  Must not: import the SCIM
engine (like every check, it speaks to a server only over HTTP), or print the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

RECORDING_FORMAT = "scimcore-recording/1"  # what scimcore recorder export writes (the checker imports no engine)


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """One replayed request: what was sent, what the recording answered, what the server answers now."""

    method: str
    path: str
    expected: int
    got: int | None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the server answered the recorded status."""
        return self.got == self.expected


@dataclass(slots=True)
class ReplayReport:
    """Every step of a replay."""

    steps: list[ReplayStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every step answered as recorded."""
        return all(step.ok for step in self.steps)

    def render(self) -> list[str]:
        """The report's lines: one per step, then the totals."""
        lines = []
        for number, step in enumerate(self.steps, start=1):
            mark = "PASS" if step.ok else "FAIL"
            got = "no answer" if step.got is None else str(step.got)
            line = f"{mark}  {number:>4} {step.method} {step.path}: recorded {step.expected}, got {got}"
            lines.append(line + (f" ({step.detail})" if step.detail and not step.ok else ""))
        passed = sum(1 for step in self.steps if step.ok)
        lines.append(f"{passed} passed, {len(self.steps) - passed} failed")
        return lines


def read_replay_file(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The recorded requests of a replay file; ``ValueError`` naming what is wrong."""
    header: dict[str, Any] | None = None
    found: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            raise ValueError(f"line {number} is not JSON") from None
        if header is None:
            if not isinstance(doc, dict) or doc.get("format") != RECORDING_FORMAT:
                raise ValueError(f"line {number} is not a {RECORDING_FORMAT} header (scimcore recorder export)")
            header = doc
            continue
        if not isinstance(doc, dict) or not all(isinstance(doc.get(k), str) for k in ("method", "path")) or \
                not isinstance(doc.get("status"), int):
            raise ValueError(f"line {number} is not a recorded request")
        found.append(doc)
    if header is None:
        raise ValueError("the replay file is empty")
    if header.get("requests") != len(found):
        raise ValueError(f"the header announces {header.get('requests')} requests, the file holds {len(found)}")
    return found


def _substitute(text: str, ids: dict[str, str]) -> str:
    for old, new in ids.items():
        text = text.replace(old, new)
    return text


def replay(
    client: Any, url: str, token: str, entries: list[dict[str, Any]],
    progress: Callable[[int, int, ReplayStep], None] | None = None,
) -> ReplayReport:
    """Send ``entries`` to ``url`` with ``client`` (an ``httpx.Client``) in order; compare each status."""
    report = ReplayReport()
    ids: dict[str, str] = {}
    base = url.rstrip("/")
    for index, entry in enumerate(entries, start=1):
        path = _substitute(entry["path"], ids)
        query = _substitute(entry.get("query") or "", ids)
        body = _substitute(entry.get("body") or "", ids)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/scim+json"}
        if body:
            headers["Content-Type"] = "application/scim+json"
        if entry.get("request_id"):
            headers["client-request-id"] = str(entry["request_id"])
        target = base + path + (f"?{query}" if query else "")
        try:
            response = client.request(entry["method"], target, content=body.encode("utf-8"), headers=headers)
        except Exception as exc:  # noqa: BLE001 - any transport failure is a failed step, reported
            step = ReplayStep(entry["method"], path, entry["status"], None, type(exc).__name__)
        else:
            detail = ""
            if response.status_code >= 400:
                try:
                    detail = str(response.json().get("detail", ""))[:200]
                except (ValueError, AttributeError):
                    detail = ""
            created = entry.get("resource_id")
            if created and response.status_code == 201:
                try:
                    new_id = response.json().get("id")
                except (ValueError, AttributeError):
                    new_id = None
                if isinstance(new_id, str) and new_id:
                    ids[str(created)] = new_id
            step = ReplayStep(entry["method"], path, entry["status"], response.status_code, detail)
        report.steps.append(step)
        if progress is not None:
            progress(index, len(entries), step)
    return report
