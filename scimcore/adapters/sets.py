"""The Security Event Token endpoints of ``scimcore serve`` (ASGI): the signing keys and the poll endpoint.

Beside the SCIM API, below the server's root:

- ``GET /sets/jwks.json`` — the server's live signing keys as a JWK Set (RFC 7517 §5);
- ``GET /sets/{directory}/jwks.json`` — the keys a receiver of that directory verifies its SETs with (the
  directory's own and the server's; for a directory that does not exist, the server's);
- ``POST /sets/{directory}/poll`` — RFC 8936 poll-based delivery of the directory's SETs
  (:mod:`scimcore.set_poll`), for a directory whose ``event_delivery`` is ``set-poll``.

The poll endpoint is authenticated like the directory's SCIM endpoints, by its SCIM bearer token (checked
by the same authenticator, in constant time): a missing or wrong token is ``401`` with
``WWW-Authenticate: Bearer``, whether or not the directory exists; a token of another directory never
reaches this directory's events.  Errors carry the RFC 8935 §2.3 error object ``{"err", "description"}``.
The JWKS documents are public, as keys for verifying signatures are.

Owns: those paths, reading the request and writing the answer.  Must not: decide protocol rules
(:mod:`scimcore.set_poll` does), log a token or a SET, or serve anything else (other paths go to ``app``).
Needs the ``sets`` extra (joserfc).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from scimcore import set_poll, set_tokens
from scimcore.errors import ScimError
from scimcore.store.ports import SERVER_KEYS, DirectoryStore, PolledOutbox, SigningKeys
from scimcore.transport import ScimRequest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PREFIX = "/sets"
MAX_POLL_BODY = 1024 * 1024
"""The largest poll request body read (acknowledgements of many SETs fit well within it)."""


class SetEndpointsASGI:
    """``/sets/...`` (see the module docstring) in front of ``app``; ``store`` keeps directories, keys and events."""

    def __init__(
        self,
        store: Any,
        app: Any,
        *,
        issuer: str,
        authenticator: Callable[[ScimRequest], str | None],
        clock: Callable[[], float] = time.time,
        lease_seconds: float = set_poll.LEASE_SECONDS,
    ) -> None:
        if not (isinstance(store, DirectoryStore) and isinstance(store, SigningKeys)
                and isinstance(store, PolledOutbox)):
            raise TypeError("the SET endpoints need a store keeping directories, signing keys and polled events")
        self.store = store
        self.app = app
        self.service = getattr(app, "service", None)
        self.issuer = issuer
        self.authenticator = authenticator
        self.clock = clock
        self.lease_seconds = lease_seconds

    @staticmethod
    def handles(path: str) -> bool:
        """Whether ``path`` is one of the SET endpoints' (``/sets/...``)."""
        return path.startswith(PREFIX + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve ``/sets/...``; hand every other request (and the lifespan) to ``app``."""
        if scope["type"] != "http" or not self.handles(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        parts = scope["path"][len(PREFIX) + 1 :].split("/")
        method = scope.get("method", "GET")
        if parts == ["jwks.json"] and method in ("GET", "HEAD"):
            document = await asyncio.to_thread(self._server_keys)
            await _answer(send, 200, document, cache="public, max-age=300")
        elif len(parts) == 2 and parts[1] == "jwks.json" and method in ("GET", "HEAD"):
            await self._directory_keys(send, parts[0])
        elif len(parts) == 2 and parts[1] == "poll":
            if method != "POST":
                await _answer(send, 405, _error("invalid_request", "poll with POST"), extra=[(b"allow", b"POST")])
            else:
                await self._poll(scope, receive, send, parts[0])
        else:
            await _answer(send, 404, _error("invalid_request", "no such SET endpoint"))

    def _server_keys(self) -> dict[str, Any]:
        set_tokens.ensure_server_key(self.store, set_tokens.utc_stamp(self.clock()))
        return set_tokens.jwks(self.store.signing_keys(SERVER_KEYS))

    def _published(self, directory_id: str) -> dict[str, Any]:
        set_tokens.ensure_server_key(self.store, set_tokens.utc_stamp(self.clock()))
        return set_tokens.published_keys(self.store, directory_id)

    async def _directory_keys(self, send: Send, directory_id: str) -> None:
        # An unknown directory gets the server's keys: the public JWKS never tells which directories exist.
        document = await asyncio.to_thread(self._published, directory_id)
        await _answer(send, 200, document, cache="public, max-age=300")

    async def _poll(self, scope: Scope, receive: Receive, send: Send, directory_id: str) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        request = ScimRequest(method="POST", path="/", headers=headers, directory=directory_id)
        try:
            subject = await asyncio.to_thread(self.authenticator, request)
        except ScimError as exc:  # an unknown (404) or deactivated (403) directory, to its own token's holder
            await _answer(send, exc.status, _error("access_denied", exc.detail or "refused"))
            return
        if subject is None:
            await _answer(send, 401, _error("authentication_failed", "the directory's bearer token is needed"),
                          extra=[(b"www-authenticate", b'Bearer realm="scimcore"')])
            return
        directory = await asyncio.to_thread(self.store.get_directory, directory_id)
        if directory is None or directory.event_delivery != "set-poll":
            await _answer(send, 403, _error(
                "access_denied", f"directory {directory_id!r} does not deliver its events by poll "
                f"(scimcore directories events {directory_id} --delivery set-poll)"))
            return
        body = await _read_body(receive)
        if body is None:
            await _answer(send, 413, _error("invalid_request", f"a poll body is at most {MAX_POLL_BODY} bytes"))
            return
        try:
            poll = set_poll.parse_poll(body)
        except set_poll.PollError as exc:
            await _answer(send, exc.status, exc.body())
            return
        answer = await asyncio.to_thread(
            set_poll.answer_poll, self.store, self.store, directory, poll, now=self.clock(), issuer=self.issuer,
            lease_seconds=self.lease_seconds,
        )
        await _answer(send, 200, answer)


def _error(err: str, description: str) -> dict[str, str]:
    return {"err": err, "description": description}


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or ``None`` when it is larger than :data:`MAX_POLL_BODY`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_POLL_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(
    send: Send, status: int, doc: Any, *, cache: str = "no-store", extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode("latin-1")),
               (b"cache-control", cache.encode("latin-1")), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
