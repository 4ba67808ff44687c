"""The command line's front door: --version, --help, errors for a busy port or an absent PostgreSQL, serve options."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import pytest
from click.testing import CliRunner

from scimcore import __version__
from scimcore.cli import main

COMMANDS = ("serve", "db", "directories", "events", "export", "import")


def test_version_prints_the_package_version() -> None:
    """`scimcore --version` prints the installed version."""
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"scimcore, version {__version__}"


def test_help_lists_every_command() -> None:
    """`scimcore --help` names every top-level command."""
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert all(f"  {command} " in result.output for command in COMMANDS)


def test_serve_refuses_a_port_in_use() -> None:
    """`scimcore serve` on a port another program listens on says so, with how to pick another."""
    pytest.importorskip("uvicorn")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--database", "memory", "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output and "--port" in result.output


def test_serve_refuses_an_unknown_host() -> None:
    """A --host that names no address is refused before the server starts."""
    pytest.importorskip("uvicorn")
    result = CliRunner().invoke(main, ["serve", "--database", "memory", "--host", "no-such-host.invalid"])
    assert result.exit_code == 1 and "cannot listen on 'no-such-host.invalid'" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["serve", "--port", "0", "--database", "postgresql://scim:pw@127.0.0.1:1/scim"],
        ["db", "upgrade", "--database", "postgresql://scim:pw@127.0.0.1:1/scim"],
    ],
)
def test_unreachable_postgresql_names_host_port_and_how_to_start_it(command: list[str]) -> None:
    """An unreachable PostgreSQL is reported with its host:port and how to start it, never the password."""
    pytest.importorskip("psycopg")
    pytest.importorskip("uvicorn")
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in result.output and "Start it" in result.output
    assert "pw" not in result.output.replace("postgresql://scim:***@", "")


def _served_app(monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """The ASGI app `scimcore serve ARGS` would run, captured instead of starting uvicorn."""
    uvicorn = pytest.importorskip("uvicorn")
    captured: list[Any] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **k: captured.append(self.config.app))
    log = logging.getLogger("scimcore")  # serve points scimcore's log at its stderr: put it back afterwards
    monkeypatch.setattr(log, "handlers", list(log.handlers))
    monkeypatch.setattr(log, "propagate", log.propagate)
    monkeypatch.setattr(log, "level", log.level)
    result = CliRunner().invoke(main, ["serve", "--database", "memory", "--port", "0", *args])
    assert result.exit_code == 0, result.output
    return captured[0]


def test_cursor_secret_option_signs_cursors_for_every_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two servers given one --cursor-secret accept each other's paging cursors."""
    from scimcore import ScimRequest

    first = _served_app(monkeypatch, "--cursor-secret", "shared-secret", "--token", "t")
    second = _served_app(monkeypatch, "--cursor-secret", "shared-secret", "--token", "t")
    assert first.service.config.cursor_secret == b"shared-secret"
    second.service.store = first.service.store
    headers = {"authorization": "Bearer t", "content-type": "application/scim+json"}
    for name in ("a", "b", "c"):
        body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}).encode()
        assert first.service.handle(ScimRequest("POST", "/Users", headers=headers, body=body)).status == 201
    page = first.service.handle(ScimRequest("GET", "/Users", query="cursor&count=1", headers=headers))
    cursor = json.loads(page.body)["nextCursor"]
    following = second.service.handle(ScimRequest("GET", "/Users", query=f"cursor={cursor}&count=1", headers=headers))
    assert following.status == 200 and json.loads(following.body)["Resources"][0]["userName"] == "b"


def test_cursor_secret_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SCIMCORE_CURSOR_SECRET sets the cursor secret like --cursor-secret."""
    monkeypatch.setenv("SCIMCORE_CURSOR_SECRET", "from-env")
    assert _served_app(monkeypatch).service.config.cursor_secret == b"from-env"
