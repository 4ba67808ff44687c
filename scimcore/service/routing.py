"""The routing table: which handler serves which method on which path (RFC 7644 §3.2).

Owns: :data:`ROUTES` (frozen routes whose handlers are function references), matching a path to a route
(literal segments case-insensitively, ``{type}`` against the registry's endpoints, ``{id}`` any segment),
405 with ``Allow`` and 404 for what matches nothing, and the ``/{directory}/...`` prefix: the first segment
of a path that is no endpoint of the SCIM root names a directory (:func:`split_directory`).
Must not: hold protocol rules; a handler gets the :class:`RequestContext` and does the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from scimcore.errors import MethodNotAllowed, NotFound
from scimcore.schema.registry import ResourceTypeDef, SchemaRegistry
from scimcore.service import batch, discovery, queries, resources
from scimcore.service.context import RequestContext, Runtime
from scimcore.transport import ScimResponse

Handler = Callable[[Runtime, RequestContext], ScimResponse]
_WRITE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True, slots=True)
class Route:
    """A path pattern (``/{type}/{id}``) and its handler per method."""

    pattern: str
    handlers: Mapping[str, Handler]
    segments: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "handlers", MappingProxyType(dict(self.handlers)))
        segments = tuple(self.pattern.strip("/").split("/")) if self.pattern != "/" else ()
        object.__setattr__(self, "segments", segments)


# Literal segments before patterns: "/{type}" must not swallow "/Schemas".
ROUTES: tuple[Route, ...] = (
    Route("/ServiceProviderConfig", {"GET": discovery.get_service_provider_config}),
    Route("/ResourceTypes", {"GET": discovery.list_resource_types}),
    Route("/ResourceTypes/{id}", {"GET": discovery.get_resource_type}),
    Route("/Schemas", {"GET": discovery.list_schemas}),
    Route("/Schemas/{id}", {"GET": discovery.get_schema}),
    Route("/Bulk", {"POST": batch.bulk}),
    Route("/Me", dict.fromkeys(_WRITE_METHODS, batch.not_implemented)),
    Route("/.search", {"POST": queries.search_root}),
    Route("/", {"GET": queries.list_root}),
    Route("/{type}", {"GET": queries.list_resources, "POST": resources.create_resource}),
    Route("/{type}/.search", {"POST": queries.search_resources}),
    Route(
        "/{type}/{id}",
        {
            "GET": resources.get_resource,
            "PUT": resources.replace_resource,
            "PATCH": resources.patch_resource,
            "DELETE": resources.delete_resource,
        },
    ),
)

# Endpoints directly under the SCIM root (lower-cased); any other first segment names a directory.
ROOT_ENDPOINTS = frozenset(r.segments[0].lower() for r in ROUTES if r.segments and not r.segments[0].startswith("{"))


def split_directory(path: str, endpoints: frozenset[str]) -> tuple[str | None, str]:
    """Split ``/<directory>/Users/1`` into ``("<directory>", "/Users/1")``.

    A path whose first segment is a SCIM endpoint (``/Users``, ``/Schemas``…; ``endpoints`` lower-cased,
    usually :data:`ROOT_ENDPOINTS` and the registry's resource endpoints) addresses the default directory
    and gives ``(None, path)``; the root path ``/`` does too.
    """
    head, _, rest = path.lstrip("/").partition("/")
    if not head or head.lower() in endpoints:
        return None, path
    return head, "/" + rest


def directory_endpoints(registry: SchemaRegistry) -> frozenset[str]:
    """The first segments that address the default directory: the root endpoints and every resource endpoint."""
    return ROOT_ENDPOINTS | {t.endpoint.strip("/").lower() for t in registry.resource_types}


class Router:
    """Matches requests against :data:`ROUTES` for one registry."""

    def __init__(self, registry: SchemaRegistry, routes: tuple[Route, ...] = ROUTES) -> None:
        self.registry = registry
        self._by_length: dict[int, list[Route]] = {}
        for route in routes:
            self._by_length.setdefault(len(route.segments), []).append(route)

    def route(self, method: str, path: str, ctx: RequestContext) -> Handler:
        """The handler for ``method`` on ``path``, with ``ctx.rtype`` / ``ctx.resource_id`` filled in."""
        segments = tuple(s for s in path.strip("/").split("/") if s) if path.strip("/") else ()
        for route in self._by_length.get(len(segments), ()):
            if not self._match(route, segments, ctx):
                continue
            handler = route.handlers.get(method)
            if handler is None:
                raise MethodNotAllowed(f"{method} is not allowed on {path}.", sorted(route.handlers))
            return handler
        raise NotFound(f"No SCIM endpoint at '{path}'.")

    def _match(self, route: Route, segments: tuple[str, ...], ctx: RequestContext) -> bool:
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
