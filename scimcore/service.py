"""The SCIM service: a request value in, a response value out (RFC 7644).

Does: routing through one table, authentication through a hook, content negotiation, the protocol rules of
RFC 7644 §3 (create, read, list, replace, patch, delete, ETags and preconditions, projection, paging), and
conversion of every error into a SCIM Error response in exactly one place (:func:`error_response`).

Does not: open sockets or read configuration files (adapters and the CLI do), store anything (the store
port does), or know any web framework.  Clock and id generation are injected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from scimcore import bulk, codec, discovery, profiles
from scimcore.auth import Authenticator
from scimcore.cursors import CursorCodec
from scimcore.emitter import ChangeEvents
from scimcore.errors import (
    BadRequest,
    InternalError,
    InvalidFilter,
    InvalidSyntax,
    InvalidValue,
    MethodNotAllowed,
    Mutability,
    NotFound,
    NotImplementedYet,
    PayloadTooLarge,
    PreconditionFailed,
    ScimError,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)
from scimcore.events import Event, EventFactory, Subscriber
from scimcore.filter.ast import Path
from scimcore.filter.parser import (
    DEFAULT_LIMITS,
    FilterLimits,
    parse_filter,
    resolve_path,
    split_attr_path,
)
from scimcore.filter.sort import sort_key, sort_keyed
from scimcore.limits import RateLimit, RateLimiter
from scimcore.patch import MemberDelta, apply_patch, member_delta
from scimcore.render import Projection, format_members, parse_attribute_list, render_resource
from scimcore.schema.documents import check_indexed_lengths, check_required, normalise_resource
from scimcore.schema.registry import ResourceTypeDef, SchemaRegistry
from scimcore.store.port import DEFAULT_DIRECTORY, Document, MemberRef, Page, Query, Store
from scimcore.transport import SCIM_MEDIA_TYPE, ScimRequest, ScimResponse

logger = logging.getLogger("scimcore")

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
JSON_TYPES = ("application/scim+json", "application/json")
WRITE_RETRIES = 8
MAX_START_INDEX = 2**62

_T = TypeVar("_T")

# The routing table: path pattern -> {method: handler name}.  "{type}" is a resource type's endpoint,
# "{id}" any single segment.  Order matters only between literal and pattern segments: literals first.
ROUTES: tuple[tuple[str, Mapping[str, str]], ...] = (
    ("/ServiceProviderConfig", {"GET": "get_service_provider_config"}),
    ("/ResourceTypes", {"GET": "list_resource_types"}),
    ("/ResourceTypes/{id}", {"GET": "get_resource_type"}),
    ("/Schemas", {"GET": "list_schemas"}),
    ("/Schemas/{id}", {"GET": "get_schema"}),
    ("/Bulk", {"POST": "bulk"}),
    ("/Me", {m: "not_implemented" for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}),
    ("/.search", {"POST": "search_root"}),
    ("/", {"GET": "list_root"}),
    ("/{type}", {"GET": "list_resources", "POST": "create_resource"}),
    ("/{type}/.search", {"POST": "search_resources"}),
    ("/{type}/{id}", {"GET": "get_resource", "PUT": "replace_resource", "PATCH": "patch_resource",
                      "DELETE": "delete_resource"}),
)


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(UTC)


def format_datetime(value: datetime) -> str:
    """An xsd:dateTime in UTC with milliseconds and ``Z`` (RFC 7643 §2.3.5)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def hash_password(password: str) -> str:
    """A salted scrypt hash of a ``password`` attribute; the clear text is never stored (RFC 7643 §4.1.1)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def _next_version(version: str | None) -> str:
    number = 0
    if version and version.startswith('W/"') and version.endswith('"'):
        try:
            number = int(version[3:-1])
        except ValueError:
            number = 0
    return f'W/"{number + 1}"'


def _refuse_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259 §6), though Python's parser takes them."""
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    """A JSON number as a float, refusing one too large for a float (``1e400``) instead of making it infinite."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _refuse_unstorable(doc: Any) -> None:
    """No string of a request body may hold U+0000 or an unpaired surrogate (U+D800 to U+DFFF).

    JSON can escape both, but neither is text a store can keep (PostgreSQL refuses NUL; UTF-8 has no
    surrogates) or a response can carry, and no identity provider sends them.
    """
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise InvalidValue("The request body holds a NUL character (U+0000), which SCIM values cannot hold.")
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise InvalidValue(
                        "The request body holds an unpaired surrogate escape (such as \\ud800), which is not text."
                    ) from None
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _dumps(doc: Any) -> bytes:
    return codec.dumps(doc)


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Tunable limits and behaviours of a :class:`ScimService`."""

    max_body_bytes: int = 4 * 1024 * 1024
    default_page_size: int = 100
    max_page_size: int = 1000
    filter_limits: FilterLimits = DEFAULT_LIMITS
    group_patch_returns_body: bool = True
    # The provider profile (scimcore.profiles) of a directory the store does not know, such as the default one.
    provider: str = "generic"
    reject_unknown_members: bool = False
    cursor_secret: bytes | None = None
    documentation_uri: str | None = None
    bulk_max_operations: int = 1000
    bulk_max_payload_bytes: int = 1024 * 1024
    # Operations one PATCH may carry (400 above it); RFC 7644 has no field to advertise it in.
    patch_max_operations: int = 1000
    # Per-directory rate limit: rate_limit_requests per rate_limit_seconds, answered 429 with Retry-After
    # (RFC 6585 §4) beyond it; 0 turns it off.  See scimcore.limits.
    rate_limit_requests: int = 0
    rate_limit_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class _Route:
    segments: tuple[str, ...]
    handlers: Mapping[str, str]


