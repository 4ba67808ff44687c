"""Queries: filtering, sorting and paging of one resource type or of all of them (RFC 7644 §3.4.2, §3.4.3).

Owns: the ``filter``, ``sortBy``/``sortOrder``, ``startIndex``/``count`` and ``cursor`` parameters (RFC 9865)
turned into a :class:`~scimcore.store.port.Query`, the list handlers (GET and POST ``.search``, on a type's
endpoint and at the root), and the merge of a root search across resource types.
Must not: evaluate filters (the store does, through the filter AST) or render resources
(:mod:`scimcore.service.responses` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimcore.errors import InvalidFilter, InvalidValue, ScimError
from scimcore.filter.ast import Path
from scimcore.filter.parser import parse_filter
from scimcore.filter.sort import sort_key, sort_keyed
from scimcore.render import Projection, Selector, parse_attribute_list
from scimcore.schema.paths import resolve_path, split_attr_path
from scimcore.schema.registry import ResourceTypeDef
from scimcore.service import responses
from scimcore.service.body import search_body
from scimcore.service.context import RequestContext, Runtime
from scimcore.store.port import Page, Query
from scimcore.transport import ScimResponse

MAX_START_INDEX = 2**62


def paging(rt: Runtime, params: Mapping[str, Any]) -> tuple[int, int]:
    """``startIndex`` (1-based, RFC 7644 §3.4.2.4) and ``count``, clamped to what the service serves."""

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
    count = min(max(number("count", rt.config.default_page_size), 0), rt.config.max_page_size)
    return start, count


def sort_path(rtype: ResourceTypeDef, sort_by: Any) -> Path | None:
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


def descending(params: Mapping[str, Any]) -> bool:
    """``sortOrder`` (RFC 7644 §3.4.2.3): ascending unless it says descending."""
    order = params.get("sortOrder") or "ascending"
    if not isinstance(order, str) or order.lower() not in ("ascending", "descending"):
        raise InvalidValue(f"'sortOrder' must be 'ascending' or 'descending', got {order!r}.")
    return order.lower() == "descending"


def fingerprint(rtype: ResourceTypeDef, params: Mapping[str, Any]) -> str:
    """What a cursor is bound to: the resource type, filter and sort it was issued for."""
    parts = [
        rtype.name,
        str(params.get("filter") or ""),
        str(params.get("sortBy") or ""),
        str(params.get("sortOrder") or "").lower(),
    ]
    return "\x1f".join(parts)


def build_query(rt: Runtime, rtype: ResourceTypeDef, params: Mapping[str, Any], wanted: Projection) -> Query:
    """The store query of a list request: filter, sort, page or cursor, and what to leave out."""
    filter_text = params.get("filter")
    if filter_text is not None and not isinstance(filter_text, str):
        raise InvalidFilter("'filter' must be a string.")
    expr = parse_filter(filter_text, rtype, rt.config.filter_limits) if filter_text else None
    path = sort_path(rtype, params.get("sortBy"))
    desc = descending(params)
    start, count = paging(rt, params)
    after = None
    cursor = params.get("cursor")
    if cursor is not None:
        if params.get("startIndex") not in (None, ""):
            raise InvalidValue("Use either 'cursor' or 'startIndex' for paging, not both (RFC 9865 §2).")
        after = rt.cursors.open(str(cursor), fingerprint(rtype, params))
    with_groups = responses.wants_groups(rtype, wanted)
    return Query(expr, path, desc, start, count, responses.omitted(rtype, wanted), after, with_groups)


def list_page(rt: Runtime, ctx: RequestContext, params: Mapping[str, Any]) -> ScimResponse:
    """One page of one resource type, by index or by cursor (RFC 7644 §3.4.2.4, RFC 9865 §2.2)."""
    rtype = ctx.resource_type
    wanted = responses.projection(ctx, params)
    query = build_query(rt, rtype, params, wanted)
    page: Page = rt.store.search(rtype, query, directory=ctx.directory)
    if page.groups is not None:
        ctx.groups = page.groups
    elif len(page.resources) > 1 and query.with_groups:
        # One look-up for the whole page instead of one per resource.
        ctx.groups = rt.store.groups_of_many([d["id"] for d in page.resources], directory=ctx.directory)
    resources = [responses.render(rt, rtype, doc, wanted, ctx) for doc in page.resources]
    doc = responses.list_doc(page.total, query.start_index, resources)
    if query.after is not None:
        # RFC 9865 §2.2: cursor pages carry nextCursor / previousCursor instead of startIndex.
        del doc["startIndex"]
        scope = fingerprint(rtype, params)
        if page.next_after is not None:
            doc["nextCursor"] = rt.cursors.issue(page.next_after, scope)
        if page.before is not None:
            doc["previousCursor"] = rt.cursors.issue(page.before, scope)
    return responses.respond(200, doc)


def list_resources(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """GET /{type} (RFC 7644 §3.4.2)."""
    return list_page(rt, ctx, ctx.params)


def search_resources(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """POST /{type}/.search (RFC 7644 §3.4.3)."""
    return list_page(rt, ctx, search_body(ctx.request))


def list_root(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """GET /?filter=... across every resource type (RFC 7644 §3.4.2)."""
    return search_all(rt, ctx, ctx.params)


def search_root(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """POST /.search across every resource type (RFC 7644 §3.4.3)."""
    return search_all(rt, ctx, search_body(ctx.request))


def search_all(rt: Runtime, ctx: RequestContext, params: Mapping[str, Any]) -> ScimResponse:
    """Query every resource type at once and page the merged result (RFC 7644 §3.4.2.1).

    A name in ``attributes``, ``excludedAttributes`` or ``sortBy`` that one resource type lacks (a Group
    has no ``userName``) is ignored for that type, and a filter naming one matches none of that type; a
    name that no resource type knows is refused as on a type's own endpoint.  Sorting orders the merged
    result, not each type's share of it.
    """
    start, count = paging(rt, params)
    rtypes = rt.registry.resource_types
    desc = descending(params)
    attributes, excluded = responses.projection_params(params)
    included = _known_per_type(rtypes, attributes, "attributes") if attributes else None
    dropped = _known_per_type(rtypes, excluded, "excludedAttributes") if excluded and not attributes else {}
    sort_paths = _sort_paths(rtypes, params.get("sortBy"))
    collected: list[tuple[tuple[int, Any], dict[str, Any]]] = []
    total = 0
    errors: list[ScimError] = []
    for rtype in rtypes:
        ctx.rtype = rtype
        if included is not None:
            wanted = Projection(include=tuple(included[rtype.name]))
        else:
            wanted = Projection(exclude=tuple(dropped.get(rtype.name, ())))
        try:
            query = build_query(rt, rtype, {"filter": params.get("filter")}, wanted)
        except InvalidFilter as exc:
            errors.append(exc)
            continue
        page = rt.store.search(rtype, query, directory=ctx.directory)
        total += page.total
        path = sort_paths.get(rtype.name)
        collected.extend((sort_key(doc, path), responses.render(rt, rtype, doc, wanted, ctx)) for doc in page.resources)
    if errors and len(errors) == len(rtypes):
        raise errors[0]
    resources = sort_keyed(collected, desc) if sort_paths else [doc for _, doc in collected]
    window = resources[start - 1 : start - 1 + count]
    return responses.respond(200, responses.list_doc(total, start, window))


def _known_per_type(rtypes: list[ResourceTypeDef], text: str, param: str) -> dict[str, list[Selector]]:
    """Per resource type, the selectors of ``text`` it knows; a name no type knows is refused."""
    known: dict[str, list[Selector]] = {t.name: [] for t in rtypes}
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


def _sort_paths(rtypes: list[ResourceTypeDef], sort_by: Any) -> dict[str, Path | None]:
    """Per resource type, where ``sortBy`` points (``None`` where the type lacks it); empty without it."""
    if not sort_by:
        return {}
    paths: dict[str, Path | None] = {}
    first_error: InvalidValue | None = None
    for rtype in rtypes:
        try:
            paths[rtype.name] = sort_path(rtype, sort_by)
        except InvalidValue as exc:
            first_error = first_error or exc
            paths[rtype.name] = None
    if first_error is not None and not any(paths.values()):
        raise first_error
    return paths
