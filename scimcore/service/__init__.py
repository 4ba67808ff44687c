"""The SCIM service: a request value in, a response value out (RFC 7644).

Owns: :class:`ScimService` — construction, the entry points :meth:`~ScimService.handle` and
:meth:`~ScimService.handle_async`, the checks every request passes first (body bound, authentication, the
per-directory rate limit) and the hand-over to the router.  The protocol itself lives in the modules of
this package, each named for what it does:

- :mod:`~scimcore.service.routing` — the routing table and the ``/{directory}`` prefix;
- :mod:`~scimcore.service.body` — request bodies (RFC 8259, RFC 7644 §3.4.3);
- :mod:`~scimcore.service.versions` — versions and preconditions (RFC 7644 §3.14);
- :mod:`~scimcore.service.queries` — filtering, sorting and paging (RFC 7644 §3.4.2);
- :mod:`~scimcore.service.resources` — create, read, replace, patch, delete (RFC 7644 §3.3–§3.6);
- :mod:`~scimcore.service.discovery` and :mod:`~scimcore.service.batch` — discovery, Bulk and ``/Me``;
- :mod:`~scimcore.service.responses` — every response, and every error, assembled in one place.

Must not: open sockets or read configuration files (adapters and the CLI do), store anything (the store
port does), or know any web framework.  Clock and id generation are injected.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from scimcore.auth import Authenticator, hash_password
from scimcore.cursors import CursorCodec
from scimcore.discovery import Capabilities
from scimcore.errors import NotFound, PayloadTooLarge, TooManyRequests, Unauthorized
from scimcore.events import Subscriber
from scimcore.limits import RateLimit, RateLimiter
from scimcore.schema.registry import SchemaRegistry
from scimcore.service.config import ServiceConfig
from scimcore.service.context import RequestContext, Runtime
from scimcore.service.responses import dropped_members_reported, error_response
from scimcore.service.routing import ROUTES, Route, Router
from scimcore.service.versions import format_datetime, utc_now
from scimcore.store.port import DEFAULT_DIRECTORY, Store
from scimcore.transport import ScimRequest, ScimResponse

__all__ = [
    "ROUTES",
    "RequestContext",
    "Route",
    "Runtime",
    "ScimService",
    "ServiceConfig",
    "error_response",
    "format_datetime",
    "hash_password",
    "utc_now",
]


_log = logging.getLogger("scimcore.service")


class ScimService:
    """A SCIM 2.0 service provider over a :class:`~scimcore.store.port.Store`.

    ``handle`` is the synchronous entry point; ``handle_async`` serves callers in async code and runs
    blocking stores in a worker thread so the event loop never waits on I/O.

    Every request is authenticated by ``authenticator``; a service without one must be asked for with
    ``anonymous=True`` and logs a warning when it is built.
    """

    def __init__(
        self,
        store: Store,
        *,
        registry: SchemaRegistry | None = None,
        authenticator: Authenticator | None = None,
        config: ServiceConfig | None = None,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        password_hasher: Callable[[str], str] = hash_password,
        emit_events: bool = True,
        subscribers: Sequence[Subscriber] = (),
        monotonic: Callable[[], float] = time.monotonic,
        anonymous: bool = False,
    ) -> None:
        if authenticator is None and not anonymous:
            raise ValueError(
                "ScimService needs an authenticator: BearerTokens([...]) for fixed tokens or "
                "DirectoryAuthenticator(store) for per-directory tokens (RFC 7644 §2). Pass anonymous=True only "
                "for a service that nothing untrusted can reach (a test, or an app that authenticates first)."
            )
        if authenticator is None:
            _log.warning("This ScimService has no authenticator: it serves every request without authentication.")
        self.store = store
        self.emit_events = emit_events
        self.subscribers = list(subscribers)
        self.registry = registry or SchemaRegistry.default()
        self.authenticator = authenticator
        self.config = config or ServiceConfig()
        self.clock = clock
        self.new_id = new_id
        self.password_hasher = password_hasher
        self.capabilities = Capabilities(
            max_results=self.config.max_page_size,
            default_page_size=self.config.default_page_size,
            documentation_uri=self.config.documentation_uri,
            cursor_paging=True,
            bulk_max_operations=self.config.bulk_max_operations,
            bulk_max_payload_bytes=min(self.config.bulk_max_payload_bytes, self.config.max_body_bytes),
        )
        self.cursors = CursorCodec(self.config.cursor_secret or secrets.token_bytes(32))
        rate = self.config.rate_limit_requests
        self._limiter = RateLimiter(RateLimit(rate, self.config.rate_limit_seconds), monotonic) if rate > 0 else None
        self.router = Router(self.registry)

    def handle(self, request: ScimRequest) -> ScimResponse:
        """Serve one request; never raises."""
        try:
            return self._dispatch(request, limited=True)
        except Exception as exc:  # noqa: BLE001 - converted to a SCIM error in one place
            return error_response(exc)

    async def handle_async(self, request: ScimRequest) -> ScimResponse:
        """Serve one request from an event loop; blocking stores run in a worker thread.

        The ASGI adapter offloads on its own; this stays for callers that hold a service in async code.
        """
        import asyncio  # here, not at the top: ``import scimcore`` loads no asyncio

        if getattr(self.store, "blocking", True):
            return await asyncio.to_thread(self.handle, request)
        return self.handle(request)

    def handle_operation(self, request: ScimRequest) -> ScimResponse:
        """Serve one operation of a Bulk request: the Bulk request itself already passed the rate limit."""
        try:
            return self._dispatch(request, limited=False)
        except Exception as exc:  # noqa: BLE001 - converted to a SCIM error in one place
            return error_response(exc)

    def _dispatch(self, request: ScimRequest, *, limited: bool) -> ScimResponse:
        if len(request.body) > self.config.max_body_bytes:
            raise PayloadTooLarge(f"The request body exceeds {self.config.max_body_bytes} bytes.")
        if "\x00" in request.path or "\x00" in (request.directory or ""):
            raise NotFound("No SCIM endpoint has a NUL character (U+0000) in its path.")  # nor can a stored id
        if self.authenticator is not None and self.authenticator(request) is None:
            raise Unauthorized()
        directory = request.directory or DEFAULT_DIRECTORY
        if limited and self._limiter is not None:
            self._admit(directory)
        ctx = RequestContext(request, request.query_params(), directory)
        method = request.method.upper()
        handler = self.router.route(method, request.path.split("?", 1)[0], ctx)
        response = handler(self, ctx)
        if ctx.dropped_members:
            response = dropped_members_reported(response, list(ctx.dropped_members))
        return response

    def _admit(self, directory: str) -> None:
        """The per-directory rate limit: 429 with ``Retry-After`` (RFC 6585 §4) when the bucket is empty."""
        assert self._limiter is not None
        wait = self._limiter.acquire(directory)
        if wait > 0:
            seconds = RateLimiter.retry_after(wait)
            raise TooManyRequests(
                f"Too many requests for this directory (limit: {self.config.rate_limit_requests} requests per "
                f"{self.config.rate_limit_seconds:g} s); retry after {seconds} s.",
                headers={"Retry-After": str(seconds)},
            )
