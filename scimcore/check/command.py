"""The ``scimcore check`` command: what ``scimcore/cli.py`` mounts as ``scimcore check``.

Owns: :func:`check`, the click command — its options (the token also from ``SCIMCORE_CHECK_TOKEN``, a
leading ``Bearer `` accepted, RFC 6750 §2.1), the validation of the URL and of the ``--json`` directory, the
progress lines on stderr, the text report on stdout, the JSON report file, and the exit status (0 all
passed, 1 a check failed, 2 usage or connection errors, 130 Ctrl-C).
Must not: print or write the token, run checks itself (:func:`~scimcore.check.runner.run_checks` does), or
import httpx at import time (it checks that httpx is installed before the run, with a clear message).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from scimcore.check.checks import select_checks
from scimcore.check.names import GENERIC, PROVIDERS
from scimcore.check.replay import ReplayStep, read_replay_file, replay
from scimcore.check.report import CheckResult
from scimcore.check.runner import INTERRUPTED, CannotCheck, run_checks


def _progress(index: int, total: int, result: CheckResult) -> None:
    position = f"[{index:>{len(str(total))}}/{total}]"
    line = f"{position} {result.outcome.upper():<4} {result.check.name} ({result.duration_ms} ms)"
    if result.message:
        line += f": {result.message}"
    click.echo(line, err=True)


@click.command("check")
@click.argument("url")
@click.option(
    "--token",
    metavar="T",
    required=True,
    envvar="SCIMCORE_CHECK_TOKEN",
    help="Bearer token of the SCIM endpoint (or set SCIMCORE_CHECK_TOKEN). Never printed.",
)
@click.option(
    "--provider",
    type=click.Choice(PROVIDERS),
    default=GENERIC,
    show_default=True,
    help="Whose traffic to replay: Microsoft Entra ID, Okta, or both (generic).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report as JSON to FILE.",
)
@click.option(
    "--timeout",
    metavar="S",
    type=click.FloatRange(min=0.1),
    default=15.0,
    show_default=True,
    help="Seconds to wait for each response.",
)
@click.option(
    "--replay",
    "replay_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Instead of the checks, send the requests of a replay file (scimcore recorder export) in order and "
    "expect the statuses they were answered with.",
)
def check(
    url: str, token: str, provider: str, json_path: Path | None, timeout: float, replay_path: Path | None
) -> None:
    """Replay what Entra ID and Okta send against the SCIM 2.0 endpoint at URL, and report what fails.

    URL is the SCIM base (for example https://app.example.com/scim/v2).  The run creates users and groups
    named ScimCheck… and deletes them at the end, also after failures.  Exit status: 0 when every check
    passes, 1 when one fails, 2 for usage or connection errors.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    token = token.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise click.BadParameter("the token is empty", param_hint="--token")
    if json_path is not None and not json_path.parent.is_dir():
        raise click.BadParameter(f"{json_path.parent} is not a directory", param_hint="--json")
    try:
        import httpx  # noqa: F401 - fail early with a clear message
    except ImportError:  # pragma: no cover - depends on the installation
        raise click.ClickException("scimcore check needs httpx: pip install 'scimcore[server]'") from None

    if replay_path is not None:
        _replay(url, token, replay_path, timeout)
    total = len(select_checks(provider))
    click.echo(f"scimcore check: {total} checks ({provider}) against {url}", err=True)
    report = run_checks(url, token, provider, timeout=timeout, progress=_progress)
    cleanup = report.cleanup
    deleted = cleanup.get("deleted", {})
    click.echo(
        f"cleanup: deleted {deleted.get('users', 0)} users and {deleted.get('groups', 0)} groups"
        + (f"; {len(cleanup['left'])} could not be deleted" if cleanup.get("left") else ""),
        err=True,
    )
    for line in report.render():
        click.echo(line)
    if json_path is not None:
        try:
            json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CannotCheck(f"cannot write {json_path}: {exc}") from None
    if report.aborted == INTERRUPTED:
        sys.exit(130)
    if report.aborted is not None:
        click.echo(f"error: {report.aborted}", err=True)
        sys.exit(2)
    sys.exit(0 if report.ok else 1)


def _replay(url: str, token: str, path: Path, timeout: float) -> None:
    """``--replay FILE``: send the file's requests, report each, exit 0 when every status matched, else 1."""
    import httpx

    try:
        entries = read_replay_file(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.ClickException(f"cannot replay {path}: {exc}") from None
    click.echo(f"scimcore check: replaying {len(entries)} recorded requests against {url}", err=True)

    def progress(index: int, total: int, step: ReplayStep) -> None:
        click.echo(f"[{index:>{len(str(total))}}/{total}] {'PASS' if step.ok else 'FAIL'} {step.method} {step.path}",
                   err=True)

    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        report = replay(client, url, token, entries, progress)
    for line in report.render():
        click.echo(line)
    sys.exit(0 if report.ok else 1)
