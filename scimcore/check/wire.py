"""The wire of ``scimcore check``: one HTTP request as an identity provider sends it, and its record.

Owns: :class:`Exchange`, the record of one request and its response as the reports show it (bodies on one
line, cut at :data:`BODY_LIMIT`); :class:`Wire`, which sends every request of a run through one httpx client
with the headers of the current style (Entra's ``application/scim+json`` and no ``User-Agent``, or Okta's
``application/json`` and ``User-Agent``; RFC 7644 §3.1, §8.2), Entra's ``aadOptscim062020`` flag in the query,
the bearer token (RFC 6750 §2.1), and remembers the id of every user or group a POST created (from the body's
``id`` or the ``Location`` header, RFC 7644 §3.3) and every resource a DELETE removed; and
:class:`ConnectionLost`.
Must not: import httpx at import time (it is imported when a request is sent), show or record the token
(headers show ``Bearer ***`` and any echo of it in a body becomes ``***``), or judge a response beyond
turning a timeout into a failed check and a transport error into :class:`ConnectionLost`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from scimcore.check.expectations import CheckFailed
from scimcore.check.names import ENTRA, FLAG, OKTA, OKTA_USER_AGENT, SCIM_JSON, Style

if TYPE_CHECKING:
    import httpx

#: How much of a request or response body the reports show.
BODY_LIMIT = 1200


class ConnectionLost(Exception):
    """The server stopped answering at the transport level (refused, reset): the run cannot go on."""


@dataclass
class Exchange:
    """One request and its response (or the transport error in its place), as the reports show them."""

    method: str
    target: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None = None
    reason: str = ""
    content_type: str | None = None
    response_body: str = ""
    error: str | None = None
    setup: bool = False

    @cached_property
    def json(self) -> Any:
        """The response body decoded as JSON, or None when it is empty or not JSON."""
        if not self.response_body:
            return None
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    @property
    def media_type(self) -> str:
        """The response's media type without parameters, lower-cased ("" when absent)."""
        return (self.content_type or "").split(";", 1)[0].strip().lower()

    def to_json(self) -> dict[str, Any]:
        """The exchange for the JSON report, bodies truncated like the text report."""
        return {
            "request": {
                "method": self.method,
                "target": self.target,
                "headers": self.request_headers,
                "body": _truncate(self.request_body) if self.request_body is not None else None,
            },
            "response": (
                {"error": self.error}
                if self.error
                else {
                    "status": self.status,
                    "content_type": self.content_type,
                    "body": _truncate(self.response_body),
                }
            ),
        }

    def render(self) -> list[str]:
        """The exchange as indented text lines: ``>`` for the request, ``<`` for the response."""
        lines = [f"> {self.method} {self.target}"]
        lines += [f"> {name}: {value}" for name, value in self.request_headers.items()]
        if self.request_body is not None:
            lines.append(f"> {_truncate(self.request_body)}")
        if self.error:
            lines.append(f"< (no response: {self.error})")
            return lines
        lines.append(f"< {self.status} {self.reason}".rstrip())
        if self.content_type is not None:
            lines.append(f"< Content-Type: {self.content_type}")
        if self.response_body:
            lines.append(f"< {_truncate(self.response_body)}")
        return lines


def _truncate(text: str, limit: int = BODY_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with a note of how much was left out."""
    one_line = " ".join(text.split()) if "\n" in text else text
    if len(one_line) <= limit:
        return one_line
    return f"{one_line[:limit]}… ({len(one_line) - limit} more characters)"


_BEARER = object()


class Wire:
    """The HTTP side of one run: the client, the exchanges so far, and what POSTs created and DELETEs removed.

    Every request goes through :meth:`call`, which records the exchange for the reports (in ``trace``, the
    current check's, and ``log``, the run's) and remembers the id of every user or group a POST created, so
    that the cleanup can delete it whatever happens.
    """

    def __init__(self, client: httpx.Client, url: str, token: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")
        self.base_query = parts.query
        self.base_url = self.origin + self.base_path
        self.client = client
        self.token = token
        self.timeout = timeout
        self.style: Style = ENTRA
        self.trace: list[Exchange] = []
        self.log: list[Exchange] = []
        self.created: dict[str, list[str]] = {"Users": [], "Groups": []}
        self.deleted: set[str] = set()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Sequence[tuple[str, str]] = (),
        flag: bool = False,
        auth: object = _BEARER,
        setup: bool = False,
    ) -> Exchange:
        """Send one request as the current check's identity provider would, and record the exchange.

        ``flag`` adds ``aadOptscim062020`` to the query, as Entra does when the tenant URL carries it;
        ``auth`` is the bearer token by default, else the literal ``Authorization`` value (or None for none).
        """
        import httpx

        headers: dict[str, str] = {}
        shown: dict[str, str] = {}
        if auth is _BEARER:
            headers["Authorization"] = f"Bearer {self.token}"
            shown["Authorization"] = "Bearer ***"
        elif isinstance(auth, str):
            headers["Authorization"] = shown["Authorization"] = auth
        if self.style == OKTA:
            headers["User-Agent"] = shown["User-Agent"] = OKTA_USER_AGENT
        content = None
        if body is not None:
            content = json.dumps(body).encode()
            headers["Content-Type"] = shown["Content-Type"] = "application/json" if self.style == OKTA else SCIM_JSON
        raw = [self.base_query] if self.base_query else []
        if flag and FLAG not in self.base_query:
            raw.append(FLAG)
        raw += [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params]
        readable = ([FLAG] if flag else []) + [f"{k}={v}" for k, v in params]
        url = self.base_url + path + ("?" + "&".join(raw) if raw else "")
        exchange = Exchange(
            method=method,
            target=path + ("?" + "&".join(readable) if readable else ""),
            request_headers=shown,
            request_body=json.dumps(body) if body is not None else None,
            setup=setup,
        )
        self.trace.append(exchange)
        self.log.append(exchange)
        try:
            response = self.client.request(method, url, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            exchange.error = f"{type(exc).__name__}: no answer within {self.timeout:g} s"
            raise CheckFailed(f"{method} {exchange.target}: no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            raise ConnectionLost(f"{method} {exchange.target}: {exchange.error}") from None
        exchange.status = response.status_code
        exchange.reason = response.reason_phrase
        exchange.content_type = response.headers.get("content-type")
        exchange.response_body = self.redact(response.text)
        resource = path.lstrip("/")
        if method == "POST" and resource in self.created and response.is_success:
            # Whatever the check expected, a 2xx created something: remember it for the cleanup.
            created = exchange.json
            location = response.headers.get("location", "").rstrip("/")
            if isinstance(created, dict) and isinstance(created.get("id"), str) and created["id"]:
                self.created[resource].append(created["id"])
            elif f"/{resource}/" in location:
                self.created[resource].append(location.rsplit("/", 1)[1])
        if method == "DELETE" and response.status_code in (200, 204):
            self.deleted.add(path)
        return exchange

    def redact(self, text: str) -> str:
        """``text`` with the token replaced by ``***`` wherever it appears."""
        return text.replace(self.token, "***") if self.token else text

    def live(self, resource: str) -> list[str]:
        """The ids of the ``/Users`` or ``/Groups`` this run created and has not deleted."""
        return [i for i in self.created[resource] if f"/{resource}/{i}" not in self.deleted]
