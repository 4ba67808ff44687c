"""The access log both adapters write: one record per request on the ``scimcore.access`` logger (stdlib logging).

Every record carries these attributes (``extra=``), so a JSON formatter or a log shipper gets fields, not text:

============== ==========================================================================================
``method``     the HTTP method
``path``       the request path with the query's parameter *names* only (``/scim/v2/Users?filter&count``):
               values can carry personal data or, from a misconfigured client, a secret, so they are dropped
``status``     the response status (``499`` when the client left before its request body was complete)
``duration_ms`` time from the start of the request to the response, in milliseconds
``directory``  the directory the request addressed, when known
``request_id`` the identity provider's correlation header when sent: ``client-request-id`` (Microsoft Entra
               ID), ``x-request-id``, ``x-correlation-id``
``dropped_members`` how many group members the write dropped because they name no resource of the
               directory (the response's ``Scimcore-Dropped-Members-Count``), when any were
============== ==========================================================================================

and the message reads ``GET /scim/v2/Users?filter 200 2.1ms directory=default request_id=…``.

Request bodies are logged only in an explicit debug mode (``log_bodies=True`` on the adapter), at DEBUG, as
JSON with every password, token and secret replaced by ``"[redacted]"`` (:func:`redact_body`); a body that is
not JSON is described, never written out.  Headers (``Authorization`` among them) and response bodies are
never logged.  This module holds no SCIM rules.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

logger = logging.getLogger("scimcore.access")

REQUEST_ID_HEADERS = ("client-request-id", "x-request-id", "x-correlation-id", "request-id")
"""Correlation headers identity providers send, first found wins (lower-case names)."""

SENSITIVE_WORDS = ("password", "passwd", "secret", "token", "authorization", "apikey", "api_key", "credential",
                   "privatekey", "private_key")
"""A JSON key (or a PATCH path's last segment) containing one of these, in any case, has its value redacted."""

DROPPED_COUNT_HEADER = "scimcore-dropped-members-count"
"""The response header (lower-case) that counts the members a write dropped (``scimcore.service.responses``)."""

REDACTED = "[redacted]"
MAX_FIELD = 200
MAX_BODY_CHARS = 16_384
MAX_DEPTH = 32


def _printable(text: str, limit: int = MAX_FIELD * 10) -> str:
    """``text`` with control characters escaped (no forged log lines) and cut to ``limit`` characters."""
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text)


def loggable_path(path: str, query: str) -> str:
    """``path`` followed by the names of the query parameters, without their values."""
    names: list[str] = []
    if query:
        for name, _ in parse_qsl(query, keep_blank_values=True):
            if name not in names:
                names.append(name)
    shown = _printable(path)
    if names:
        shown += "?" + "&".join(_printable(n, MAX_FIELD) for n in names)
    return shown


def request_id(headers: Mapping[str, str]) -> str | None:
    """The identity provider's request id (see :data:`REQUEST_ID_HEADERS`), made safe for a log line."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value and value.strip():
            return _printable(value.strip(), MAX_FIELD)
    return None


def is_sensitive(name: str) -> bool:
    """Whether a JSON key or a PATCH path names a secret (``password``, ``urn:…:User:password``, ``apiToken``…)."""
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE_WORDS)


def redact(value: Any, depth: int = 0) -> Any:
    """A copy of a JSON value with the values of sensitive keys, and of PATCH operations on them, redacted.

    Below :data:`MAX_DEPTH` levels a value is replaced whole: nothing a client nests can exhaust the stack.
    """
    if depth >= MAX_DEPTH and isinstance(value, list | dict):
        return REDACTED
    if isinstance(value, list):
        return [redact(item, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    path = value.get("path")
    secret_target = isinstance(path, str) and is_sensitive(path.rsplit(":", 1)[-1])
    for key, item in value.items():
        if is_sensitive(str(key)) or (secret_target and key == "value"):
            out[key] = REDACTED
        else:
            out[key] = redact(item, depth + 1)
    return out


def redact_body(body: bytes) -> str:
    """A request body for the debug log: redacted JSON, or a description of a body that is not JSON."""
    if not body:
        return ""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return f"<{len(body)} bytes, not JSON: not logged>"
    text = json.dumps(redact(doc), ensure_ascii=False, separators=(",", ":"))
    return _printable(text, MAX_BODY_CHARS)


class AccessLog:
    """Writes the access-log record of each request; ``timer`` is a monotonic clock in seconds."""

    def __init__(self, *, log_bodies: bool = False, timer: Callable[[], float] = time.perf_counter) -> None:
        self.log_bodies = log_bodies
        self.timer = timer

    def start(self) -> float:
        """The moment a request started, for :meth:`record`."""
        return self.timer()

    def record(
        self,
        started: float,
        method: str,
        path: str,
        query: str,
        status: int,
        headers: Mapping[str, str],
        directory: str | None,
        body: bytes | None = None,
        response_headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Log one finished request (and, in debug mode, its redacted body)."""
        if not logger.isEnabledFor(logging.INFO):
            return
        duration_ms = round((self.timer() - started) * 1000.0, 3)
        fields: dict[str, Any] = {
            "method": _printable(method, MAX_FIELD),
            "path": loggable_path(path, query),
            "status": status,
            "duration_ms": duration_ms,
            "directory": _printable(directory, MAX_FIELD) if directory is not None else None,
            "request_id": request_id(headers),
        }
        tail = f" request_id={fields['request_id']}" if fields["request_id"] else ""
        dropped = next((v for k, v in response_headers if k.lower() == DROPPED_COUNT_HEADER), None)
        if dropped is not None and dropped.isdigit():
            fields["dropped_members"] = int(dropped)
            tail += f" dropped_members={dropped}"
        logger.info(
            "%s %s %d %.1fms directory=%s%s",
            fields["method"], fields["path"], status, duration_ms, fields["directory"] or "-", tail,
            extra=fields,
        )
        if self.log_bodies and body and logger.isEnabledFor(logging.DEBUG):
            shown = redact_body(body)
            logger.debug(
                "%s %s body: %s", fields["method"], fields["path"], shown, extra={**fields, "body": shown}
            )
