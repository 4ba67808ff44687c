"""``scimcore serve``: what it checks before starting, the default directory's token, and its public URL."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

pytest.importorskip("sqlalchemy")

from scimcore.cli import main  # noqa: E402
from tests.servers import scimcore_command, serving  # noqa: E402

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "first@corp.local"}


@contextmanager
def held_port() -> Iterator[int]:
    """A port another program is listening on, as port 8000 is while the README's server runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def _create(base: str, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    return httpx.post(f"{base}/Users", headers=headers, json=USER)


def test_a_bad_database_is_named_before_a_busy_port() -> None:
    """A database value that is no URL is the error, even when the port is taken by another program."""
    with held_port() as port:
        result = CliRunner().invoke(main, ["serve", "--database", "mysql://x", "--port", str(port)])
    assert result.exit_code != 0 and "sqlite:///path" in result.output and "in use" not in result.output


@pytest.mark.parametrize("args,env", [(["--token", ""], {}), ([], {"SCIMCORE_TOKEN": ""})])
def test_an_empty_token_is_refused(args: list[str], env: dict[str, str]) -> None:
    """``--token ''`` and an empty SCIMCORE_TOKEN are refused alike: no client could authenticate."""
    result = CliRunner().invoke(main, ["serve", "--database", "memory", *args], env=env)
    assert result.exit_code == 2 and "empty token" in result.output


def test_a_short_token_is_warned_of() -> None:
    """A token shorter than 20 characters starts a warning naming its length."""
    with held_port() as port:  # the port check stops the command right after the token check
        result = CliRunner().invoke(main, ["serve", "--database", "memory", "--token", "abc", "--port", str(port)])
    assert "the token is 3 characters long" in result.output


