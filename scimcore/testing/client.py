"""An in-process HTTP client for a test: calls an ASGI or WSGI application, or a live URL, through httpx.

Owns: :func:`app_transport`, the httpx transport that hands each request straight to an application — a WSGI
one through :class:`httpx.WSGITransport`, an ASGI one through :class:`httpx.ASGITransport` on an event loop of
its own (a thread), so that a synchronous test drives FastAPI, Starlette or Django's ASGI handler the same way
as Flask or Django's WSGI handler, and the loop an app keeps its state on stays the same for every request;
:func:`is_asgi`, which tells the two kinds apart; :func:`connect`, one :class:`httpx.Client` for an app or a
URL; and :class:`ScimClient`, that client with the SCIM base URL and the bearer token of RFC 6750 §2.1 set,
and one call per SCIM method (RFC 7644 §3.2) returning :class:`httpx.Response` values.
Must not: open a socket for an application (requests never leave the process), run the application's
lifespan (``ASGITransport`` does not either: start what the app needs in the fixture), hold a SCIM rule, or be
imported by ``import scimcore`` (it imports httpx and asyncio).
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Mapping
from typing import Any, Literal

import httpx

#: The host name of an in-process application's URLs (nothing resolves it: requests never leave the process).
TEST_HOST = "http://testserver"

#: The SCIM media type (RFC 7644 §3.1) every :class:`ScimClient` request body is sent as.
SCIM_JSON = "application/scim+json"

#: The PatchOp message URN (RFC 7644 §3.5.2).
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

Kind = Literal["asgi", "wsgi"]


def is_asgi(app: Any) -> bool:
    """Whether ``app`` is an ASGI 3 application (``async (scope, receive, send)``) rather than a WSGI one.

    ASGI 3 applications are coroutine functions or objects whose ``__call__`` is one (FastAPI, Starlette,
    :class:`~scimcore.asgi.ScimASGI`, Django's ``ASGIHandler``); WSGI applications are plain callables.
    """
    if inspect.iscoroutinefunction(app):
        return True
    return inspect.iscoroutinefunction(type(app).__call__)


class _LoopThread:
    """An event loop running in a daemon thread, for a synchronous caller to submit coroutines to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="scimcore-test-client", daemon=True)
        self.thread.start()

    def run(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on the loop and wait for its result (or its exception)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        """Stop the loop, wait for its thread and close it."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport for an ASGI application: :class:`httpx.ASGITransport` on its own loop.

    Application errors are raised to the caller (``raise_app_exceptions``), as in a test they should be.
    """

    def __init__(self, app: Any, *, root_path: str = "") -> None:
        self._asgi = httpx.ASGITransport(app=app, root_path=root_path)
        self._loop = _LoopThread()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` to the application and return its complete response."""

        async def send() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._asgi.handle_async_request(request)
            body = await response.aread()
            return response.status_code, response.headers.raw, body

        status, headers, body = self._loop.run(send())
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        """Stop the transport's event loop."""
        self._loop.close()


def app_transport(app: Any, *, kind: Kind | None = None) -> httpx.BaseTransport:
    """The httpx transport that calls ``app`` in process; ``kind`` overrides :func:`is_asgi`."""
    if (kind or ("asgi" if is_asgi(app) else "wsgi")) == "asgi":
        return SyncASGITransport(app)
    return httpx.WSGITransport(app=app)


def connect(target: Any, *, kind: Kind | None = None, timeout: float = 15.0) -> httpx.Client:
    """An httpx client for ``target``: an ASGI or WSGI application (in process), or ``None`` for a live server.

    The client follows no redirects (an identity provider does not) and sends no ``User-Agent`` of its own:
    the caller sets the one its traffic carries.  An application's URLs are on :data:`TEST_HOST`.
    """
    transport = None if target is None else app_transport(target, kind=kind)
    client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)
    del client.headers["User-Agent"]
    return client


class ScimClient:
    """A SCIM client for a test: one method per SCIM request (RFC 7644 §3.2) against one base URL.

    ``target`` is an ASGI or WSGI application — the user's own FastAPI, Starlette, Flask or Django app, or
    :class:`~scimcore.asgi.ScimASGI` / :class:`~scimcore.wsgi.ScimWSGI` — called in process, or a URL string
    of a live server.  ``base_url`` is the SCIM base (``/scim/v2`` by default, on :data:`TEST_HOST` for an
    app); ``token`` is sent as ``Authorization: Bearer`` unless ``None``.  Bodies go as
    ``application/scim+json``; answers are plain :class:`httpx.Response` values.
    """

    def __init__(
        self,
        target: Any,
        *,
        token: str | None = None,
        base_url: str | None = None,
        kind: Kind | None = None,
        timeout: float = 15.0,
    ) -> None:
        if isinstance(target, str):
            self.base_url = target.rstrip("/")
            self.http = connect(None, timeout=timeout)
        else:
            self.base_url = (base_url or f"{TEST_HOST}/scim/v2").rstrip("/")
            self.http = connect(target, kind=kind, timeout=timeout)
        self.token = token

    def __enter__(self) -> ScimClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and its transport (an ASGI app's event loop thread)."""
        self.http.close()

    def with_token(self, token: str | None) -> ScimClient:
        """A client on the same connection and base URL with another token (``None`` sends none)."""
        other = object.__new__(ScimClient)
        other.base_url, other.http, other.token = self.base_url, self.http, token
        return other

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` under the SCIM base (``path`` starts with ``/``)."""
        return self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send ``method`` on ``path`` with ``body`` as SCIM JSON (when given) and return the response."""
        sent: dict[str, str] = {}
        if self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            sent["Content-Type"] = SCIM_JSON
        sent.update(headers or {})
        return self.http.request(method, self.url(path), json=body, params=params, headers=sent)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        """GET ``path`` (RFC 7644 §3.4)."""
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        """POST ``body`` to ``path`` (RFC 7644 §3.3)."""
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        """PUT ``body`` on ``path`` (RFC 7644 §3.5.1)."""
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, operations: list[dict[str, Any]], **kw: Any) -> httpx.Response:
        """PATCH ``path`` with ``operations`` in a PatchOp message (RFC 7644 §3.5.2)."""
        return self.request("PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        """DELETE ``path`` (RFC 7644 §3.6)."""
        return self.request("DELETE", path, **kw)


__all__ = [
    "PATCH_OP",
    "SCIM_JSON",
    "TEST_HOST",
    "Kind",
    "ScimClient",
    "SyncASGITransport",
    "app_transport",
    "connect",
    "is_asgi",
]
