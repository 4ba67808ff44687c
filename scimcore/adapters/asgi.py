"""A dependency-free ASGI 3 application serving a :class:`~scimcore.service.ScimService`.

Mount it in any ASGI framework or run it with any ASGI server::

    from scimcore import MemoryStore, ScimService
    from scimcore.asgi import ScimASGI

    app = ScimASGI(ScimService(MemoryStore()), prefix="/scim/v2")

Owns: the ASGI side of a request — the scope's ``root_path``, ``path``, headers, scheme and server; the body,
read from ``http.request`` messages up to the bound (a ``Content-Length`` above it is refused before reading,
a streamed body is cut at it: 413); a client that disconnects before its body is complete, dropped unserved;
lifespan events, acknowledged after the ``on_startup`` / ``on_shutdown`` hooks; running a blocking store's
request in a worker thread (``asyncio.to_thread``) so the event loop never waits on I/O; writing the
:class:`~scimcore.transport.ScimResponse` as ``http.response.*`` messages; the ``scimcore.access`` record
(:mod:`scimcore.adapters.access`; ``log_bodies=True`` adds redacted bodies at DEBUG).
Must not: hold a SCIM rule or repeat what both adapters share — options, the prefix, ``/<directory>/``
routing and the base URL come from :mod:`scimcore.adapters.common`; everything else is the service's.
This module translates only; ``import scimcore`` does not import it (it loads :mod:`asyncio`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from scimcore.adapters.access import AccessLog
from scimcore.adapters.common import AdapterOptions, OptionAttributes, build_request, locate
from scimcore.errors import ScimError
from scimcore.service import ScimService, error_response
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.transport import ScimRequest, ScimResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Disconnected(Exception):
    """The client disconnected while its request body was being read."""


class ScimASGI(OptionAttributes):
    """ASGI application: ``prefix`` is the path of the SCIM root (``/scim/v2``) below the mount point."""

    def __init__(
        self,
        service: ScimService,
        *,
        prefix: str = "",
        max_body_bytes: int | None = None,
        trust_forwarded: bool = False,
        directories: bool = False,
        default_directory: str | None = DEFAULT_DIRECTORY,
        on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
        on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
        log_bodies: bool = False,
        public_url: str | None = None,
    ) -> None:
        self.service = service
        self.options = AdapterOptions.of(
            service,
            prefix=prefix,
            max_body_bytes=max_body_bytes,
            trust_forwarded=trust_forwarded,
            directories=directories,
            default_directory=default_directory,
            log_bodies=log_bodies,
            public_url=public_url,
        )
        self._blocking = bool(getattr(service.store, "blocking", True))
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)
        self.access = AccessLog(log_bodies=self.options.log_bodies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope."""
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for hook in self.on_startup:
                    await hook()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    await hook()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = self.access.start()
        request: ScimRequest | None = None
        try:
            request = await self._request(scope, receive)
        except ScimError as exc:
            response = error_response(exc)
        except _Disconnected:
            # The client left before its body was complete: nothing to serve, nobody to answer.
            self._log(started, scope, 499, None)
            return
        else:
            if self._blocking:  # a blocking store runs in a worker thread: the event loop never waits on I/O
                response = await asyncio.to_thread(self.service.handle, request)
            else:
                response = self.service.handle(request)
        await self._send(send, response)
        self._log(started, scope, response.status, request)

    def _log(self, started: float, scope: Scope, status: int, request: ScimRequest | None) -> None:
        headers = request.headers if request is not None else _headers(scope)
        self.access.record(
            started,
            str(scope.get("method", "")),
            str(scope.get("path", "")),
            scope.get("query_string", b"").decode("latin-1"),
            status,
            headers,
            request.directory if request is not None else None,
            request.body if request is not None else None,
        )

    async def _request(self, scope: Scope, receive: Receive) -> ScimRequest:
        headers = _headers(scope)
        root_path = scope.get("root_path", "")
        path: str = scope["path"]
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        target = locate(self.options, path, root_path)
        bound = self.options.max_body_bytes
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > bound:
            raise self.options.too_large()
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            body.extend(message.get("body", b""))
            if len(body) > bound:
                raise self.options.too_large()
            more = message.get("more_body", False)
        return build_request(
            self.options,
            target,
            method=scope["method"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=bytes(body),
            scheme=scope.get("scheme", "http"),
            server=scope.get("server"),
        )

    @staticmethod
    async def _send(send: Send, response: ScimResponse) -> None:
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        headers.append((b"content-length", str(len(response.body)).encode("latin-1")))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers with lower-case names (a repeated header: the last one)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
