"""Response assembly, in one place: resources, pages, PATCH answers and errors (RFC 7644 §3.1, §3.4.2, §3.12).

Owns: turning a stored document into its response (projection, ``$ref`` of members, the computed
``User.groups``), the ETag and ``Location`` headers, the 200-or-204 choice of a PATCH, the ListResponse
message, and :func:`error_response`, the one place where any exception becomes a SCIM Error.
Must not: change a stored document (rendering builds new values), or decide protocol outcomes other than
the shape of the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pydantic
import scim2_models

from scimcore import codec, profiles, urns
from scimcore.errors import BadRequest, InternalError, InvalidValue, MethodNotAllowed, ScimError
from scimcore.render import Projection, member_refs, render_resource
from scimcore.schema.registry import ResourceTypeDef
from scimcore.service.context import RequestContext, Runtime
from scimcore.store.port import Document
from scimcore.transport import SCIM_MEDIA_TYPE, ScimResponse

logger = logging.getLogger("scimcore")


def _error_classes(root: type[ScimError] = ScimError) -> list[type[ScimError]]:
    out = [root]
    for sub in root.__subclasses__():
        out.extend(_error_classes(sub))
    return out


def _same_kind(status: int, scim_type: str | None) -> type[ScimError]:
    """The class of the error tree with this status and ``scimType`` (RFC 7644 §3.12 Tables 8 and 9)."""
    classes = [c for c in _error_classes() if c.status == status and c is not MethodNotAllowed]
    for cls in classes:
        if scim_type and cls.scim_type == scim_type:
            return cls
    plain = [c for c in classes if c.scim_type is None]
    return plain[0] if plain else BadRequest


def _as_scim_error(exc: BaseException) -> ScimError:
    """``exc`` as a :class:`ScimError`: scim2-models' exceptions and validation errors keep their meaning."""
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, scim2_models.SCIMException) and 400 <= exc.status < 500:
        return _same_kind(exc.status, exc.scim_type or None)(exc.detail)
    if isinstance(exc, pydantic.ValidationError):
        fields = sorted({".".join(str(p) for p in e["loc"]) or exc.title for e in exc.errors()})
        return InvalidValue(f"The value of {', '.join(repr(f) for f in fields)} is not valid.")
    logger.error("unhandled %s while serving a request", type(exc).__name__)
    logger.debug("unhandled error", exc_info=exc)
    return InternalError()


def error_response(exc: BaseException) -> ScimResponse:
    """The one place where errors become responses (RFC 7644 §3.12); a 500 reveals nothing internal.

    A :class:`ScimError` answers as itself.  A store or hook built on scim2-models may raise its
    ``SCIMException`` family (``UniquenessException`` and so on) or a pydantic ``ValidationError``: those
    answer with their 4xx status and ``scimType`` (or 400 ``invalidValue`` naming the fields), not 500.
    """
    error = _as_scim_error(exc)
    headers = [("Content-Type", SCIM_MEDIA_TYPE), *error.headers.items()]
    return ScimResponse(error.status, tuple(headers), codec.dumps(error.body()))


def respond(status: int, doc: Any, headers: list[tuple[str, str]] | None = None) -> ScimResponse:
    """A SCIM JSON response; ``doc=None`` sends no body."""
    all_headers = [("Content-Type", SCIM_MEDIA_TYPE), *(headers or [])]
    return ScimResponse(status, tuple(all_headers), codec.dumps(doc) if doc is not None else b"")


def projection_params(params: Mapping[str, Any]) -> tuple[str | None, str | None]:
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


def projection(ctx: RequestContext, source: Mapping[str, Any] | None = None) -> Projection:
    """The projection the request asks for (RFC 7644 §3.9), from its query or a ``.search`` body."""
    attributes, excluded = projection_params(source if source is not None else ctx.params)
    return Projection.from_params(ctx.resource_type, attributes, excluded)


def omitted(rtype: ResourceTypeDef, wanted: Projection) -> frozenset[str]:
    """Attributes the store need not read for this projection (a group's ``members``)."""
    return frozenset(n for n in ("members",) if rtype.attr(n) is not None and wanted.omits(n))


def wants_groups(rtype: ResourceTypeDef, wanted: Projection) -> bool:
    """Whether the response carries the computed, read-only ``groups`` of the resource (RFC 7643 §4.1.2)."""
    groups_attr = rtype.attr("groups")
    return groups_attr is not None and groups_attr.mutability == "readOnly" and bool(wanted.wants(None, groups_attr))


