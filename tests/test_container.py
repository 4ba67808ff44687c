"""The container files: the image runs scimcore serve as a non-root user, and its health check really checks.

No container runtime is needed: the Dockerfile's own ``CMD`` is started as ``scimcore serve`` on a free port
and its own ``HEALTHCHECK`` command is run against it, before and after the server stops.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

from tests.servers import free_port, scimcore_command, stop, wait_listening  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = (ROOT / "deploy" / "compose.yaml").read_text()


def _final_stage() -> str:
    return DOCKERFILE.rsplit("\nFROM ", 1)[1]


def _instruction(name: str) -> str:
    """The final stage's instruction ``name`` with its continuation lines joined."""
    joined = _final_stage().replace("\\\n", " ")
    found = re.search(rf"^{name} (.+)$", joined, re.MULTILINE)
    assert found is not None, f"no {name} in the Dockerfile's final stage"
    return found.group(1)


def _exec_form(text: str) -> list[str]:
    """The JSON array of an exec-form instruction (after any ``--option``s)."""
    command: list[str] = json.loads(text[text.index("["):])
    return command


def test_the_image_runs_as_a_non_root_user() -> None:
    """The final stage switches to a named user that is not root before its command."""
    user = _instruction("USER").split(":")[0]
    assert user not in ("root", "0") and "useradd --system --uid 10001" in _final_stage()


def test_the_command_is_scimcore_serve_on_all_interfaces() -> None:
    """``CMD`` is ``scimcore serve --host 0.0.0.0 --port 8000`` in exec form (signals reach the server)."""
    assert _exec_form(_instruction("CMD")) == ["scimcore", "serve", "--host", "0.0.0.0", "--port", "8000"]


def test_the_health_check_follows_the_server(tmp_path: Path) -> None:
    """The image's health check passes against the image's command, and fails once the server is gone."""
    port = free_port()
    health = _exec_form(_instruction("HEALTHCHECK"))
    assert health[0] == "python"
    check = [sys.executable, *[part.replace("8000", str(port)) for part in health[1:]]]
    serve = _exec_form(_instruction("CMD"))[1:]
    serve[serve.index("--host") + 1] = "127.0.0.1"
    serve[serve.index("--port") + 1] = str(port)
    log = tmp_path / "serve.log"
    env_database = f"sqlite:///{tmp_path / 'scimcore.db'}"
    with log.open("ab") as out:
        proc = subprocess.Popen([*scimcore_command(), *serve, "--database", env_database,
                                 "--token", "container-test-token-0123456789"], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, lambda: proc.poll() is None, "scimcore serve", log)
        assert subprocess.run(check, timeout=30).returncode == 0
    finally:
        stop(proc)
    assert subprocess.run(check, timeout=30, capture_output=True).returncode != 0


def test_compose_runs_the_image_on_postgresql_with_required_secrets() -> None:
    """The compose file builds this Dockerfile, points it at its PostgreSQL service and insists on the secrets."""
    assert "dockerfile: Dockerfile" in COMPOSE and "condition: service_healthy" in COMPOSE
    assert "SCIMCORE_DATABASE: postgresql://scimcore:${POSTGRES_PASSWORD}@db:5432/scimcore" in COMPOSE
    for secret in ("SCIMCORE_TOKEN", "SCIMCORE_CONSOLE_SECRET", "POSTGRES_PASSWORD"):
        assert f"${{{secret}:?set {secret}}}" in COMPOSE
    assert '"127.0.0.1:8000:8000"' in COMPOSE  # published on loopback only: the proxy is the way in


def test_what_the_build_stage_copies_exists() -> None:
    """Every source the build stage copies is in the repository (and in the sdist)."""
    build = DOCKERFILE.split("\nFROM ", 2)[1]
    for line in re.findall(r"^COPY (.+) \./?\S*$", build, re.MULTILINE):
        for source in line.split():
            assert (ROOT / source).exists(), source
