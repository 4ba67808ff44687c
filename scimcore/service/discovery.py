"""The discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas.

Owns: the handlers of those endpoints.
Must not: build the discovery documents (:mod:`scimcore.discovery` does) or touch the store beyond reading
the directory's record (its event delivery decides the ServiceProviderConfig's ``securityEvents``).
"""

from __future__ import annotations

from typing import Any

from scimcore import discovery
from scimcore.errors import NotFound
from scimcore.service.context import RequestContext, Runtime
from scimcore.service.responses import respond
from scimcore.store.ports import DirectoryStore
from scimcore.transport import ScimResponse


def _security_events(rt: Runtime, ctx: RequestContext) -> dict[str, Any] | None:
    """RFC 9967 §4: advertised for a directory whose events go out as SETs (and are written at all)."""
    if not rt.emit_events or not isinstance(rt.store, DirectoryStore):
        return None
    directory = rt.store.get_directory(ctx.directory)
    if directory is None or directory.event_delivery not in ("set-push", "set-poll"):
        return None
    return discovery.security_events(directory.set_form)


def get_service_provider_config(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """GET /ServiceProviderConfig (RFC 7644 §4, RFC 7643 §5, RFC 9967 §4)."""
    events = _security_events(rt, ctx)
    return respond(200, discovery.service_provider_config(rt.capabilities, ctx.request.base_url, events))


def list_resource_types(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """GET /ResourceTypes (RFC 7643 §6)."""
    docs = [discovery.resource_type_document(t, ctx.request.base_url) for t in rt.registry.resource_types]
    return respond(200, discovery.list_response(docs))


def get_resource_type(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """GET /ResourceTypes/{name} (RFC 7644 §4)."""
    rtype = rt.registry.find_resource_type(ctx.id)
    if rtype is None:
        raise NotFound(f"ResourceType '{ctx.id}' not found.")
    return respond(200, discovery.resource_type_document(rtype, ctx.request.base_url))


def list_schemas(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """GET /Schemas (RFC 7643 §7)."""
    return respond(200, discovery.list_response(discovery.all_schemas(rt.registry, ctx.request.base_url)))


def get_schema(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """GET /Schemas/{urn} (RFC 7644 §4)."""
    schema = rt.registry.find_schema(ctx.id)
    if schema is None:
        raise NotFound(f"Schema '{ctx.id}' not found.")
    return respond(200, discovery.schema_document(schema, ctx.request.base_url))
