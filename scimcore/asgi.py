"""A dependency-free ASGI 3 application serving a :class:`~scimcore.service.ScimService`.

Mount it in any ASGI framework or run it with any ASGI server::

    from scimcore import MemoryStore, ScimService
    from scimcore.asgi import ScimASGI

    app = ScimASGI(ScimService(MemoryStore()), prefix="/scim/v2")

Bodies are read with a bound (default 4 MiB, answered 413 above it); a request whose client disconnects
before its body is complete is dropped unserved; lifespan events are acknowledged.  Every request is written
to the ``scimcore.access`` log (:mod:`scimcore.adapters.access`); ``log_bodies=True`` adds redacted request
bodies at DEBUG.
This module translates only: every SCIM rule lives in the service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from scimcore.adapters.access import AccessLog
from scimcore.adapters.common import ROOT_ENDPOINTS, base_url, normalise_prefix, split_directory, strip_prefix
from scimcore.errors import NotFound, PayloadTooLarge, ScimError
from scimcore.service import ScimService, error_response
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.transport import ScimRequest, ScimResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Disconnected(Exception):
    """The client disconnected while its request body was being read."""


class ScimASGI:
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
    ) -> None:
        self.service = service
        self._blocking = bool(getattr(service.store, "blocking", True))
        self.prefix = normalise_prefix(prefix)
        self.max_body_bytes = max_body_bytes if max_body_bytes is not None else service.config.max_body_bytes
        self.trust_forwarded = trust_forwarded
        self.directories = directories
        self.default_directory = default_directory
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)
        self.access = AccessLog(log_bodies=log_bodies)
        self._endpoints = ROOT_ENDPOINTS | {t.endpoint.strip("/").lower() for t in service.registry.resource_types}

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
        full_path: str = scope["path"]
        if root_path and full_path.startswith(root_path):
            full_path = full_path[len(root_path) :]
        prefix = self.prefix
        path = strip_prefix(full_path, prefix)
        if path is None:
            raise NotFound(f"No SCIM endpoint at '{full_path}'.")
        directory = self.default_directory
        if self.directories:
            named, path = split_directory(path, self._endpoints)
            if named is not None:
                directory, prefix = named, f"{prefix}/{named}"
            elif directory is None:
                raise NotFound(f"No SCIM endpoint at '{full_path}': address a directory as {prefix}/<id>/...")
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            raise PayloadTooLarge(f"The request body exceeds {self.max_body_bytes} bytes.")
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            body.extend(message.get("body", b""))
            if len(body) > self.max_body_bytes:
                raise PayloadTooLarge(f"The request body exceeds {self.max_body_bytes} bytes.")
            more = message.get("more_body", False)
        server = scope.get("server")
        root = root_path + prefix
        return ScimRequest(
            method=scope["method"],
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=bytes(body),
            base_url=base_url(scope.get("scheme", "http"), headers, server, root, self.trust_forwarded),
            directory=directory,
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
