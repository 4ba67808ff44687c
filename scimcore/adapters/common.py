"""What both adapters share: their options, and turning a request's path and headers into a ScimRequest.

Owns: :class:`AdapterOptions` (the keyword options of :class:`~scimcore.adapters.asgi.ScimASGI` and
:class:`~scimcore.adapters.wsgi.ScimWSGI`, normalised once), the mount prefix (:func:`normalise_prefix`,
:func:`strip_prefix`), tenant routing (:func:`locate`: the prefix, then ``/<directory>/...`` by the service's
:func:`~scimcore.service.routing.split_directory`, and the 404 outside either), the base URL of the SCIM root
(:func:`base_url`, from ``Host`` or, only when a trusted proxy sets them, ``X-Forwarded-*``), the
:class:`~scimcore.transport.ScimRequest` itself (:func:`build_request`), and whether the service's events
wait for a webhook dispatcher (:func:`event_outbox`, :func:`install_undelivered_warning`).
Must not: read bodies, talk to a server or hold a SCIM rule; which first segment names a directory is the
service's routing rule, re-exported here (:data:`ROOT_ENDPOINTS`, :func:`split_directory`), not copied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scimcore.emitter import UndeliveredEvents
from scimcore.errors import HeadersTooLarge, NotFound, PayloadTooLarge, UriTooLong
from scimcore.service import ScimService
from scimcore.service.routing import ROOT_ENDPOINTS, directory_endpoints, split_directory
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.store.ports import DirectoryStore, Outbox
from scimcore.transport import ScimRequest

__all__ = [
    "ROOT_ENDPOINTS",
    "AdapterOptions",
    "OptionAttributes",
    "Target",
    "base_url",
    "build_request",
    "check_head",
    "drains",
    "event_outbox",
    "locate",
    "normalise_prefix",
    "normalise_public_url",
    "split_directory",
    "strip_prefix",
    "install_undelivered_warning",
]


def normalise_prefix(prefix: str) -> str:
    """``"scim/v2/"`` → ``"/scim/v2"``; ``""`` and ``"/"`` → ``""``."""
    prefix = "/" + prefix.strip("/")
    return "" if prefix == "/" else prefix


def strip_prefix(path: str, prefix: str) -> str | None:
    """The path below ``prefix``, or ``None`` when the path is outside it."""
    if not prefix:
        return path or "/"
    if path == prefix:
        return "/"
    if path.startswith(prefix + "/"):
        return path[len(prefix) :]
    return None


def base_url(
    scheme: str, headers: Mapping[str, str], server: tuple[str, int | None] | None, root: str, trust_forwarded: bool
) -> str:
    """The absolute URL of the SCIM service root as the client sees it (for ``Location``, RFC 7644 §3.1)."""
    host = headers.get("host")
    if trust_forwarded:
        scheme = headers.get("x-forwarded-proto", scheme).split(",")[0].strip() or scheme
        host = headers.get("x-forwarded-host", host or "").split(",")[0].strip() or host
        root = headers.get("x-forwarded-prefix", "").rstrip("/") + root
    if not host:
        if server is not None:
            name, port = server
            default = 443 if scheme == "https" else 80
            host = name if port in (None, default) else f"{name}:{port}"
        else:
            host = "localhost"
    return f"{scheme}://{host}{root}"


def normalise_public_url(url: str | None) -> str | None:
    """``url`` without a trailing slash; ``ValueError`` unless it is an absolute http(s) URL."""
    if url is None:
        return None
    if not url.startswith(("http://", "https://")) or not url.split("://", 1)[1].strip("/"):
        raise ValueError(f"the public URL must be an absolute http(s) URL such as https://host/scim/v2, got {url!r}")
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class AdapterOptions:
    """The options both adapters take, normalised: build them with :meth:`of`."""

    prefix: str
    """The path of the SCIM root below the mount point, normalised (``"/scim/v2"``, or ``""`` for the root)."""
    max_body_bytes: int
    """The bound on request bodies, answered 413."""
    trust_forwarded: bool
    """Whether ``X-Forwarded-Proto``, ``-Host`` and ``-Prefix`` shape the base URL."""
    directories: bool
    """Whether ``<prefix>/<directory>/...`` addresses a directory."""
    default_directory: str | None
    """The directory served at ``<prefix>`` itself; ``None`` serves named directories only."""
    log_bodies: bool
    """Whether the access log writes redacted request bodies at DEBUG."""
    endpoints: frozenset[str]
    """First path segments that address the default directory (lower-cased), from the service's registry."""
    public_url: str | None = None
    """The SCIM root as clients reach it (``https://scim.example.com/scim/v2``), behind a proxy that rewrites
    the host or path: when set it is the base of ``Location`` and ``meta.location`` (RFC 7644 §3.1), whatever
    ``Host`` says."""

    @classmethod
    def of(
        cls,
        service: ScimService,
        *,
        prefix: str = "",
        max_body_bytes: int | None = None,
        trust_forwarded: bool = False,
        directories: bool = False,
        default_directory: str | None = DEFAULT_DIRECTORY,
        log_bodies: bool = False,
        public_url: str | None = None,
    ) -> AdapterOptions:
        """The options of an adapter serving ``service``; ``max_body_bytes`` defaults to the service's limit."""
        return cls(
            prefix=normalise_prefix(prefix),
            max_body_bytes=max_body_bytes if max_body_bytes is not None else service.config.max_body_bytes,
            trust_forwarded=trust_forwarded,
            directories=directories,
            default_directory=default_directory,
            log_bodies=log_bodies,
            endpoints=directory_endpoints(service.registry),
            public_url=normalise_public_url(public_url),
        )

    def too_large(self) -> PayloadTooLarge:
        """The error for a body over :attr:`max_body_bytes` (413)."""
        return PayloadTooLarge(f"The request body exceeds {self.max_body_bytes} bytes.")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a request goes: its path below the SCIM root, its directory, and the root's path for URLs."""

    path: str
    directory: str | None
    root: str
    named: str = ""
    """``/<directory>`` when the path named its directory, else ``""``: what follows the SCIM root in URLs."""


