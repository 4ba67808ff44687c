"""The HTTP plumbing the console's pages share: answers, security headers, cookies and forms (ASGI).

Owns: turning an :class:`Answer` into an ASGI response with the security headers, reading cookies and a
bounded URL-encoded form.  Must not: route, render or decide who may see a page (:mod:`scimcore.console.app`
and :mod:`scimcore.console.setup` do).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_FORM_BYTES = 64 * 1024
SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]


class Answer(Exception):
    """Ends a request with an answer (a page, a redirect or an error)."""

    def __init__(self, status: int, body: str = "", headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or []


async def send_answer(send: Send, answer: Answer) -> None:
    """Write ``answer`` with the security headers (``text/html`` unless it names its own type)."""
    data = answer.body.encode("utf-8")
    names = {name for name, _ in answer.headers}
    all_headers = [*SECURITY_HEADERS, *answer.headers, (b"content-length", str(len(data)).encode())]
    if b"content-type" not in names:
        all_headers.append((b"content-type", b"text/html; charset=utf-8"))
    await send({"type": "http.response.start", "status": answer.status, "headers": all_headers})
    await send({"type": "http.response.body", "body": data})


def read_cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, the first of each name."""
    found: dict[str, str] = {}
    for key, value in scope.get("headers", ()):
        if key.lower() == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, content = part.strip().partition("=")
                if name and name not in found:
                    found[name] = content
    return found


def header(scope: Scope, name: bytes) -> str:
    """The first value of request header ``name`` (lower case), or ``""``."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


async def read_form(receive: Receive) -> dict[str, str]:
    """The URL-encoded form of the request body, at most :data:`MAX_FORM_BYTES`."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Answer(400, "")
        body.extend(message.get("body", b""))
        if len(body) > MAX_FORM_BYTES:
            raise Answer(413, html.escape("The form is too large."))
        if not message.get("more_body", False):
            break
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise Answer(400, "The form is not UTF-8.") from None