@dataclass(slots=True)
class _Context:
    request: ScimRequest
    params: dict[str, str]
    directory: str
    rtype: ResourceTypeDef | None = None
    resource_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def error_response(exc: BaseException) -> ScimResponse:
    """The one place where errors become responses (RFC 7644 §3.12); a 500 reveals nothing internal."""
    if not isinstance(exc, ScimError):
        logger.error("unhandled %s while serving a request", type(exc).__name__)
        logger.debug("unhandled error", exc_info=exc)
        exc = InternalError()
    headers = [("Content-Type", SCIM_MEDIA_TYPE), *exc.headers.items()]
    return ScimResponse(exc.status, tuple(headers), _dumps(exc.body()))


class ScimService:
    """A SCIM 2.0 service provider over a :class:`~scimcore.store.port.Store`.

    ``handle`` is the synchronous entry point; ``handle_async`` serves asyncio servers and runs blocking
    stores in a worker thread so the event loop never waits on I/O.
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
    ) -> None:
        self.store = store
        self.emit_events = emit_events
        self.subscribers = list(subscribers)
        self.registry = registry or SchemaRegistry.default()
        self.authenticator = authenticator
        self.config = config or ServiceConfig()
        self.clock = clock
        self.new_id = new_id
        self.password_hasher = password_hasher
        self.capabilities = discovery.Capabilities(
            max_results=self.config.max_page_size,
            default_page_size=self.config.default_page_size,
            documentation_uri=self.config.documentation_uri,
            cursor_paging=True,
            bulk_max_operations=self.config.bulk_max_operations,
            bulk_max_payload_bytes=min(self.config.bulk_max_payload_bytes, self.config.max_body_bytes),
        )
        self._cursors = CursorCodec(self.config.cursor_secret or secrets.token_bytes(32))
        rate = self.config.rate_limit_requests
        self._limiter = RateLimiter(RateLimit(rate, self.config.rate_limit_seconds), monotonic) if rate > 0 else None
        self._routes: dict[int, list[_Route]] = {}
        for pattern, handlers in ROUTES:
            segments = tuple(pattern.strip("/").split("/")) if pattern != "/" else ()
            self._routes.setdefault(len(segments), []).append(_Route(segments, handlers))

    # -- entry points -------------------------------------------------------------------------------
    def handle(self, request: ScimRequest) -> ScimResponse:
        """Serve one request; never raises."""
        try:
            return self._dispatch(request)
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

    # -- routing ------------------------------------------------------------------------------------
    def _handle_operation(self, request: ScimRequest) -> ScimResponse:
        """Serve one operation of a Bulk request: the Bulk request itself already passed the rate limit."""
        try:
            return self._dispatch(request, limited=False)
        except Exception as exc:  # noqa: BLE001 - converted to a SCIM error in one place
            return error_response(exc)

    def _dispatch(self, request: ScimRequest, *, limited: bool = True) -> ScimResponse:
        if len(request.body) > self.config.max_body_bytes:
            raise PayloadTooLarge(f"The request body exceeds {self.config.max_body_bytes} bytes.")
        if "\x00" in request.path or "\x00" in (request.directory or ""):
            raise NotFound("No SCIM endpoint has a NUL character (U+0000) in its path.")  # nor can a stored id
        subject = request.subject
        if self.authenticator is not None:
            subject = self.authenticator(request)
            if subject is None:
                raise Unauthorized()
        if limited and self._limiter is not None:
            self._admit(request.directory or DEFAULT_DIRECTORY)
        path = request.path.split("?", 1)[0]
        segments = tuple(s for s in path.strip("/").split("/") if s) if path.strip("/") else ()
        ctx = _Context(request, request.query_params(), request.directory or DEFAULT_DIRECTORY)
        allowed: list[str] | None = None
        for route in self._routes.get(len(segments), ()):
            if not self._match(route, segments, ctx):
                continue
            handler_name = route.handlers.get(request.method.upper())
            if handler_name is None:
                allowed = sorted(route.handlers)
                break
            handler: Callable[[_Context], ScimResponse] = getattr(self, "_" + handler_name)
            return handler(ctx)
        if allowed is not None:
            raise MethodNotAllowed(f"{request.method.upper()} is not allowed on {path}.", allowed)
        raise NotFound(f"No SCIM endpoint at '{path}'.")

    def _match(self, route: _Route, segments: tuple[str, ...], ctx: _Context) -> bool:
        if len(route.segments) != len(segments):
            return False
        rtype: ResourceTypeDef | None = None
        resource_id: str | None = None
        for pattern, segment in zip(route.segments, segments, strict=True):
            if pattern == "{type}":
                rtype = self.registry.by_endpoint("/" + segment)
                if rtype is None:
                    return False
            elif pattern == "{id}":
                resource_id = segment
            elif pattern.lower() != segment.lower():
                return False
        ctx.rtype, ctx.resource_id = rtype, resource_id
        return True

    # -- helpers ------------------------------------------------------------------------------------
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

    def _admit_patch(self, body: Any) -> None:
        """At most :attr:`ServiceConfig.patch_max_operations` operations in one PATCH, checked before any runs."""
        operations = body.get("Operations", body.get("operations")) if isinstance(body, Mapping) else None
        limit = self.config.patch_max_operations
        if isinstance(operations, list) and len(operations) > limit:
            raise BadRequest(
                f"The PATCH request has {len(operations)} operations; this service provider takes at most "
                f"{limit} in one request. Send the rest in further PATCH requests."
            )

    def _respond(
        self, status: int, doc: Any, headers: list[tuple[str, str]] | None = None
    ) -> ScimResponse:
        all_headers = [("Content-Type", SCIM_MEDIA_TYPE), *(headers or [])]
        return ScimResponse(status, tuple(all_headers), _dumps(doc) if doc is not None else b"")

    def _json_body(self, ctx: _Context) -> Any:
        request = ctx.request
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";", 1)[0].strip().lower()
        if media and media not in JSON_TYPES:
            raise UnsupportedMediaType(
                f"Content-Type '{media}' is not supported; send application/scim+json or application/json."
            )
        if not request.body.strip():
            raise InvalidSyntax("The request body is empty.")
        try:
            doc = json.loads(request.body, parse_constant=_refuse_constant, parse_float=_finite_float)
        except RecursionError:
            raise InvalidSyntax("The request body is not valid JSON: it is nested too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            why = f": {exc}" if type(exc) is ValueError else ""  # NaN, Infinity, 1e400, a 5,000-digit integer
            raise InvalidSyntax(f"The request body is not valid JSON{where}{why}.") from None
        _refuse_unstorable(doc)
        return doc

    def _rtype(self, ctx: _Context) -> ResourceTypeDef:
        assert ctx.rtype is not None
        return ctx.rtype

    def _projection(self, ctx: _Context, source: Mapping[str, Any] | None = None) -> Projection:
        attributes, excluded = self._projection_params(source if source is not None else ctx.params)
        return Projection.from_params(self._rtype(ctx), attributes, excluded)

    @staticmethod
    def _projection_params(params: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """``attributes`` and ``excludedAttributes`` as comma-separated strings (query or ``.search`` body)."""
        attributes = params.get("attributes")
        excluded = params.get("excludedAttributes")
        if isinstance(attributes, list):
            attributes = ",".join(str(a) for a in attributes)
        if isinstance(excluded, list):
            excluded = ",".join(str(a) for a in excluded)
        if attributes is not None and not isinstance(attributes, str):
            raise InvalidValue("'attributes' must be a comma-separated string or a list of strings.")
        if excluded is not None and not isinstance(excluded, str):
            raise InvalidValue("'excludedAttributes' must be a comma-separated string or a list of strings.")
        return attributes, excluded

    def _omit(self, rtype: ResourceTypeDef, projection: Projection) -> frozenset[str]:
        return frozenset(n for n in ("members",) if rtype.attr(n) is not None and projection.omits(n))

    @staticmethod
    def _wants_groups(rtype: ResourceTypeDef, projection: Projection) -> bool:
        """Whether the response carries the computed, read-only ``groups`` of the resource (RFC 7643 §4.1.2)."""
        groups_attr = rtype.attr("groups")
        return (
            groups_attr is not None
            and groups_attr.mutability == "readOnly"
            and bool(projection.wants(None, groups_attr))
        )

    def _computed(self, rtype: ResourceTypeDef, doc: Document, projection: Projection, ctx: _Context) -> dict[str, Any]:
        computed: dict[str, Any] = {}
        if self._wants_groups(rtype, projection):
            group_type = self.registry.find_resource_type("Group")
            endpoint = group_type.endpoint if group_type else "/Groups"
            prefetched = ctx.extra.get("groups")
            if prefetched is not None and doc["id"] in prefetched:
                refs = prefetched[doc["id"]]
            else:
                refs = self.store.groups_of(doc["id"], directory=ctx.directory)
            if refs:
                computed["groups"] = [
                    {
                        "value": ref.group_id,
                        "$ref": f"{ctx.request.base_url}{endpoint}/{ref.group_id}",
                        **({"display": ref.display} if ref.display else {}),
                        "type": "direct",
                    }
                    for ref in refs
                ]
        return computed

    def _render(self, rtype: ResourceTypeDef, doc: Document, projection: Projection, ctx: _Context) -> dict[str, Any]:
        members = doc.get("members")
        if isinstance(members, list):
            endpoints = {t.name: t.endpoint for t in self.registry.resource_types}
            format_members(members, ctx.request.base_url, endpoints)
        computed = self._computed(rtype, doc, projection, ctx)
        return render_resource(rtype, doc, ctx.request.base_url, projection, computed)

    def _resource_response(
        self, status: int, rtype: ResourceTypeDef, doc: Document, ctx: _Context, *, location: bool = False
    ) -> ScimResponse:
        body = self._render(rtype, doc, self._projection(ctx), ctx)
        headers = [("ETag", doc["meta"]["version"])]
        if location:
            headers.append(("Location", f"{ctx.request.base_url}{rtype.endpoint}/{doc['id']}"))
        return self._respond(status, body, headers)

    def _load(self, rtype: ResourceTypeDef, ctx: _Context, omit: frozenset[str] = frozenset()) -> Document:
        assert ctx.resource_id is not None
        doc = self.store.get(rtype, ctx.resource_id, directory=ctx.directory, omit=omit)
        if doc is None:
            raise NotFound(f"{rtype.name} '{ctx.resource_id}' not found.")
        return doc

    def _check_if_match(self, ctx: _Context, doc: Document) -> str | None:
        """The client's expected version from ``If-Match`` (RFC 7644 §3.14), checked against ``doc``."""
        header = ctx.request.headers.get("if-match")
        if header is None or header.strip() == "*":
            return None
        wanted = [v.strip() for v in header.split(",")]
        current: str = doc["meta"]["version"]
        if not any(_same_etag(w, current) for w in wanted):
            raise PreconditionFailed(f"The resource is at version {current}; If-Match asked for {header.strip()}.")
        return current

    def _moved_on(self, meta: Mapping[str, Any]) -> dict[str, Any]:
        """``meta`` of a resource that just changed: a new version and ``lastModified`` (RFC 7644 §3.14)."""
        return {**meta, "lastModified": format_datetime(self.clock()), "version": _next_version(meta.get("version"))}

    def _new_meta(self, rtype: ResourceTypeDef, previous: Mapping[str, Any] | None) -> dict[str, Any]:
        now = format_datetime(self.clock())
        return {
            "resourceType": rtype.name,
            "created": previous["created"] if previous else now,
            "lastModified": now,
            "version": _next_version(previous["version"] if previous else None),
        }

    def _check_members(self, rtype: ResourceTypeDef, doc: Document, before: Document | None, ctx: _Context) -> None:
        """Stored members always name existing resources; their ``type`` is filled in from what they are.

        A member id that names nothing is dropped (RFC 7644 §3.5.2 leaves referential checks to the service
        provider, and clients add members before the member exists), or refused with ``invalidValue`` when
        :attr:`ServiceConfig.reject_unknown_members` is set.
        """
        members = doc.get("members")
        if rtype.attr("members") is None or not isinstance(members, list):
            return
        known = {m["value"]: m.get("type") for m in (before or {}).get("members") or [] if "value" in m}
        new_ids = [m["value"] for m in members if "value" in m and m["value"] not in known]
        types = self.store.resource_types_of(new_ids, directory=ctx.directory) if new_ids else {}
        seen: set[str] = set()
        kept = []
        for member in members:
            value = member.get("value")
            if not value:
                raise InvalidValue("Every member of 'members' needs a 'value'.")
            if value in seen:
                continue
            seen.add(value)
            kind = known.get(value) or types.get(value)
            if kind is None:
                if self.config.reject_unknown_members:
                    raise InvalidValue(f"Member '{value}' of 'members' does not exist.")
                logger.info("ignored a member that names no resource in a %s", rtype.name)
                continue
            member.pop("$ref", None)
            member["type"] = kind
            kept.append(member)
        doc["members"] = kept

    def _prepare_password(self, doc: Document, before: Document | None) -> None:
        password = doc.get("password")
        if password is None:
            return
        if before is not None and before.get("password") == password:
            return
        doc["password"] = self.password_hasher(password)

    # -- discovery ----------------------------------------------------------------------------------
    def _get_service_provider_config(self, ctx: _Context) -> ScimResponse:
        return self._respond(200, discovery.service_provider_config(self.capabilities, ctx.request.base_url))

    def _list_resource_types(self, ctx: _Context) -> ScimResponse:
        docs = [discovery.resource_type_document(t, ctx.request.base_url) for t in self.registry.resource_types]
        return self._respond(200, discovery.list_response(docs))

    def _get_resource_type(self, ctx: _Context) -> ScimResponse:
        assert ctx.resource_id is not None
        rtype = self.registry.find_resource_type(ctx.resource_id)
        if rtype is None:
            raise NotFound(f"ResourceType '{ctx.resource_id}' not found.")
        return self._respond(200, discovery.resource_type_document(rtype, ctx.request.base_url))

    def _list_schemas(self, ctx: _Context) -> ScimResponse:
        return self._respond(200, discovery.list_response(discovery.all_schemas(self.registry, ctx.request.base_url)))

    def _get_schema(self, ctx: _Context) -> ScimResponse:
        assert ctx.resource_id is not None
        schema = self.registry.find_schema(ctx.resource_id)
        if schema is None:
            raise NotFound(f"Schema '{ctx.resource_id}' not found.")
        return self._respond(200, discovery.schema_document(schema, ctx.request.base_url))

    def _bulk(self, ctx: _Context) -> ScimResponse:
        """POST /Bulk (RFC 7644 §3.7): :mod:`scimcore.bulk` runs each operation back through :meth:`handle`."""
        limits = bulk.BulkLimits(self.config.bulk_max_operations, self.config.bulk_max_payload_bytes)
        limits.admit(ctx.request)
        endpoints = [rtype.endpoint for rtype in self.registry.resource_types]
        answer = bulk.run(self._handle_operation, ctx.request, self._json_body(ctx), limits, endpoints)
        return self._respond(200, answer)

    def _not_implemented(self, ctx: _Context) -> ScimResponse:
        raise NotImplementedYet(f"{ctx.request.path} is not supported by this service provider.")

    # -- queries ------------------------------------------------------------------------------------
    def _paging(self, params: Mapping[str, Any]) -> tuple[int, int]:
        def number(name: str, default: int) -> int:
            raw = params.get(name)
            if raw is None or raw == "":
                return default
            if isinstance(raw, bool):
                raise InvalidValue(f"'{name}' must be an integer.")
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise InvalidValue(f"'{name}' must be an integer, got {raw!r}.") from None

        # A startIndex past any store's reach reads as the furthest one a SQL OFFSET (a 64-bit integer) can hold.
        start = min(max(number("startIndex", 1), 1), MAX_START_INDEX)
        count = min(max(number("count", self.config.default_page_size), 0), self.config.max_page_size)
        return start, count

    @staticmethod
    def _sort_path(rtype: ResourceTypeDef, sort_by: Any) -> Path | None:
        """The attribute ``sortBy`` names in ``rtype`` (RFC 7644 §3.4.2.3), or ``None`` without ``sortBy``."""
        if not sort_by:
            return None
        if not isinstance(sort_by, str):
            raise InvalidValue("'sortBy' must be an attribute path.")
        try:
            urn, name, sub = split_attr_path(sort_by)
            return resolve_path(rtype, urn, name, sub, for_filter=True)
        except InvalidFilter as exc:
            raise InvalidValue(f"'sortBy' names {exc.detail}.") from None

    @staticmethod
    def _descending(params: Mapping[str, Any]) -> bool:
        order = params.get("sortOrder") or "ascending"
        if not isinstance(order, str) or order.lower() not in ("ascending", "descending"):
            raise InvalidValue(f"'sortOrder' must be 'ascending' or 'descending', got {order!r}.")
        return order.lower() == "descending"

    def _query(self, rtype: ResourceTypeDef, params: Mapping[str, Any], projection: Projection) -> Query:
        filter_text = params.get("filter")
        if filter_text is not None and not isinstance(filter_text, str):
            raise InvalidFilter("'filter' must be a string.")
        expr = parse_filter(filter_text, rtype, self.config.filter_limits) if filter_text else None
        sort_path = self._sort_path(rtype, params.get("sortBy"))
        descending = self._descending(params)
        start, count = self._paging(params)
        after = None
        cursor = params.get("cursor")
        if cursor is not None:
            if params.get("startIndex") not in (None, ""):
                raise InvalidValue("Use either 'cursor' or 'startIndex' for paging, not both (RFC 9865 §2).")
            after = self._cursors.open(str(cursor), self._query_fingerprint(rtype, params))
        with_groups = self._wants_groups(rtype, projection)
        return Query(expr, sort_path, descending, start, count, self._omit(rtype, projection), after, with_groups)

    @staticmethod
    def _query_fingerprint(rtype: ResourceTypeDef, params: Mapping[str, Any]) -> str:
        """What a cursor is bound to: the resource type, filter and sort it was issued for."""
        parts = [rtype.name, str(params.get("filter") or ""), str(params.get("sortBy") or ""),
                 str(params.get("sortOrder") or "").lower()]
        return "\x1f".join(parts)

    def _list_page(self, ctx: _Context, params: Mapping[str, Any]) -> ScimResponse:
        rtype = self._rtype(ctx)
        projection = self._projection(ctx, params)
        query = self._query(rtype, params, projection)
        page: Page = self.store.search(rtype, query, directory=ctx.directory)
        if page.groups is not None:
            ctx.extra["groups"] = page.groups
        elif len(page.resources) > 1 and query.with_groups:
            # One look-up for the whole page instead of one per resource.
            ids = [d["id"] for d in page.resources]
            ctx.extra["groups"] = self.store.groups_of_many(ids, directory=ctx.directory)
        resources = [self._render(rtype, doc, projection, ctx) for doc in page.resources]
        doc = self._list_doc(page.total, query.start_index, resources)
        if query.after is not None:
            # RFC 9865 §2.2: cursor pages carry nextCursor / previousCursor instead of startIndex.
            del doc["startIndex"]
            scope = self._query_fingerprint(rtype, params)
            if page.next_after is not None:
                doc["nextCursor"] = self._cursors.issue(page.next_after, scope)
            if page.before is not None:
                doc["previousCursor"] = self._cursors.issue(page.before, scope)
        return self._respond(200, doc)

    @staticmethod
    def _list_doc(total: int, start: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "schemas": [LIST_RESPONSE],
            "totalResults": total,
            "itemsPerPage": len(resources),
            "startIndex": start,
            "Resources": resources,
        }

    def _list_resources(self, ctx: _Context) -> ScimResponse:
        return self._list_page(ctx, ctx.params)

    def _search_body(self, ctx: _Context) -> dict[str, Any]:
        body = self._json_body(ctx)
        if not isinstance(body, dict):
            raise InvalidSyntax("The search request must be a JSON object.")
        schemas = body.get("schemas")
        if schemas is not None and (not isinstance(schemas, list) or SEARCH_REQUEST not in schemas):
            raise InvalidSyntax(f"A search request must list '{SEARCH_REQUEST}' in 'schemas'.")
        return body

    def _search_resources(self, ctx: _Context) -> ScimResponse:
        """POST /{type}/.search (RFC 7644 §3.4.3)."""
        return self._list_page(ctx, self._search_body(ctx))

    def _list_root(self, ctx: _Context) -> ScimResponse:
        """GET /?filter=... across every resource type (RFC 7644 §3.4.2)."""
        return self._search_all(ctx, ctx.params)

    def _search_root(self, ctx: _Context) -> ScimResponse:
        """POST /.search across every resource type (RFC 7644 §3.4.3)."""
        return self._search_all(ctx, self._search_body(ctx))

    def _search_all(self, ctx: _Context, params: Mapping[str, Any]) -> ScimResponse:
        """Query every resource type at once and page the merged result (RFC 7644 §3.4.2.1).

        A name in ``attributes``, ``excludedAttributes`` or ``sortBy`` that one resource type lacks (a Group
        has no ``userName``) is ignored for that type, and a filter naming one matches none of that type; a
        name that no resource type knows is refused as on a type's own endpoint.  Sorting orders the merged
        result, not each type's share of it.
        """
        start, count = self._paging(params)
        rtypes = self.registry.resource_types
        descending = self._descending(params)
        attributes, excluded = self._projection_params(params)
        included = self._known_per_type(rtypes, attributes, "attributes") if attributes else None
        dropped = self._known_per_type(rtypes, excluded, "excludedAttributes") if excluded and not attributes else {}
        sort_paths = self._sort_paths(rtypes, params.get("sortBy"))
        collected: list[tuple[tuple[int, Any], dict[str, Any]]] = []
        total = 0
        errors: list[ScimError] = []
        for rtype in rtypes:
            ctx.rtype = rtype
            if included is not None:
                projection = Projection(include=tuple(included[rtype.name]))
            else:
                projection = Projection(exclude=tuple(dropped.get(rtype.name, ())))
            try:
                query = self._query(rtype, {"filter": params.get("filter")}, projection)
            except InvalidFilter as exc:
                errors.append(exc)
                continue
            page = self.store.search(rtype, query, directory=ctx.directory)
            total += page.total
            sort_path = sort_paths.get(rtype.name)
            collected.extend(
                (sort_key(doc, sort_path), self._render(rtype, doc, projection, ctx)) for doc in page.resources
            )
        if errors and len(errors) == len(rtypes):
            raise errors[0]
        resources = sort_keyed(collected, descending) if sort_paths else [doc for _, doc in collected]
        window = resources[start - 1 : start - 1 + count]
        return self._respond(200, self._list_doc(total, start, window))

    @staticmethod
    def _known_per_type(
        rtypes: list[ResourceTypeDef], text: str, param: str
    ) -> dict[str, list[tuple[str | None, str, str | None]]]:
        """Per resource type, the selectors of ``text`` it knows; a name no type knows is refused."""
        known: dict[str, list[tuple[str | None, str, str | None]]] = {t.name: [] for t in rtypes}
        for item in (raw.strip() for raw in text.split(",")):
            if not item:
                continue
            first_error: InvalidValue | None = None
            found = False
            for rtype in rtypes:
                try:
                    known[rtype.name].extend(parse_attribute_list(rtype, item, param))
                    found = True
                except InvalidValue as exc:
                    first_error = first_error or exc
            if not found and first_error is not None:
                raise first_error
        return known

    def _sort_paths(self, rtypes: list[ResourceTypeDef], sort_by: Any) -> dict[str, Path | None]:
        """Per resource type, where ``sortBy`` points (``None`` where the type lacks it); empty without it."""
        if not sort_by:
            return {}
        paths: dict[str, Path | None] = {}
        first_error: InvalidValue | None = None
        for rtype in rtypes:
            try:
                paths[rtype.name] = self._sort_path(rtype, sort_by)
            except InvalidValue as exc:
                first_error = first_error or exc
                paths[rtype.name] = None
        if first_error is not None and not any(paths.values()):
            raise first_error
        return paths

    # -- resources ----------------------------------------------------------------------------------
    def _get_resource(self, ctx: _Context) -> ScimResponse:
        rtype = self._rtype(ctx)
        projection = self._projection(ctx)
        doc = self._load(rtype, ctx, self._omit(rtype, projection))
        if_none_match = ctx.request.headers.get("if-none-match")
        if if_none_match and any(
            v.strip() == "*" or _same_etag(v.strip(), doc["meta"]["version"]) for v in if_none_match.split(",")
        ):
            return ScimResponse(304, (("ETag", doc["meta"]["version"]),))
        body = self._render(rtype, doc, projection, ctx)
        return self._respond(200, body, [("ETag", doc["meta"]["version"])])

    def _create_resource(self, ctx: _Context) -> ScimResponse:
        rtype = self._rtype(ctx)
        doc = normalise_resource(rtype, self._json_body(ctx))
        check_required(rtype, doc)
        check_indexed_lengths(rtype, doc)
        self._check_members(rtype, doc, None, ctx)
        self._prepare_password(doc, None)
        doc["id"] = self.new_id()
        doc["meta"] = self._new_meta(rtype, None)
        changes = self._changes(ctx)
        made = changes.created(rtype, doc) if changes else []
        self.store.create(rtype, doc, directory=ctx.directory, events=made)
        self._notify(made)
        return self._resource_response(201, rtype, doc, ctx, location=True)

    def _replace_resource(self, ctx: _Context) -> ScimResponse:
        rtype = self._rtype(ctx)
        body = self._json_body(ctx)

        def replaced(current: Document) -> Document:
            doc = normalise_resource(rtype, body)
            self._keep_protected(rtype, current, doc)
            return doc

        return self._rewrite(rtype, ctx, replaced)

    def _rewrite(self, rtype: ResourceTypeDef, ctx: _Context, change: Callable[[Document], Document]) -> ScimResponse:
        """Read, change and write back under optimistic concurrency (RFC 7644 §3.14).

        Without ``If-Match`` a write that lost a race is retried on the new version; with it, the client's
        version is the only acceptable one and a lost race answers 412.
        """
        for _ in range(WRITE_RETRIES):
            current = self._load(rtype, ctx)
            pinned = self._check_if_match(ctx, current)
            doc = change(current)
            check_required(rtype, doc)
            check_indexed_lengths(rtype, doc)
            self._check_members(rtype, doc, current, ctx)
            self._prepare_password(doc, current)
            try:
                return self._write(rtype, current, doc, ctx)
            except PreconditionFailed:
                if pinned is not None:
                    raise
        raise PreconditionFailed("The resource kept changing; try again.")

    def _keep_protected(self, rtype: ResourceTypeDef, current: Document, doc: Document) -> None:
        """PUT (RFC 7644 §3.5.1): immutable values must match; writeOnly values not resent are kept."""
        containers = [(None, rtype.schema), *((s.id, s) for s, _ in rtype.extensions.values())]
        for urn, schema in containers:
            old = current if urn is None else current.get(urn) or {}
            new = doc if urn is None else doc.get(urn) or {}
            for attr in schema.attributes.values():
                before = old.get(attr.name)
                if before is None:
                    continue
                if attr.mutability == "immutable":
                    after = new.get(attr.name)
                    if after is not None and after != before:
                        raise Mutability(f"Attribute '{attr.name}' is immutable and cannot be changed.")
                    new[attr.name] = before
                elif attr.mutability == "writeOnly" and attr.name not in new:
                    new[attr.name] = before
            if urn is not None and new:
                doc[urn] = new

    def _write(self, rtype: ResourceTypeDef, current: Document, doc: Document, ctx: _Context) -> ScimResponse:
        """Store ``doc`` over ``current`` unless nothing changed (then the version stays)."""
        doc["id"] = current["id"]
        unchanged = {k: v for k, v in doc.items() if k != "meta"} == {
            k: v for k, v in current.items() if k != "meta"
        }
        if unchanged:
            doc["meta"] = current["meta"]
        else:
            doc["meta"] = self._new_meta(rtype, current["meta"])
            changes = self._changes(ctx)
            made = changes.replaced(rtype, current, doc) if changes else []
            self.store.replace(rtype, doc, current["meta"]["version"], directory=ctx.directory, events=made)
            self._notify(made)
        if ctx.request.method.upper() == "PATCH":
            return self._patch_response(rtype, doc, ctx)
        return self._resource_response(200, rtype, doc, ctx)

    def _patch_wants_body(self, rtype: ResourceTypeDef, ctx: _Context) -> bool:
        """Whether a PATCH answers 200 with the resource (RFC 7644 §3.5.2) rather than 204.

        Groups answer 204 where the addressed directory's provider profile (:mod:`scimcore.profiles`; Entra,
        as Microsoft recommends) or ``group_patch_returns_body=False`` prefers it; ``attributes`` still gets a
        body.
        """
        if rtype.attr("members") is None or ctx.params.get("attributes"):
            return True
        return self.config.group_patch_returns_body and profiles.for_record(
            self._directory_record(ctx), self.config.provider
        ).group_patch_returns_body

    def _directory_record(self, ctx: _Context) -> Any:
        """The addressed directory's record, read at most once per request; ``None`` when there is none."""
        if "directory_record" not in ctx.extra:
            lookup = getattr(self.store, "get_directory", None)
            ctx.extra["directory_record"] = lookup(ctx.directory) if callable(lookup) else None
        return ctx.extra["directory_record"]

    def _patch_response(self, rtype: ResourceTypeDef, doc: Document, ctx: _Context) -> ScimResponse:
        """200 with the resource, or 204 with only its ETag (see :meth:`_patch_wants_body`)."""
        if not self._patch_wants_body(rtype, ctx):
            return ScimResponse(204, (("ETag", doc["meta"]["version"]),))
        return self._resource_response(200, rtype, doc, ctx)

    def _patch_resource(self, ctx: _Context) -> ScimResponse:
        rtype = self._rtype(ctx)
        body = self._json_body(ctx)
        self._admit_patch(body)
        delta = member_delta(rtype, body)
        if delta is not None:
            return self._patch_members(rtype, delta, ctx)
        return self._rewrite(rtype, ctx, lambda current: apply_patch(rtype, current, body))

    def _patch_members(self, rtype: ResourceTypeDef, delta: MemberDelta, ctx: _Context) -> ScimResponse:
        """Member additions and removals in O(members changed): the rest of the group is never read."""
        assert ctx.resource_id is not None
        expected = None
        if ctx.request.headers.get("if-match") is not None:
            expected = self._check_if_match(ctx, self._load(rtype, ctx, frozenset({"members"})))
        adds: Document = {"members": [dict(item) for item in delta.add]}
        self._check_members(rtype, adds, None, ctx)
        changes = self._changes(ctx)
        made: list[Event] = []
        on_change = None
        if changes is not None:
            changes.member_info([m["value"] for m in adds["members"]] + list(delta.remove))  # looked up outside

            def on_change(added: list[str], removed: list[str], group: Document) -> list[Event]:
                made.extend(changes.members_changed(group, added, removed))
                return made

        self.store.change_members(
            rtype,
            ctx.resource_id,
            adds["members"],
            delta.remove,
            self._moved_on,
            expected,
            directory=ctx.directory,
            events=on_change,
        )
        self._notify(made)
        if not self._patch_wants_body(rtype, ctx):
            version = self._load(rtype, ctx, frozenset({"members"}))["meta"]["version"]
            return ScimResponse(204, (("ETag", version),))
        doc = self._load(rtype, ctx, self._omit(rtype, self._projection(ctx)))
        return self._resource_response(200, rtype, doc, ctx)

    def _delete_resource(self, ctx: _Context) -> ScimResponse:
        rtype = self._rtype(ctx)
        expected = None
        if ctx.request.headers.get("if-match") is not None:
            expected = self._check_if_match(ctx, self._load(rtype, ctx, frozenset({"members"})))
        assert ctx.resource_id is not None
        changes = self._changes(ctx)
        made: list[Event] = []
        on_delete = None
        if changes is not None:

            def on_delete(doc: Document, left: list[MemberRef]) -> list[Event]:
                made.extend(changes.deleted(rtype, doc, left))
                return made

        self.store.delete(
            rtype, ctx.resource_id, expected, directory=ctx.directory, next_meta=self._moved_on, events=on_delete
        )
        self._notify(made)
        return ScimResponse(204)

    # -- events -------------------------------------------------------------------------------------
    def _changes(self, ctx: _Context) -> ChangeEvents | None:
        """The event builder for this request, or ``None`` when events are off."""
        if not self.emit_events:
            return None
        tenant = product = None
        directory = self._directory_record(ctx)
        if directory is not None:
            tenant, product = directory.tenant, directory.product
        factory = EventFactory(ctx.directory, format_datetime(self.clock()), tenant, product, self.new_id)
        cache: dict[str, dict[str, Any]] = {}

        def render(rtype: ResourceTypeDef, doc: Document) -> dict[str, Any]:
            return render_resource(rtype, doc, ctx.request.base_url, Projection())

        def member_info(ids: list[str]) -> dict[str, dict[str, Any]]:
            missing = [i for i in ids if i not in cache]
            if missing:
                for rid, type_name in self.store.resource_types_of(missing, directory=ctx.directory).items():
                    member_type = self.registry.find_resource_type(type_name)
                    info: dict[str, Any] = {"id": rid, "type": type_name}
                    found = member_type and self.store.get(
                        member_type, rid, directory=ctx.directory, omit=frozenset({"members"})
                    )
                    for key in ("userName", "displayName", "externalId"):
                        if found and found.get(key):
                            info[key] = found[key]
                    cache[rid] = info
            return {i: cache.get(i, {"id": i}) for i in ids}

        return ChangeEvents(factory, render, member_info)

    def _notify(self, made: Sequence[Event]) -> None:
        """Call in-process subscribers after commit; a failing subscriber is logged, never raised."""
        for event in made:
            for subscriber in self.subscribers:
                try:
                    subscriber(event)
                except Exception as exc:  # noqa: BLE001 - a subscriber never fails the SCIM request
                    logger.error("event subscriber failed on %s: %s", event.type, type(exc).__name__)


def _same_etag(given: str, current: str) -> bool:
    """Weak comparison of entity tags (RFC 9110 §8.8.3.2): ``W/"3"`` matches ``"3"``."""

    def strip(tag: str) -> str:
        return tag[2:] if tag.startswith("W/") else tag

    return strip(given.strip()) == strip(current)
