"""A dependency-free WSGI application serving a :class:`~scimcore.service.ScimService` (PEP 3333).

Mount it under Flask, Django or any WSGI server::

    import os

    from scimcore import BearerTokens, MemoryStore, ScimService
    from scimcore.wsgi import ScimWSGI

    service = ScimService(MemoryStore(), authenticator=BearerTokens([os.environ["SCIMCORE_TOKEN"]]))
    app = ScimWSGI(service, prefix="/scim/v2")

Owns: the WSGI side of a request — the environ's ``SCRIPT_NAME``, ``PATH_INFO`` (decoded from PEP 3333's
latin-1), ``HTTP_*`` and ``CONTENT_TYPE`` headers, ``wsgi.url_scheme``, ``SERVER_NAME`` and ``SERVER_PORT``;
the body, read from ``wsgi.input`` up to the bound (``CONTENT_LENGTH`` bytes, never more; without it only
when the server sets ``wsgi.input_terminated``; above the bound: 413); the status line with its reason
phrase and the response headers for ``start_response``; the ``scimcore.access`` record
(:mod:`scimcore.adapters.access`; ``log_bodies=True`` adds redacted bodies at DEBUG).  WSGI has no lifespan,
so this adapter starts no webhook dispatcher: it warns once when webhook events wait with none running
(``warn_undelivered=False`` when another process delivers them).
Must not: hold a SCIM rule or repeat what both adapters share — options, the prefix, ``/<directory>/``
routing and the base URL come from :mod:`scimcore.adapters.common`; everything else is the service's.
This module translates only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from scimcore.adapters import common
from scimcore.adapters.access import AccessLog
from scimcore.adapters.common import (
    AdapterOptions,
    OptionAttributes,
    build_request,
    check_head,
    drains,
    install_undelivered_warning,
    locate,
)
from scimcore.adapters.recorder import FlightRecorder
from scimcore.errors import ScimError
from scimcore.service import ScimService, error_response
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.transport import ScimRequest, ScimResponse

StartResponse = Callable[..., Any]

UNDELIVERED_HINT = (
    "A WSGI application has no lifespan to start one: run `scimcore serve` on the same database beside it, "
    "or run a scimcore.dispatch.Dispatcher in a thread (see the frameworks guide); pass warn_undelivered=False "
    "when another process delivers them."
)


class ScimWSGI(OptionAttributes):
    """WSGI application: ``prefix`` is the path of the SCIM root (``/scim/v2``) below ``SCRIPT_NAME``."""

    def __init__(
        self,
        service: ScimService,
        *,
        prefix: str = "",
        max_body_bytes: int | None = None,
        trust_forwarded: bool = False,
        directories: bool = False,
        default_directory: str | None = DEFAULT_DIRECTORY,
        log_bodies: bool = False,
        public_url: str | None = None,
        warn_undelivered: bool = True,
        recorder: FlightRecorder | None = None,
    ) -> None:
        self.service = service
        self.recorder = recorder
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
        self.access = AccessLog(log_bodies=self.options.log_bodies)
        if warn_undelivered:
            install_undelivered_warning(service, UNDELIVERED_HINT)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve one WSGI request."""
        started = self.access.start()
        request: ScimRequest | None = None
        response: ScimResponse
        try:
            request = self._request(environ)
        except ScimError as exc:
            response = error_response(exc)
        else:
            response = self.service.handle(request)
        status = f"{response.status} {_reason(response.status)}"
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(status, headers)
        self.access.record(
            started,
            str(environ.get("REQUEST_METHOD", "GET")),
            environ.get("SCRIPT_NAME", "") + _path_info(environ),
            str(environ.get("QUERY_STRING", "")),
            response.status,
            request.headers if request is not None else _headers(environ),
            request.directory if request is not None else None,
            request.body if request is not None else None,
            response.headers,
        )
        if self.recorder is not None and request is not None:
            self.recorder.observe(request, response, (self.access.timer() - started) * 1000.0)
            if self.recorder.due():
                return _ThenFlush([response.body], self.recorder)  # written once the server sent the answer
        return [response.body]

    def _request(self, environ: dict[str, Any]) -> ScimRequest:
        headers = _headers(environ)
        check_head(environ.get("SCRIPT_NAME", "") + _path_info(environ), environ.get("QUERY_STRING", ""), headers)
        target = locate(self.options, _path_info(environ), environ.get("SCRIPT_NAME", "").rstrip("/"))
        body = self._body(environ, headers)
        server = (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 0) or None)
        return build_request(
            self.options,
            target,
            method=environ.get("REQUEST_METHOD", "GET"),
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
            body=body,
            scheme=environ.get("wsgi.url_scheme", "http"),
            server=server,
        )

    def _body(self, environ: dict[str, Any], headers: Mapping[str, str]) -> bytes:
        """Read at most the bound: ``CONTENT_LENGTH`` bytes, or up to the end of a dechunked stream.

        PEP 3333 forbids reading past ``CONTENT_LENGTH``; servers that dechunk a request without a length
        (gunicorn, werkzeug) say so with ``wsgi.input_terminated``, and then the stream is read to its end.
        A ``CONTENT_LENGTH`` over the bound is still read, and dropped, up to
        :data:`~scimcore.adapters.common.DRAIN_BYTES`, so the client is there to read the 413.
        """
        length_text = environ.get("CONTENT_LENGTH") or ""
        try:
            length: int | None = int(length_text)
        except ValueError:
            length = None
        bound = self.options.max_body_bytes
        stream = environ["wsgi.input"]
        if length is None:
            if not environ.get("wsgi.input_terminated"):
                return b""
            body = bytearray()
            while len(body) <= bound:
                chunk = stream.read(min(65536, bound + 1 - len(body)))
                if not chunk:
                    return bytes(body)
                body.extend(chunk)
            if drains(headers, None):
                _drain(stream, common.DRAIN_BYTES - len(body))
            raise self.options.too_large()
        if length > bound:
            if drains(headers, length):
                _drain(stream, length)
            raise self.options.too_large()
        return bytes(stream.read(length)) if length > 0 else b""


def _drain(stream: Any, most: int) -> None:
    """Read and drop up to ``most`` bytes of ``stream`` (a refused body; see ``common.DRAIN_BYTES``)."""
    while most > 0:
        chunk = stream.read(min(65536, most))
        if not chunk:
            return
        most -= len(chunk)


class _ThenFlush(list[bytes]):
    """A response body whose ``close()``, which the server calls after sending it (PEP 3333), flushes the recorder."""

    def __init__(self, body: list[bytes], recorder: FlightRecorder) -> None:
        super().__init__(body)
        self.recorder = recorder

    def close(self) -> None:
        self.recorder.flush_or_log()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers with lower-case names, ``Content-Type`` included."""
    headers = {
        key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


def _path_info(environ: dict[str, Any]) -> str:
    """``PATH_INFO`` decoded as UTF-8 (PEP 3333 hands it over as latin-1), ``/`` when empty."""
    raw_path = str(environ.get("PATH_INFO", "") or "/")
    try:
        return raw_path.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a server that already decoded the path, against PEP 3333
        return raw_path
