"""What only the WSGI adapter does (PEP 3333): input read exactly, status lines, latin-1 paths.

What both adapters do alike is in ``test_both.py``.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from scimcore.adapters import common
from scimcore.adapters.wsgi import ScimWSGI
from tests.conftest import TOKEN, USER_SCHEMA, make_service

USER = {"schemas": [USER_SCHEMA], "userName": "alice"}


class CountingInput(io.RawIOBase):
    """A wsgi.input that yields ``size`` bytes and counts how many were read; reading too far can fail."""

    def __init__(self, size: int, *, forbid: bool = False) -> None:
        self.left = size
        self.read_bytes = 0
        self.forbid = forbid

    def read(self, n: int | None = -1) -> bytes:
        if self.forbid:
            raise AssertionError("the body must not be read")
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        self.read_bytes += n
        return b" " * n


def _call(app: ScimWSGI, **environ: Any) -> tuple[str, dict[str, str], bytes]:
    """Call the app directly with a minimal environ."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, dict(headers)

    base = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/Users",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
        "CONTENT_TYPE": "application/scim+json",
    }
    body = b"".join(app({**base, **environ}, start_response))
    return captured["status"], captured["headers"], body


# -- bounded body reads ----------------------------------------------------------------------------


def test_streamed_body_is_read_no_further_than_the_drain_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a length, a body over the bound is read, and dropped, only up to DRAIN_BYTES before the 413."""
    monkeypatch.setattr(common, "DRAIN_BYTES", 5000)
    app = ScimWSGI(make_service(), max_body_bytes=1000)
    stream = CountingInput(10**7)
    status, _, _ = _call(app, **{"wsgi.input": stream, "wsgi.input_terminated": True})
    assert status.startswith("413")
    assert stream.read_bytes <= 5000


def test_unknown_length_is_not_read_without_terminated_input() -> None:
    """Without CONTENT_LENGTH or wsgi.input_terminated the input is not read (PEP 3333): an empty body."""
    app = ScimWSGI(make_service())
    status, _, body = _call(app, **{"wsgi.input": CountingInput(100, forbid=True)})
    assert status.startswith("400")
    assert json.loads(body)["scimType"] == "invalidSyntax"


def test_only_content_length_bytes_are_read() -> None:
    """With CONTENT_LENGTH, exactly that many bytes are read from the input."""
    app = ScimWSGI(make_service())
    payload = json.dumps(USER).encode()
    stream = io.BytesIO(payload + b"garbage after the body")
    status, _, _ = _call(app, CONTENT_LENGTH=str(len(payload)), **{"wsgi.input": stream})
    assert status == "201 Created"
    assert stream.tell() == len(payload)


# -- responses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "status"),
    [
        ({"REQUEST_METHOD": "GET"}, "200 OK"),
        ({"REQUEST_METHOD": "DELETE"}, "405 Method Not Allowed"),
        ({"REQUEST_METHOD": "GET", "PATH_INFO": "/Users/x"}, "404 Not Found"),
        ({"REQUEST_METHOD": "GET", "HTTP_AUTHORIZATION": ""}, "401 Unauthorized"),
        (
            {"CONTENT_LENGTH": "1000000000", "wsgi.input": CountingInput(10**9, forbid=True)},
            "413 Request Entity Too Large",
        ),
    ],
)
def test_status_line_has_the_reason_phrase(environ: dict[str, Any], status: str) -> None:
    """The WSGI status line carries the standard reason phrase."""
    assert _call(ScimWSGI(make_service()), **environ)[0] == status


def test_non_ascii_path_is_decoded() -> None:
    """A UTF-8 path delivered as latin-1 characters (PEP 3333) is decoded before routing."""
    raw = "/Users/caf\u00e9".encode().decode("latin-1")
    status, _, body = _call(ScimWSGI(make_service()), REQUEST_METHOD="GET", PATH_INFO=raw)
    assert status == "404 Not Found"
    assert "caf\u00e9" in json.loads(body)["detail"]


# -- webhook events and the dispatcher -------------------------------------------------------------


def _create_user(app: ScimWSGI, name: str) -> None:
    body = json.dumps({"schemas": [USER_SCHEMA], "userName": name}).encode()
    status, _, _ = _call(app, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    assert status.startswith("201")


def test_waiting_webhook_events_are_warned_of_once(caplog: pytest.LogCaptureFixture) -> None:
    """WSGI starts no dispatcher: the first webhook event written with none running logs one warning."""
    from tests.adapters.test_lifespan import service_with_webhook

    app = ScimWSGI(service_with_webhook("https://hooks.example.com/scim"))
    with caplog.at_level("WARNING", logger="scimcore"):
        _create_user(app, "alice")
        _create_user(app, "bob")
    warnings = [r.getMessage() for r in caplog.records if "no dispatcher runs" in r.getMessage()]
    assert len(warnings) == 1 and "in a thread" in warnings[0] and "scimcore serve" in warnings[0]


def test_warn_undelivered_false_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """``warn_undelivered=False`` (another process delivers) logs no warning."""
    from tests.adapters.test_lifespan import service_with_webhook

    app = ScimWSGI(service_with_webhook("https://hooks.example.com/scim"), warn_undelivered=False)
    with caplog.at_level("WARNING", logger="scimcore"):
        _create_user(app, "alice")
    assert not [r for r in caplog.records if "no dispatcher runs" in r.getMessage()]


def test_a_dispatcher_in_a_thread_delivers_what_the_wsgi_app_writes() -> None:
    """The frameworks guide's recipe: a dispatcher in its own thread, woken by writes, stopped from outside."""
    import asyncio
    import threading
    import time

    from scimcore.dispatch import DispatchConfig, Dispatcher
    from tests.adapters.test_lifespan import service_with_webhook
    from tests.test_directory_sync import Receiver

    receiver = Receiver()
    try:
        service = service_with_webhook(receiver.url)
        store: Any = service.store
        dispatcher = Dispatcher(store, store, config=DispatchConfig(poll_seconds=30))  # only a wake can be quick
        service.subscribers.append(lambda _event: dispatcher.wake())
        thread = threading.Thread(target=asyncio.run, args=(dispatcher.run(),), daemon=True)
        thread.start()
        time.sleep(0.2)  # the dispatcher is now waiting for a wake (or 30 s)
        _create_user(ScimWSGI(service), "alice")
        deadline = time.monotonic() + 10
        while not receiver.events and time.monotonic() < deadline:
            time.sleep(0.02)
        dispatcher.stop()
        thread.join(timeout=10)
    finally:
        receiver.close()
    assert [event["type"] for event in receiver.events] == ["user.created"]
    assert not thread.is_alive()
