"""The runner of ``scimcore check``: the preflight, the checks one at a time, Ctrl-C, and the cleanup.

Owns: :func:`run_checks`, the Python entry point (``docs/check.md``, "From Python"): it opens one httpx
client (no redirects followed, no ``User-Agent`` of its own), sends Entra's *Test Connection* before any
check, runs the selected checks in order with the headers style of each, stops when the connection is lost
or on Ctrl-C (the remaining checks are marked not run), and always runs the cleanup; and
:class:`CannotCheck`, raised when the server cannot be reached or refuses the token before any check.
Must not: print or write anything (the command does), import httpx before a run starts, or skip the
cleanup once the preflight has passed, whatever stops the run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from scimcore.check.checks import Check, select_checks
from scimcore.check.expectations import CheckFailed
from scimcore.check.names import GENERIC, PROVIDERS
from scimcore.check.report import EXCHANGES_SHOWN, CheckResult, Outcome, Report
from scimcore.check.session import Session
from scimcore.check.wire import ConnectionLost, Exchange

if TYPE_CHECKING:
    import httpx

INTERRUPTED = "interrupted"


class CannotCheck(click.ClickException):
    """The run cannot start (server unreachable, token refused) or its report cannot be written: exit 2."""

    exit_code = 2


def _shown(trace: list[Exchange]) -> list[Exchange]:
    """The exchanges a failure shows: the check's own last ones (a failed setup request when setup failed)."""
    if trace and trace[-1].setup:
        return trace[-1:]
    own = [e for e in trace if not e.setup]
    return own[-EXCHANGES_SHOWN:]


def _preflight(session: Session) -> None:
    """Entra's Test Connection request, before any check: unreachable or token refused stops with exit 2."""
    try:
        reply = session.call("GET", "/Users", params=[("filter", f'userName eq "{uuid.uuid4()}"')])
    except (CheckFailed, ConnectionLost) as exc:
        raise CannotCheck(f"cannot reach {session.base_url}: {exc}") from None
    finally:
        session.trace.clear()
        session.log.clear()
    if reply.status in (401, 403):
        raise CannotCheck(f"{session.base_url} refused the token: GET /Users answered {reply.status}")
    if reply.status == 404:
        raise CannotCheck(
            f"GET {session.base_url}/Users answered 404: is the URL the SCIM base (for example .../scim/v2)?"
        )


def run_checks(
    url: str,
    token: str,
    provider: str = GENERIC,
    *,
    timeout: float = 15.0,
    progress: Callable[[int, int, CheckResult], None] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Report:
    """Run the checks ``provider`` selects against the SCIM base ``url`` and delete what they created.

    Raises :class:`CannotCheck` when the server cannot be reached or refuses the token before any check.
    ``progress`` is called after each check with its position, the total and its result.  Ctrl-C stops the
    run: the remaining checks are marked not run, the cleanup still runs, and ``report.aborted`` says so.
    """
    import httpx

    if provider not in PROVIDERS:
        raise click.UsageError(f"unknown provider {provider!r}: choose one of {', '.join(PROVIDERS)}")
    checks = select_checks(provider)
    report = Report(url=url, provider=provider, started=datetime.now(UTC).isoformat(timespec="seconds"))
    began = time.monotonic()
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client:
        # Entra's requests often carry no User-Agent; Okta's are set per request.
        del client.headers["User-Agent"]
        session = Session(client, url, token, timeout)
        _preflight(session)
        try:
            for index, item in enumerate(checks, 1):
                if report.aborted is not None:
                    report.results.append(CheckResult(item, "not run", "the run stopped before it"))
                    continue
                result = _run_one(session, item, report)
                report.results.append(result)
                if progress is not None:
                    progress(index, len(checks), result)
        except KeyboardInterrupt:
            report.aborted = INTERRUPTED
            done = {r.check.name for r in report.results}
            report.results += [CheckResult(c, "not run", INTERRUPTED) for c in checks if c.name not in done]
        finally:
            report.cleanup = session.cleanup()
            report.duration_s = time.monotonic() - began
    return report


def _run_one(session: Session, item: Check, report: Report) -> CheckResult:
    session.style = item.style
    session.trace = []
    started = time.monotonic()
    shown: list[Exchange] = []
    try:
        item.run(session)
    except CheckFailed as exc:
        outcome: Outcome = "fail"
        message = session.redact(str(exc))
        shown = exc.exchanges if exc.exchanges is not None else _shown(session.trace)
    except ConnectionLost as exc:
        outcome, message = "fail", session.redact(str(exc))
        shown = _shown(session.trace)
        report.aborted = f"lost the connection during {item.name}: {message}"
    else:
        outcome, message = "pass", ""
    elapsed = int((time.monotonic() - started) * 1000)
    return CheckResult(item, outcome, message, elapsed, shown)
