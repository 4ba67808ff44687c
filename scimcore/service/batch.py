"""POST /Bulk (RFC 7644 §3.7) and the endpoints this service provider declines (``/Me``, RFC 7644 §3.11).

Owns: admitting a Bulk request against the advertised limits and handing it to :mod:`scimcore.bulk`, whose
operations come back through the router one by one.
Must not: run operations itself; each is an ordinary request to :meth:`Runtime.handle_operation`.
"""

from __future__ import annotations

from scimcore import bulk as bulk_engine
from scimcore.errors import NotImplementedYet
from scimcore.service.body import json_body
from scimcore.service.context import RequestContext, Runtime
from scimcore.service.responses import respond
from scimcore.transport import ScimResponse


def bulk(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """POST /Bulk: :mod:`scimcore.bulk` runs each operation back through the router."""
    limits = bulk_engine.BulkLimits(rt.config.bulk_max_operations, rt.config.bulk_max_payload_bytes)
    limits.admit(ctx.request)
    endpoints = [rtype.endpoint for rtype in rt.registry.resource_types]
    answer = bulk_engine.run(rt.handle_operation, ctx.request, json_body(ctx.request), limits, endpoints)
    return respond(200, answer)


def not_implemented(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """501 for an endpoint of RFC 7644 this service provider does not offer."""
    raise NotImplementedYet(f"{ctx.request.path} is not supported by this service provider.")
