"""A dependency-free WSGI application serving a :class:`~scimcore.service.ScimService` (PEP 3333).

Mount it under Flask, Django or any WSGI server::

    from scimcore import MemoryStore, ScimService
    from scimcore.wsgi import ScimWSGI

    app = ScimWSGI(ScimService(MemoryStore()), prefix="/scim/v2")

Bodies are read with a bound (default 4 MiB, answered 413 above it); a body without ``CONTENT_LENGTH`` is
read only when the server sets ``wsgi.input_terminated``.  Every request is written to the ``scimcore.access``
log (:mod:`scimcore.adapters.access`); ``log_bodies=True`` adds redacted request bodies at DEBUG.  This module
translates only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from scimcore.adapters.access import AccessLog
from scimcore.adapters.common import ROOT_ENDPOINTS, base_url, normalise_prefix, split_directory, strip_prefix
from scimcore.errors import NotFound, PayloadTooLarge, ScimError
from scimcore.service import ScimService, error_response
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.transport import ScimRequest, ScimResponse

StartResponse = Callable[..., Any]


class ScimWSGI:
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
    ) -> None:
        self.service = service
        self.prefix = normalise_prefix(prefix)
        self.max_body_bytes = max_body_bytes if max_body_bytes is not None else service.config.max_body_bytes
        self.trust_forwarded = trust_forwarded
        self.directories = directories
        self.default_directory = default_directory
        self.access = AccessLog(log_bodies=log_bodies)
        self._endpoints = ROOT_ENDPOINTS | {t.endpoint.strip("/").lower() for t in service.registry.resource_types}

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
        )
        return [response.body]

    def _request(self, environ: dict[str, Any]) -> ScimRequest:
        headers = _headers(environ)
        path = _path_info(environ)
        below = strip_prefix(path, self.prefix)
        if below is None:
            raise NotFound(f"No SCIM endpoint at '{path}'.")
        prefix, directory = self.prefix, self.default_directory
        if self.directories:
            named, below = split_directory(below, self._endpoints)
            if named is not None:
                directory, prefix = named, f"{prefix}/{named}"
            elif directory is None:
                raise NotFound(f"No SCIM endpoint at '{path}': address a directory as {prefix}/<id>/...")
        body = self._body(environ)
        root = environ.get("SCRIPT_NAME", "").rstrip("/") + prefix
        server = (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 0) or None)
        return ScimRequest(
            method=environ.get("REQUEST_METHOD", "GET"),
            path=below,
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
            body=body,
            base_url=base_url(environ.get("wsgi.url_scheme", "http"), headers, server, root, self.trust_forwarded),
            directory=directory,
        )

    def _body(self, environ: dict[str, Any]) -> bytes:
        """Read at most the bound: ``CONTENT_LENGTH`` bytes, or up to the end of a dechunked stream.

        PEP 3333 forbids reading past ``CONTENT_LENGTH``; servers that dechunk a request without a length
        (gunicorn, werkzeug) say so with ``wsgi.input_terminated``, and then the stream is read to its end.
        """
        length_text = environ.get("CONTENT_LENGTH") or ""
        try:
            length: int | None = int(length_text)
        except ValueError:
            length = None
        stream = environ["wsgi.input"]
        if length is None:
            if not environ.get("wsgi.input_terminated"):
                return b""
            body = bytearray()
            while len(body) <= self.max_body_bytes:
                chunk = stream.read(min(65536, self.max_body_bytes + 1 - len(body)))
                if not chunk:
                    return bytes(body)
                body.extend(chunk)
            raise PayloadTooLarge(f"The request body exceeds {self.max_body_bytes} bytes.")
        if length > self.max_body_bytes:
            raise PayloadTooLarge(f"The request body exceeds {self.max_body_bytes} bytes.")
        return bytes(stream.read(length)) if length > 0 else b""


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
