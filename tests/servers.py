"""Running a real ``scimcore serve`` for a test: a free port, the console script, and waiting until it listens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port nothing listens on now (never a fixed one: another server may hold 8000)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scimcore_command() -> list[str]:
    """The ``scimcore`` console script of this interpreter, or ``python -m scimcore.cli`` without it."""
    script = Path(sys.executable).parent / "scimcore"
    return [str(script)] if script.exists() else [sys.executable, "-m", "scimcore.cli"]


def wait_listening(port: int, alive: Callable[[], bool], what: str, log: Path | None = None) -> None:
    """Return once something listens on ``port``; fail the test if ``alive()`` turns false or 30 s pass.

    The failure shows ``what`` and, when given, the text of ``log``.
    """
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if not alive() or time.monotonic() > deadline:
                pytest.fail(f"{what} did not start" + (f": {log.read_text()}" if log is not None else ""))
            time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM ``proc`` and wait for it (killing it after 10 s), so its exit status can be read."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def serving(args: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``scimcore serve`` with ``args`` on a free port until the block ends; yields the SCIM base URL.

    ``env`` is added to the server's environment.
    """
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*scimcore_command(), "serve", "--port", str(port), *args], stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    try:
        wait_listening(port, lambda: proc.poll() is None, "scimcore serve", log)
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        stop(proc)