MAX_TARGET_BYTES = 32_768
"""The longest request target (path and query string) served; longer is 414 (RFC 9110 §15.5.15).

RFC 9110 §4.1 asks for at least 8,000 octets; the longest filter the service takes (8,192 characters,
:class:`~scimcore.filter.parser.FilterLimits`) fits even percent-encoded as ASCII."""

MAX_HEADER_BYTES = 32_768
"""The most header bytes (names and values) a request may carry; more is 431 (RFC 6585 §5)."""

DRAIN_BYTES = 64 * 1024 * 1024
"""How much of a body over the bound is still read, and thrown away, before the 413 is sent.

A client that sends its whole body before it reads the answer (most do) would otherwise find the
connection reset and never see the 413.  A body announced or sent beyond this is answered at once, and
the connection closed, as the server decides.  A client that sent ``Expect: 100-continue`` has sent no
body yet and is answered at once."""


def check_head(path: str | bytes, query: str | bytes, headers: Mapping[str, str]) -> None:
    """Refuse a request target over :data:`MAX_TARGET_BYTES` (414) or headers over :data:`MAX_HEADER_BYTES` (431)."""
    target = len(path) + len(query) + 1
    if target > MAX_TARGET_BYTES:
        raise UriTooLong(
            f"The request target is {target} bytes long; this service provider reads at most {MAX_TARGET_BYTES}. "
            "Send a long filter in the body of a POST to .search (RFC 7644 §3.4.3)."
        )
    size = sum(len(name) + len(value) for name, value in headers.items())
    if size > MAX_HEADER_BYTES:
        raise HeadersTooLarge(
            f"The request's header fields are {size} bytes long; this service provider reads at most "
            f"{MAX_HEADER_BYTES}."
        )


def drains(headers: Mapping[str, str], announced: int | None) -> bool:
    """Whether a refused body is read to its end before the 413 (see :data:`DRAIN_BYTES`)."""
    if "100-continue" in headers.get("expect", "").lower():
        return False
    return announced is None or announced <= DRAIN_BYTES


def locate(options: AdapterOptions, path: str, mount: str = "") -> Target:
    """Route ``path`` (below the mount point ``mount``) to its SCIM root and directory, or raise 404.

    The prefix is stripped; with ``directories`` on, a first segment that is no endpoint names the directory,
    and a path that names none is a 404 when there is no ``default_directory``.
    """
    below = strip_prefix(path, options.prefix)
    if below is None:
        raise NotFound(f"No SCIM endpoint at '{path}'.")
    prefix, directory, segment = options.prefix, options.default_directory, ""
    if options.directories:
        named, below = split_directory(below, options.endpoints)
        if named is not None:
            directory, segment = named, f"/{named}"
        elif directory is None:
            raise NotFound(f"No SCIM endpoint at '{path}': address a directory as {prefix}/<id>/...")
    return Target(path=below, directory=directory, root=mount + prefix + segment, named=segment)


def build_request(
    options: AdapterOptions,
    target: Target,
    *,
    method: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    scheme: str,
    server: tuple[str, int | None] | None,
) -> ScimRequest:
    """The :class:`ScimRequest` for a located request (``headers`` lower-cased, ``body`` already bounded)."""
    return ScimRequest(
        method=method,
        path=target.path,
        query=query,
        headers=headers,
        body=body,
        base_url=(
            options.public_url + target.named
            if options.public_url
            else base_url(scheme, headers, server, target.root, options.trust_forwarded)
        ),
        directory=target.directory,
    )


class OptionAttributes:
    """An adapter's options under the attribute names the adapters have always exposed (read-only)."""

    options: AdapterOptions

    @property
    def prefix(self) -> str:
        """The normalised prefix (:attr:`AdapterOptions.prefix`)."""
        return self.options.prefix

    @property
    def max_body_bytes(self) -> int:
        """The body bound (:attr:`AdapterOptions.max_body_bytes`)."""
        return self.options.max_body_bytes

    @property
    def trust_forwarded(self) -> bool:
        """Whether forwarded headers are honoured (:attr:`AdapterOptions.trust_forwarded`)."""
        return self.options.trust_forwarded

    @property
    def directories(self) -> bool:
        """Whether directories are addressed by path (:attr:`AdapterOptions.directories`)."""
        return self.options.directories

    @property
    def default_directory(self) -> str | None:
        """The directory served at the prefix itself (:attr:`AdapterOptions.default_directory`)."""
        return self.options.default_directory


def event_outbox(service: ScimService) -> bool:
    """Whether the service writes events to an outbox a webhook dispatcher delivers from.

    That takes a store with both an :class:`~scimcore.store.ports.Outbox` and directories (whose webhooks
    the events go to), and a service that emits events.
    """
    store = service.store
    return service.emit_events and isinstance(store, Outbox) and isinstance(store, DirectoryStore)


def install_undelivered_warning(service: ScimService, hint: str) -> None:
    """Have ``service`` warn once when webhook events wait and no dispatcher runs (``hint``: how to start one)."""
    if event_outbox(service) and not any(isinstance(s, UndeliveredEvents) for s in service.subscribers):
        store = service.store
        assert isinstance(store, DirectoryStore)
        service.subscribers.append(UndeliveredEvents(store, hint))
