"""A dependency-free ASGI 3 application serving a :class:`~scimcore.service.ScimService`.

Mount it in any ASGI framework or run it with any ASGI server::

    import os

    from scimcore import BearerTokens, MemoryStore, ScimService
    from scimcore.asgi import ScimASGI

    service = ScimService(MemoryStore(), authenticator=BearerTokens([os.environ["SCIMCORE_TOKEN"]]))
    app = ScimASGI(service, prefix="/scim/v2")

Owns: the ASGI side of a request — the scope's ``root_path``, ``path``, headers, scheme and server; the body,
read from ``http.request`` messages up to the bound (a ``Content-Length`` above it is refused before reading,
a streamed body is cut at it: 413); a client that disconnects before its body is complete, dropped unserved;
the ``lifespan`` scope — the ``on_startup`` / ``on_shutdown`` hooks, and the webhook dispatcher of a store
with an event outbox, started after the start-up hooks and stopped before the shutdown hooks (``dispatch=False``
leaves it to another process), ``startup.failed`` / ``shutdown.failed`` when either raises; the same
dispatcher for a host application's own lifespan (:meth:`ScimASGI.dispatching`), since Starlette and
FastAPI do not run a mounted application's lifespan; running a blocking store's
request in a worker thread (``asyncio.to_thread``) so the event loop never waits on I/O; writing the
:class:`~scimcore.transport.ScimResponse` as ``http.response.*`` messages; the ``scimcore.access`` record
(:mod:`scimcore.adapters.access`; ``log_bodies=True`` adds redacted bodies at DEBUG).
Must not: hold a SCIM rule or repeat what both adapters share — options, the prefix, ``/<directory>/``
routing and the base URL come from :mod:`scimcore.adapters.common`; everything else is the service's.
This module translates only; ``import scimcore`` does not import it (it loads :mod:`asyncio`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from scimcore.adapters import common
from scimcore.adapters.access import AccessLog
from scimcore.adapters.common import (
    AdapterOptions,
    OptionAttributes,
    Target,
    build_request,
    check_head,
    drains,
    event_outbox,
    install_undelivered_warning,
    locate,
)
from scimcore.adapters.recorder import FlightRecorder
from scimcore.errors import ScimError
from scimcore.service import ScimService, error_response
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.transport import ScimRequest, ScimResponse

if TYPE_CHECKING:
    from scimcore.dispatch import DispatchConfig, Dispatcher

logger = logging.getLogger("scimcore")

UNDELIVERED_HINT = (
    "Serve the ScimASGI app with its lifespan on (it starts one), enter `async with scim_app.dispatching():` "
    "in your application's lifespan (Starlette and FastAPI do not run a mounted app's lifespan), or pass "
    "dispatch=False when another process delivers them (`scimcore serve` on the same database). "
    "The dispatcher needs httpx: pip install 'scimcore[server]'."
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Disconnected(Exception):
    """The client disconnected while its request body was being read."""


class ScimASGI(OptionAttributes):
    """ASGI application: ``prefix`` is the path of the SCIM root (``/scim/v2``) below the mount point.

    When the service's store keeps an event outbox (the SQL and memory stores do), the application's
    lifespan runs a :class:`~scimcore.dispatch.Dispatcher` that delivers the directories' webhooks, tuned by
    ``dispatch_config``; ``dispatch=False`` leaves delivery to another process.  Mounted in Starlette or
    FastAPI, whose lifespan does not reach a mounted application, enter :meth:`dispatching` in the host's
    own lifespan instead.  Without a running dispatcher, the first webhook event written is warned of once.
    """

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
        dispatch: bool = True,
        dispatch_config: DispatchConfig | None = None,
        recorder: FlightRecorder | None = None,
    ) -> None:
        self.service = service
        self.recorder = recorder
        self._flushes: set[asyncio.Task[None]] = set()
        self._recorder_task: asyncio.Task[None] | None = None
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
        self.dispatch = dispatch and event_outbox(service)
        self.dispatch_config = dispatch_config
        self.dispatcher: Dispatcher | None = None  # the running dispatcher, while one runs
        # Told (directory id, outcome) after each delivery attempt of a dispatcher this app starts (metrics).
        self.delivery_observers: list[Callable[[str, str], None]] = []
        self._dispatch_task: asyncio.Task[None] | None = None
        if event_outbox(service):
            service.subscribers.append(self._wake_dispatcher)
            if dispatch:
                install_undelivered_warning(service, UNDELIVERED_HINT)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope."""
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """The ASGI lifespan protocol: start-up hooks then the dispatcher; at shutdown, the reverse."""
        started = False
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for hook in self.on_startup:
                        await hook()
                    if self.dispatch and not _httpx_installed():
                        logger.info("no webhook dispatcher started: it needs httpx (pip install 'scimcore[server]')")
                    elif self.dispatch:
                        started = await self._start_dispatcher()
                    if self.recorder is not None:
                        self._recorder_task = asyncio.get_running_loop().create_task(self._flush_periodically())
                except Exception as exc:  # noqa: BLE001 - reported to the server, which then refuses to start
                    await send({"type": "lifespan.startup.failed", "message": _failure(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    if started:
                        await self._stop_dispatcher()
                    if self._recorder_task is not None:
                        self._recorder_task.cancel()
                        self._recorder_task = None
                    if self.recorder is not None:
                        await asyncio.to_thread(self.recorder.flush_or_log)
                    for hook in self.on_shutdown:
                        await hook()
                except Exception as exc:  # noqa: BLE001 - reported to the server
                    await send({"type": "lifespan.shutdown.failed", "message": _failure(exc)})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return

    @asynccontextmanager
    async def dispatching(self) -> AsyncIterator[Dispatcher | None]:
        """Run the webhook dispatcher while the block runs; for a host application's own lifespan.

        Starlette and FastAPI do not run a mounted application's lifespan, so enter this in theirs::

            @asynccontextmanager
            async def lifespan(app):
                async with scim_app.dispatching():
                    yield

        Yields the dispatcher, or ``None`` when one already runs for this application (its own lifespan
        started it) or the store keeps no event outbox.  Leaving the block stops it: deliveries under way
        get ``timeout_seconds`` to finish, and one cut short is made again later (the outbox is durable).
        Needs httpx (the ``server`` extra).
        """
        if not event_outbox(self.service):
            yield None
            return
        if not _httpx_installed():
            raise RuntimeError("webhook delivery needs httpx: pip install 'scimcore[server]'")
        if not await self._start_dispatcher():
            yield None
            return
        try:
            yield self.dispatcher
        finally:
            await self._stop_dispatcher()

    async def _start_dispatcher(self) -> bool:
        """Start a dispatcher on the store's outbox; ``False`` when one already runs for this application."""
        if self._dispatch_task is not None:
            return False
        from scimcore.dispatch import Dispatcher

        store: Any = self.service.store  # an Outbox and a DirectoryStore: see event_outbox
        dispatcher = Dispatcher(store, store, config=self.dispatch_config, on_outcome=self._delivery_outcome)
        self.dispatcher = dispatcher
        self._dispatch_task = asyncio.get_running_loop().create_task(dispatcher.run())
        return True

    async def _flush_periodically(self) -> None:
        """While the app runs (its lifespan), write recorded requests that waited ``flush_seconds``."""
        assert self.recorder is not None
        while True:
            await asyncio.sleep(self.recorder.flush_seconds)
            if self.recorder.due():
                await asyncio.to_thread(self.recorder.flush_or_log)

    def _delivery_outcome(self, directory_id: str, outcome: str) -> None:
        for observer in self.delivery_observers:
            observer(directory_id, outcome)

    async def _stop_dispatcher(self) -> None:
        """Stop the running dispatcher and wait for it (a delivery cut short is retried later)."""
        dispatcher, task = self.dispatcher, self._dispatch_task
        if dispatcher is None or task is None:
            return
        dispatcher.stop()
        try:
            await task
        finally:
            self.dispatcher, self._dispatch_task = None, None

    def _wake_dispatcher(self, _event: object) -> None:
        """A subscriber: a committed change made events, so the running dispatcher looks for them now."""
        dispatcher = self.dispatcher
        if dispatcher is not None:
            dispatcher.wake()

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
        self._log(started, scope, response.status, request, response.headers)
        if self.recorder is not None and request is not None:
            self.recorder.observe(request, response, (self.access.timer() - started) * 1000.0)
            if self.recorder.due():
                task = asyncio.get_running_loop().create_task(asyncio.to_thread(self.recorder.flush_or_log))
                self._flushes.add(task)
                task.add_done_callback(self._flushes.discard)

    def _log(
        self,
        started: float,
        scope: Scope,
        status: int,
        request: ScimRequest | None,
        response_headers: Sequence[tuple[str, str]] = (),
    ) -> None:
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
            response_headers,
        )

    def target(self, scope: Scope) -> Target:
        """Where an HTTP scope goes: its path below ``root_path`` (the mount point) located, or a 404."""
        root_path = scope.get("root_path", "")
        path: str = scope.get("path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        return locate(self.options, path, root_path)

    async def _request(self, scope: Scope, receive: Receive) -> ScimRequest:
        headers = _headers(scope)
        check_head(scope.get("raw_path") or scope["path"], scope.get("query_string", b""), headers)
        target = self.target(scope)
        bound = self.options.max_body_bytes
        length = headers.get("content-length")
        announced = int(length) if length is not None and length.isdigit() else None
        if announced is not None and announced > bound:
            if drains(headers, announced):
                await _drain(receive, 0)
            raise self.options.too_large()
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > bound:
                if more and drains(headers, announced):
                    await _drain(receive, len(body))
                raise self.options.too_large()
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


def _httpx_installed() -> bool:
    """Whether httpx, which the dispatcher sends webhooks with, can be imported (the ``server`` extra)."""
    return importlib.util.find_spec("httpx") is not None


def _failure(exc: Exception) -> str:
    """A lifespan failure message: the exception's type and text (the server logs it)."""
    return f"{type(exc).__name__}: {exc}"


async def _drain(receive: Receive, read: int) -> None:
    """Read and drop the rest of a refused body, up to :data:`~scimcore.adapters.common.DRAIN_BYTES` in all."""
    while read <= common.DRAIN_BYTES:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected()
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers with lower-case names (a repeated header: the last one)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