def test_the_generated_token_is_kept_across_restarts(tmp_path: Path) -> None:
    """Without --token the first start shows a token once; a restart keeps it working and shows it no more."""
    database = f"sqlite:///{tmp_path / 'kept.db'}"
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    with serving(["--database", database], first) as base:
        found = re.search(r"Secret Token: (\S+)", first.read_text())
        assert found is not None
        token = found.group(1)
        assert _create(base, token).status_code == 201
    with serving(["--database", database], second) as base:
        assert token not in second.read_text() and "shown at the first start" in second.read_text()
        assert httpx.get(f"{base}/Users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert httpx.get(f"{base}/Users", headers={"Authorization": "Bearer another"}).status_code == 401


def test_public_url_is_the_base_of_location(tmp_path: Path) -> None:
    """With --public-url, Location and meta.location start with it instead of the listening address."""
    token = "public-url-token-0123456789abcdef"
    args = ["--database", "memory", "--token", token, "--public-url", "https://scim.example.com"]
    with serving(args, tmp_path / "public.log") as base:
        created = _create(base, token)
    expected = f"https://scim.example.com/scim/v2/Users/{created.json()['id']}"
    assert created.headers["location"] == expected and created.json()["meta"]["location"] == expected
    assert "https://scim.example.com/scim/v2?aadOptscim062020" in (tmp_path / "public.log").read_text()


def test_h_is_help_and_serve_help_names_the_database_variable() -> None:
    """``-h`` is ``--help``, and ``serve --help`` says SCIMCORE_DATABASE sets the database."""
    result = CliRunner().invoke(main, ["serve", "-h"])
    assert result.exit_code == 0 and "SCIMCORE_DATABASE" in result.output
    assert CliRunner().invoke(main, ["-h"]).output == CliRunner().invoke(main, ["--help"]).output


def test_serve_runs_exactly_one_dispatcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app ``serve`` runs starts one webhook dispatcher in its lifespan, and stops it at shutdown."""
    import asyncio
    import logging

    from scimcore.emitter import dispatchers_running
    from tests.adapters.test_lifespan import Lifespan

    uvicorn = pytest.importorskip("uvicorn")
    captured: list[object] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **k: captured.append(self.config.app))
    log = logging.getLogger("scimcore")  # serve points scimcore's log at its stderr: put it back afterwards
    monkeypatch.setattr(log, "handlers", list(log.handlers))
    monkeypatch.setattr(log, "propagate", log.propagate)
    monkeypatch.setattr(log, "level", log.level)
    args = ["serve", "--database", f"sqlite:///{tmp_path / 'one.db'}", "--port", "0", "--token", "t" * 24]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output

    async def go() -> list[int]:
        lifespan = Lifespan(captured[0])
        await lifespan.startup()
        running = dispatchers_running()
        await lifespan.shutdown()
        return [running, dispatchers_running()]

    assert asyncio.run(go()) == [1, 0]


def _exchange(base: str, head: bytes, body_chunks: int = 0) -> bytes:
    """Send a raw HTTP/1.1 request (and ``body_chunks`` chunks of 64 KiB) to serve; the status line it answers."""
    port = int(base.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        for _ in range(body_chunks):
            sock.sendall(b"x" * 65536)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


def test_oversized_requests_are_answered_not_reset(tmp_path: Path) -> None:
    """serve answers a 110 KB query 414, 200 KB of headers 431 and a 20 MiB body 413, each read by the client."""
    token = "oversized-token-0123456789abcdef"
    auth = f"Authorization: Bearer {token}\r\nHost: x\r\nConnection: close\r\n".encode()
    with serving(["--database", "memory", "--token", token], tmp_path / "big.log") as base:
        query = b"GET /scim/v2/Users?filter=" + b"a" * 110_000 + b" HTTP/1.1\r\n" + auth + b"\r\n"
        assert _exchange(base, query) == b"HTTP/1.1 414 Request-URI Too Long"
        headers = b"GET /scim/v2/Users HTTP/1.1\r\n" + auth + b"X-Big: " + b"b" * 200_000 + b"\r\n\r\n"
        assert _exchange(base, headers) == b"HTTP/1.1 431 Request Header Fields Too Large"
        body = (b"POST /scim/v2/Users HTTP/1.1\r\n" + auth + b"Content-Type: application/scim+json\r\n"
                + b"Content-Length: %d\r\n\r\n" % (320 * 65536))
        assert _exchange(base, body, body_chunks=320) == b"HTTP/1.1 413 Request Entity Too Large"


def test_health_metrics_and_json_logs(tmp_path: Path) -> None:
    """serve answers /healthz and /readyz, /metrics with its token, and writes the access log as JSON lines."""
    token, metrics = "health-token-0123456789abcdef", "metrics-token-0123456789"
    log = tmp_path / "ops.log"
    args = ["--database", f"sqlite:///{tmp_path / 'ops.db'}", "--token", token, "--metrics-token", metrics,
            "--log-format", "json"]
    with serving(args, log) as base:
        root = base.removesuffix("/scim/v2")
        assert httpx.get(f"{root}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{root}/readyz").status_code == 200
        assert httpx.get(f"{base}/Users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert httpx.get(f"{root}/metrics").status_code == 401
        scraped = httpx.get(f"{root}/metrics", headers={"Authorization": f"Bearer {metrics}"}).text
        assert 'directory="default",method="GET",resource_type="User",status="200"' in scraped
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "scimcore.access"]
    assert access and access[0]["path"] == "/scim/v2/Users" and access[0]["status"] == 200
    assert token not in log.read_text() and metrics not in log.read_text()


def test_a_short_metrics_token_is_refused() -> None:
    """--metrics-token shorter than 16 characters stops serve before it listens."""
    result = CliRunner().invoke(main, ["serve", "--database", "memory", "--metrics-token", "short"])
    assert result.exit_code != 0 and "16 characters" in result.output


def test_a_recording_exported_from_serve_replays_against_another_serve(tmp_path: Path) -> None:
    """serve records what a directory received; recorder export writes it; check --replay passes elsewhere."""
    token = "recorder-token-0123456789abcdef"
    database = f"sqlite:///{tmp_path / 'recorded.db'}"
    auth = {"Authorization": f"Bearer {token}", "client-request-id": "entra-1"}
    with serving(["--database", database, "--token", token], tmp_path / "first.log") as base:
        user = _create(base, token).json()
        patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                 "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
        assert httpx.patch(f"{base}/Users/{user['id']}", json=patch, headers=auth).status_code == 200
        assert httpx.get(f"{base}/Users/{user['id']}", headers=auth).status_code == 200
    listed = CliRunner().invoke(main, ["recorder", "list", "--database", database])
    assert [json.loads(line)["status"] for line in listed.output.splitlines()] == [201, 200, 200]
    replay_file = tmp_path / "replay.jsonl"
    exported = CliRunner().invoke(
        main, ["recorder", "export", "--database", database, "default", "-o", str(replay_file)]
    )
    assert exported.exit_code == 0, exported.output
    with serving(["--database", "memory", "--token", token], tmp_path / "second.log") as other:
        result = subprocess.run([*scimcore_command(), "check", "--replay", str(replay_file), other, "--token", token],
                                capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed, 0 failed" in result.stdout
