"""Operations on one resource: create, read, replace, patch and delete (RFC 7644 §3.3, §3.4.1, §3.5, §3.6).

Owns: the write rules of RFC 7644 — required and immutable attributes, ``writeOnly`` values kept across a
PUT, members that must name existing resources, passwords hashed before storage — and optimistic
concurrency with retries (RFC 7644 §3.14), plus the events each write makes.
Must not: assemble responses (:mod:`scimcore.service.responses` does) or parse bodies
(:mod:`scimcore.service.body` does); it talks to the store only through the store port.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scimcore.directories import UNKNOWN_MEMBERS
from scimcore.emitter import ChangeEvents, notify, store_member_info
from scimcore.errors import InvalidValue, Mutability, NotFound, PreconditionFailed
from scimcore.events import Event, EventFactory
from scimcore.patch import MemberDelta, apply_patch, member_delta
from scimcore.render import Projection, render_resource
from scimcore.schema.documents import check_indexed_lengths, check_required, normalise_resource
from scimcore.schema.registry import ResourceTypeDef
from scimcore.service import responses
from scimcore.service.body import admit_patch, json_body
from scimcore.service.context import RequestContext, Runtime
from scimcore.service.versions import check_if_match, format_datetime, moved_on, new_meta, none_match
from scimcore.store.port import Document, MemberRef
from scimcore.store.ports import GroupedGet
from scimcore.transport import ScimResponse

logger = logging.getLogger("scimcore")

WRITE_RETRIES = 8
_MEMBERS = frozenset({"members"})


def load(
    rt: Runtime, rtype: ResourceTypeDef, ctx: RequestContext, omit: frozenset[str] = frozenset(), *,
    groups: bool = False,
) -> Document:
    """The addressed resource, or 404 (RFC 7644 §3.4.1).

    With ``groups``, a store that reads a resource with its groups (:class:`~scimcore.store.ports.GroupedGet`)
    does so in one read, and the groups go to :attr:`RequestContext.groups` for the renderer.
    """
    if groups and isinstance(rt.store, GroupedGet):
        found = rt.store.get_with_groups(rtype, ctx.id, directory=ctx.directory, omit=omit)
        doc = None
        if found is not None:
            doc, refs = found
            ctx.groups = {doc["id"]: refs}
    else:
        doc = rt.store.get(rtype, ctx.id, directory=ctx.directory, omit=omit)
    if doc is None:
        raise NotFound(f"{rtype.name} '{ctx.id}' not found.")
    return doc


def changes(rt: Runtime, ctx: RequestContext) -> ChangeEvents | None:
    """The event builder for this request, or ``None`` when events are off."""
    if not rt.emit_events:
        return None
    tenant = product = None
    record = ctx.directory_record(rt.store)
    if record is not None:
        tenant, product = record.tenant, record.product
    factory = EventFactory(ctx.directory, format_datetime(rt.clock()), tenant, product, rt.new_id)

    def render(rtype: ResourceTypeDef, doc: Document) -> dict[str, object]:
        return render_resource(rtype, doc, ctx.request.base_url, Projection())

    return ChangeEvents(factory, render, store_member_info(rt.store, rt.registry, ctx.directory))


def check_members(
    rt: Runtime, rtype: ResourceTypeDef, doc: Document, before: Document | None, ctx: RequestContext
) -> None:
    """Stored members always name existing resources; their ``type`` is filled in from what they are.

    A member id that names nothing in the directory is dropped (RFC 7644 §3.5.2 leaves referential checks to
    the service provider, and clients add members before the member exists) and reported: in
    :attr:`RequestContext.dropped_members`, which the service answers as the ``Scimcore-Dropped-Members``
    header, and in a warning on the ``scimcore`` logger.  It is refused with ``invalidValue`` instead when
    :attr:`~scimcore.service.ServiceConfig.reject_unknown_members` is set or the directory chose it
    (:data:`scimcore.directories.UNKNOWN_MEMBERS` set to ``"refuse"``).
    """
    members = doc.get("members")
    if rtype.attr("members") is None or not isinstance(members, list):
        return
    known = {m["value"]: m.get("type") for m in (before or {}).get("members") or [] if "value" in m}
    new_ids = [m["value"] for m in members if "value" in m and m["value"] not in known]
    types = rt.store.resource_types_of(new_ids, directory=ctx.directory) if new_ids else {}
    seen: set[str] = set()
    kept = []
    dropped: list[str] = []
    for member in members:
        value = member.get("value")
        if not value:
            raise InvalidValue("Every member of 'members' needs a 'value'.")
        if value in seen:
            continue
        seen.add(value)
        kind = known.get(value) or types.get(value)
        if kind is None:
            if _refuses_unknown_members(rt, ctx):
                raise InvalidValue(f"Member '{value}' of 'members' names no resource in this directory.")
            dropped.append(value)
            continue
        member = {k: v for k, v in member.items() if k != "$ref"}
        member["type"] = kind
        kept.append(member)
    doc["members"] = kept
    if dropped:
        ctx.dropped_members.update(dict.fromkeys(dropped))
        logger.warning(
            "dropped %d member(s) of a %s that name no resource in directory %s: %s",
            len(dropped), rtype.name, ctx.directory,
            ", ".join(repr(v) for v in dropped[: responses.DROPPED_MEMBERS_SHOWN]),
        )


def _refuses_unknown_members(rt: Runtime, ctx: RequestContext) -> bool:
    """Whether the service or the addressed directory refuses members that name nothing."""
    if rt.config.reject_unknown_members:
        return True
    record = ctx.directory_record(rt.store)
    return record is not None and record.options.get(UNKNOWN_MEMBERS) == "refuse"


def prepare_password(rt: Runtime, doc: Document, before: Document | None) -> None:
    """Hash a new ``password`` before it is stored (RFC 7643 §4.1.1); an unchanged hash stays as it is."""
    password = doc.get("password")
    if password is None or (before is not None and before.get("password") == password):
        return
    doc["password"] = rt.password_hasher(password)


def keep_protected(rtype: ResourceTypeDef, current: Document, doc: Document) -> None:
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


def get_resource(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """GET /{type}/{id} (RFC 7644 §3.4.1), answering 304 to a matching ``If-None-Match``."""
    rtype = ctx.resource_type
    wanted = responses.projection(ctx)
    doc = load(rt, rtype, ctx, responses.omitted(rtype, wanted), groups=responses.wants_groups(rtype, wanted))
    version = doc["meta"]["version"]
    if none_match(ctx.request, version):
        return responses.not_modified(version)
    return responses.respond(200, responses.render(rt, rtype, doc, wanted, ctx), [("ETag", version)])


def create_resource(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """POST /{type} (RFC 7644 §3.3)."""
    rtype = ctx.resource_type
    doc = normalise_resource(rtype, json_body(ctx.request))
    check_required(rtype, doc)
    check_indexed_lengths(rtype, doc)
    check_members(rt, rtype, doc, None, ctx)
    prepare_password(rt, doc, None)
    doc["id"] = rt.new_id()
    doc["meta"] = new_meta(rt.clock, rtype, None)
    events = changes(rt, ctx)
    made = events.created(rtype, doc) if events else []
    rt.store.create(rtype, doc, directory=ctx.directory, events=made)
    notify(rt.subscribers, made)
    ctx.groups = {doc["id"]: []}  # a resource with a new id is no group's member yet (RFC 7643 §4.1.2)
    return responses.resource_response(rt, 201, rtype, doc, ctx, location=True)


def replace_resource(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """PUT /{type}/{id} (RFC 7644 §3.5.1)."""
    rtype = ctx.resource_type
    body = json_body(ctx.request)

    def replaced(current: Document) -> Document:
        doc = normalise_resource(rtype, body)
        keep_protected(rtype, current, doc)
        return doc

    return rewrite(rt, rtype, ctx, replaced)


def patch_resource(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """PATCH /{type}/{id} (RFC 7644 §3.5.2); member-only changes take the O(members changed) path."""
    rtype = ctx.resource_type
    body = json_body(ctx.request)
    admit_patch(body, rt.config.patch_max_operations)
    delta = member_delta(rtype, body)
    if delta is not None:
        return patch_members(rt, rtype, delta, ctx)
    return rewrite(rt, rtype, ctx, lambda current: apply_patch(rtype, current, body))


def rewrite(
    rt: Runtime, rtype: ResourceTypeDef, ctx: RequestContext, change: Callable[[Document], Document]
) -> ScimResponse:
    """Read, change and write back under optimistic concurrency (RFC 7644 §3.14).

    Without ``If-Match`` a write that lost a race is retried on the new version; with it, the client's
    version is the only acceptable one and a lost race answers 412.
    """
    # A user's groups cannot change through its own PUT or PATCH (RFC 7643 §4.1.2: readOnly), so the ones read
    # with it serve the response as well.
    with_groups = responses.wants_groups(rtype, responses.projection(ctx))
    for _ in range(WRITE_RETRIES):
        current = load(rt, rtype, ctx, groups=with_groups)
        pinned = check_if_match(ctx.request, current)
        doc = change(current)
        check_required(rtype, doc)
        check_indexed_lengths(rtype, doc)
        check_members(rt, rtype, doc, current, ctx)
        prepare_password(rt, doc, current)
        try:
            return write(rt, rtype, current, doc, ctx)
        except PreconditionFailed:
            if pinned is not None:
                raise
    raise PreconditionFailed("The resource kept changing; try again.")


def write(rt: Runtime, rtype: ResourceTypeDef, current: Document, doc: Document, ctx: RequestContext) -> ScimResponse:
    """Store ``doc`` over ``current`` unless nothing changed (then the version stays)."""
    doc["id"] = current["id"]
    unchanged = {k: v for k, v in doc.items() if k != "meta"} == {k: v for k, v in current.items() if k != "meta"}
    if unchanged:
        doc["meta"] = current["meta"]
    else:
        doc["meta"] = new_meta(rt.clock, rtype, current["meta"])
        events = changes(rt, ctx)
        made = events.replaced(rtype, current, doc) if events else []
        rt.store.replace(rtype, doc, current["meta"]["version"], directory=ctx.directory, events=made)
        notify(rt.subscribers, made)
    if ctx.request.method.upper() == "PATCH":
        return responses.patched(rt, rtype, doc, ctx)
    return responses.resource_response(rt, 200, rtype, doc, ctx)


def patch_members(rt: Runtime, rtype: ResourceTypeDef, delta: MemberDelta, ctx: RequestContext) -> ScimResponse:
    """Member additions and removals in O(members changed): the rest of the group is never read."""
    expected = None
    if ctx.request.headers.get("if-match") is not None:
        expected = check_if_match(ctx.request, load(rt, rtype, ctx, _MEMBERS))
    adds: Document = {"members": [dict(item) for item in delta.add]}
    check_members(rt, rtype, adds, None, ctx)
    events = changes(rt, ctx)
    made: list[Event] = []
    on_change = None
    if events is not None:
        events.member_info([m["value"] for m in adds["members"]] + list(delta.remove))  # looked up outside

        def on_change(added: list[str], removed: list[str], group: Document) -> list[Event]:
            made.extend(events.members_changed(group, added, removed))
            return made

    rt.store.change_members(
        rtype,
        ctx.id,
        adds["members"],
        delta.remove,
        moved_on(rt.clock),
        expected,
        directory=ctx.directory,
        events=on_change,
    )
    notify(rt.subscribers, made)
    if not responses.patch_wants_body(rt, rtype, ctx):
        version = load(rt, rtype, ctx, _MEMBERS)["meta"]["version"]
        return ScimResponse(204, (("ETag", version),))
    doc = load(rt, rtype, ctx, responses.omitted(rtype, responses.projection(ctx)))
    return responses.resource_response(rt, 200, rtype, doc, ctx)


def delete_resource(rt: Runtime, ctx: RequestContext) -> ScimResponse:
    """DELETE /{type}/{id} (RFC 7644 §3.6): memberships pointing at the resource go with it."""
    rtype = ctx.resource_type
    expected = None
    if ctx.request.headers.get("if-match") is not None:
        expected = check_if_match(ctx.request, load(rt, rtype, ctx, _MEMBERS))
    events = changes(rt, ctx)
    made: list[Event] = []
    on_delete = None
    if events is not None:

        def on_delete(doc: Document, left: list[MemberRef]) -> list[Event]:
            made.extend(events.deleted(rtype, doc, left))
            return made

    rt.store.delete(rtype, ctx.id, expected, directory=ctx.directory, next_meta=moved_on(rt.clock), events=on_delete)
    notify(rt.subscribers, made)
    return ScimResponse(204)
