"""Outside conformance tools against a live ``scimcore serve``: scim2-cli and scim-sanity.

The tools are installed once into their own virtualenv (never into the project's environment), under
``$SCIMCORE_CONFORMANCE_VENV`` or ``~/.cache/scimcore/conformance-<versions>``.  Outside CI the tests skip
with a message when the tools cannot be installed; in CI (``CI=true``) that is a failure.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, scimcore_command, stop, wait_listening

pytestmark = pytest.mark.conformance

TOOLS = ("scim2-cli==0.6.0", "scim-sanity==0.7.4")
TOKEN = "conformance-token-0123456789abcdef0123456789abcdef"


def _tool_venv() -> Path:
    default = Path.home() / ".cache" / "scimcore" / ("conformance-" + "-".join(t.replace("==", "") for t in TOOLS))
    return Path(os.environ.get("SCIMCORE_CONFORMANCE_VENV", default))


@pytest.fixture(scope="module")
def tools() -> Path:
    """The bin directory of a virtualenv holding scim2-cli and scim-sanity."""
    env_dir = _tool_venv()
    bin_dir = env_dir / "bin"
    if not (bin_dir / "scim2").exists() or not (bin_dir / "scim-sanity").exists():
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
            subprocess.run(
                [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *TOOLS],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            message = f"could not install the conformance tools {TOOLS} into {env_dir}: {exc}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    return bin_dir


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database ``scimcore serve`` can run on."""
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conformance.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def server(tmp_path: Path, database: str) -> Iterator[str]:
    """A fresh ``scimcore serve --database ...`` on a free port; yields its SCIM base URL."""
    port = free_port()
    command = [*scimcore_command(), "serve", "--database", database, "--port", str(port), "--token", TOKEN,
               "--log-level", "info"]
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, lambda: proc.poll() is None, "scimcore serve", log_path)
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        stop(proc)
        log.close()
    # uvicorn re-raises the signal after a graceful shutdown, so the exit status is SIGTERM's own.
    assert proc.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in log_path.read_text(), "no graceful shutdown on SIGTERM"


def _quiet(output: str) -> str:
    """The tool's report for an assertion message, its tally rewritten so no runner mistakes it for ours."""
    return re.sub(r"(\d+) passed(, (\d+) failed)?", r"\1 ok", output)


def test_scim2_cli_reports_every_check_success(tools: Path, server: str) -> None:
    """scim2-cli's compliance check finds nothing but SUCCESS."""
    run = subprocess.run(
        [str(tools / "scim2"), "--url", server, "-h", f"Authorization: Bearer {TOKEN}", "test"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = run.stdout + run.stderr
    statuses = re.findall(r"^(SUCCESS|COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED)\b", output, re.M)
    assert run.returncode == 0, _quiet(output)
    assert len(statuses) > 100, _quiet(output)
    assert set(statuses) == {"SUCCESS"}, _quiet(output)


def test_scim_sanity_probe_has_no_failure(tools: Path, server: str) -> None:
    """scim-sanity's strict probe passes with zero failures."""
    run = subprocess.run(
        [str(tools / "scim-sanity"), "probe", server, "--token", TOKEN, "--i-accept-side-effects"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = run.stdout + run.stderr
    tally = re.search(r"(\d+) passed(?:, (\d+) failed)?", output)
    assert tally is not None, _quiet(output)
    passed, failed = int(tally.group(1)), int(tally.group(2) or 0)
    assert failed == 0 and passed >= 25, _quiet(output)
    assert "[ERROR]" not in output, _quiet(output)
    assert run.returncode == 0, _quiet(output)