def _computed(
    rt: Runtime, rtype: ResourceTypeDef, doc: Document, wanted: Projection, ctx: RequestContext
) -> dict[str, Any]:
    """What the response shows that the store does not keep: members' ``$ref`` and ``User.groups``."""
    computed: dict[str, Any] = {}
    members = doc.get("members")
    if isinstance(members, list):
        endpoints = {t.name: t.endpoint for t in rt.registry.resource_types}
        computed["members"] = member_refs(members, ctx.request.base_url, endpoints)
    if wants_groups(rtype, wanted):
        group_type = rt.registry.find_resource_type("Group")
        endpoint = group_type.endpoint if group_type else "/Groups"
        if ctx.groups is not None and doc["id"] in ctx.groups:
            refs = ctx.groups[doc["id"]]
        else:
            refs = rt.store.groups_of(doc["id"], directory=ctx.directory)
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


def render(
    rt: Runtime, rtype: ResourceTypeDef, doc: Document, wanted: Projection, ctx: RequestContext
) -> dict[str, Any]:
    """The response document of one stored resource; ``doc`` is left as it was."""
    return render_resource(rtype, doc, ctx.request.base_url, wanted, _computed(rt, rtype, doc, wanted, ctx))


def resource_response(
    rt: Runtime, status: int, rtype: ResourceTypeDef, doc: Document, ctx: RequestContext, *, location: bool = False
) -> ScimResponse:
    """One resource with its ETag and, for a create, its ``Location`` (RFC 7644 §3.3)."""
    body = render(rt, rtype, doc, projection(ctx), ctx)
    headers = [("ETag", doc["meta"]["version"])]
    if location:
        headers.append(("Location", f"{ctx.request.base_url}{rtype.endpoint}/{doc['id']}"))
    return respond(status, body, headers)


DROPPED_MEMBERS_HEADER = "Scimcore-Dropped-Members"
"""The member ids a write dropped because they name no resource of the directory (percent-encoded, at most
:data:`DROPPED_MEMBERS_SHOWN`, comma-separated); ``Scimcore-Dropped-Members-Count`` gives how many in all."""

DROPPED_MEMBERS_SHOWN = 20


def dropped_members_reported(response: ScimResponse, dropped: list[str]) -> ScimResponse:
    """``response`` with the headers naming the members a write dropped (RFC 7644 §3.5.2 lets it drop them)."""
    shown = ",".join(quote(value, safe="") for value in dropped[:DROPPED_MEMBERS_SHOWN])
    count = (f"{DROPPED_MEMBERS_HEADER}-Count", str(len(dropped)))
    headers = (*response.headers, (DROPPED_MEMBERS_HEADER, shown), count)
    return replace(response, headers=headers)


def not_modified(version: str) -> ScimResponse:
    """304 to a conditional GET whose ``If-None-Match`` names the current version (RFC 7644 §3.14)."""
    return ScimResponse(304, (("ETag", version),))


def patch_wants_body(rt: Runtime, rtype: ResourceTypeDef, ctx: RequestContext) -> bool:
    """Whether a PATCH answers 200 with the resource (RFC 7644 §3.5.2) rather than 204.

    Groups answer 204 where the addressed directory's provider profile (:mod:`scimcore.profiles`; Entra,
    as Microsoft recommends) or ``group_patch_returns_body=False`` prefers it; ``attributes`` still gets a
    body.
    """
    if rtype.attr("members") is None or ctx.params.get("attributes"):
        return True
    return (
        rt.config.group_patch_returns_body
        and profiles.for_record(ctx.directory_record(rt.store), rt.config.provider).group_patch_returns_body
    )


def patched(rt: Runtime, rtype: ResourceTypeDef, doc: Document, ctx: RequestContext) -> ScimResponse:
    """200 with the resource, or 204 with only its ETag (see :func:`patch_wants_body`)."""
    if not patch_wants_body(rt, rtype, ctx):
        return ScimResponse(204, (("ETag", doc["meta"]["version"]),))
    return resource_response(rt, 200, rtype, doc, ctx)


def list_doc(total: int, start: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A ListResponse message (RFC 7644 §3.4.2)."""
    return {
        "schemas": [urns.LIST_RESPONSE],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start,
        "Resources": resources,
    }
