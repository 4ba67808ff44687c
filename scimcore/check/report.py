"""The results of a run and its reports: the pass/fail table, the failures with their wire, the JSON report.

Owns: :class:`CheckResult` (one check's outcome, message, duration and the exchanges worth showing),
:class:`Report` (the whole run, its cleanup and why it stopped, if it did), the text report printed on
stdout, the JSON report written by ``--json``, and :data:`EXCHANGES_SHOWN`.
Must not: run a check, send a request, or show the token (exchanges arrive redacted and show
``Bearer ***``); the JSON report's keys are a published format (docs/check.md): change them only with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from scimcore import __version__

if TYPE_CHECKING:
    from scimcore.check.checks import Check
    from scimcore.check.wire import Exchange

Outcome = Literal["pass", "fail", "not run"]

#: How many of a failed check's exchanges the reports show (the last ones).
EXCHANGES_SHOWN = 3


@dataclass
class CheckResult:
    """The outcome of one check, with the exchanges worth showing when it failed."""

    check: Check
    outcome: Outcome
    message: str = ""
    duration_ms: int = 0
    exchanges: list[Exchange] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result for the JSON report."""
        return {
            "name": self.check.name,
            "title": self.check.title,
            "providers": list(self.check.providers),
            "outcome": self.outcome,
            "message": self.message,
            "duration_ms": self.duration_ms,
            "exchanges": [e.to_json() for e in self.exchanges],
        }


@dataclass
class Report:
    """A whole run: what was checked, the results, and what cleanup deleted or left."""

    url: str
    provider: str
    started: str
    results: list[CheckResult] = field(default_factory=list)
    cleanup: dict[str, Any] = field(default_factory=dict)
    aborted: str | None = None
    duration_s: float = 0.0

    def count(self, outcome: Outcome) -> int:
        """How many checks had ``outcome``."""
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def ok(self) -> bool:
        """True when every check ran and passed."""
        return self.aborted is None and all(r.outcome == "pass" for r in self.results)

    def to_json(self) -> dict[str, Any]:
        """The JSON report written by ``--json``."""
        return {
            "tool": "scimcore check",
            "version": __version__,
            "url": self.url,
            "provider": self.provider,
            "started": self.started,
            "duration_s": round(self.duration_s, 3),
            "ok": self.ok,
            "aborted": self.aborted,
            "summary": {
                "total": len(self.results),
                "passed": self.count("pass"),
                "failed": self.count("fail"),
                "not_run": self.count("not run"),
            },
            "checks": [r.to_json() for r in self.results],
            "cleanup": self.cleanup,
        }

    def render(self) -> Iterator[str]:
        """The pass/fail table, then each failure with its request and response."""
        width = max([len(r.check.name) for r in self.results] + [5])
        yield f"scimcore check {self.url}  (provider: {self.provider})"
        yield ""
        yield f"  {'result':<8}{'check':<{width + 2}}what it replays"
        for r in self.results:
            yield f"  {r.outcome.upper():<8}{r.check.name:<{width + 2}}{r.check.title}"
        yield ""
        summary = f"{len(self.results)} checks: {self.count('pass')} passed, {self.count('fail')} failed"
        if self.count("not run"):
            summary += f", {self.count('not run')} not run"
        yield summary
        if self.aborted:
            yield f"run stopped: {self.aborted}"
        left = self.cleanup.get("left") or []
        if left:
            yield f"cleanup could not delete {len(left)} resources: " + ", ".join(
                f"/{item['resource']}/{item['id']}" for item in left
            )
        failures = [r for r in self.results if r.outcome == "fail"]
        if failures:
            yield ""
            yield "Failures"
            yield "--------"
        for r in failures:
            yield ""
            yield f"{r.check.name}: {r.check.title}"
            yield f"  {r.message}"
            for exchange in r.exchanges:
                yield ""
                yield from (f"    {line}" for line in exchange.render())
