"""Running a real ``scimcore serve`` for a test: a free port, the console script, and waiting until it listens."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


@contextmanager
def serving(args: list[str], log: Path) -> Iterator[str]:
    """Run ``scimcore serve`` with ``args`` on a free port until the block ends; yields the SCIM base URL."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*scimcore_command(), "serve", "--port", str(port), *args], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"scimcore serve did not start: {log.read_text()}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
