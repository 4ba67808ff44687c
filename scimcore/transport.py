"""The transport port: immutable request and response values exchanged with adapters.

An adapter (ASGI, WSGI, a framework view) builds a :class:`ScimRequest` from whatever its server gives it
and writes the :class:`ScimResponse` back.  The core never sees sockets, servers or frameworks, and adapters
never interpret SCIM: they only translate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import parse_qsl

SCIM_MEDIA_TYPE = "application/scim+json"

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ScimRequest:
    """One SCIM HTTP request, relative to the SCIM service root.

    ``path`` is the part below the service root (``/Users/2819c223``), ``query`` the raw query string
    (percent-encoded, without ``?``), ``headers`` a mapping with lower-case names, ``base_url`` the absolute
    URL of the service root (used for ``Location`` and ``meta.location``, RFC 7644 §3.1), and ``subject`` the
    identity an adapter has already authenticated, if any.  ``directory`` scopes the request to one tenant
    directory.
    """

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    body: bytes = b""
    base_url: str = ""
    subject: str | None = None
    directory: str | None = None

    def query_params(self) -> dict[str, str]:
        """The query parameters, first value winning; a bare flag such as ``aadOptscim062020`` maps to ``""``."""
        params: dict[str, str] = {}
        if self.query:
            for key, value in parse_qsl(self.query, keep_blank_values=True):
                params.setdefault(key, value)
        return params


@dataclass(frozen=True, slots=True)
class ScimResponse:
    """One SCIM HTTP response: status, headers as ``(name, value)`` pairs, and the encoded body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None
