"""scimcore's events as RFC 9967 Security Event Tokens: the claims set of a SET, built from an event.

RFC 9967 profiles Security Event Tokens (RFC 8417) for SCIM.  A SET is a JWT whose ``events`` claim maps
one or more event URIs to a payload.  This module maps each scimcore event (:mod:`scimcore.events`) to the
RFC 9967 event URI and payload and builds the claims set; signing it is :mod:`scimcore.set_tokens`' job.

===========================  ==================================================  ===========================
scimcore event               RFC 9967 event URI (``urn:ietf:params:scim:event:``)  payload (full / notice)
===========================  ==================================================  ===========================
``user.created``             ``prov:create:full`` / ``prov:create:notice``        ``data`` / ``attributes``
``group.created``            ``prov:create:full`` / ``prov:create:notice``        ``data`` / ``attributes``
``user.updated``             ``prov:put:full`` / ``prov:put:notice``              ``data`` / ``attributes``
``group.updated``            ``prov:put:full`` / ``prov:put:notice``              ``data`` / ``attributes``
``group.user_added``         ``prov:patch:full`` / ``prov:patch:notice``          a PatchOp ``add`` of the member
``group.user_removed``       ``prov:patch:full`` / ``prov:patch:notice``          a PatchOp ``remove`` of it
``user.deleted``             ``prov:delete``                                      ``{}`` (§2.4.4: no qualifier)
``group.deleted``            ``prov:delete``                                      ``{}``
===========================  ==================================================  ===========================

Claims (RFC 8417 §2.2, RFC 9967 §2.1–2.2): ``iss`` and ``aud`` as the caller names them (a directory's
audience is :func:`audience_of`), ``iat`` the time the SET is made, ``toe`` when the change happened, ``jti``
and ``txn`` the event's id (a scimcore event is one state change of one resource; a SET delivered again
keeps both), ``sub_id`` of format ``scim`` with the resource's relative ``uri``, its ``id`` and its
``externalId`` when it has one.  ``sub`` is never set (§2.1).  ``version`` is the resource's ETag when the
event carries one.

An ``*.updated`` event carries the resource after the change, not the request that made it, so it maps to
``prov:put`` (the resource's full representation), whether a PUT or a PATCH changed it; membership changes,
which scimcore records member by member, map to ``prov:patch`` of the group.  In notice form the
``attributes`` list names the top-level attributes an update added, modified or removed
(:attr:`~scimcore.events.Event.changed`), and for a creation those the new resource has.
``prov:activate``, ``prov:deactivate``, ``feed:*`` and ``misc:asyncresp`` are known here (a receiver may
meet them) but scimcore emits none of them.

Owns: the event URIs, the mapping and the claims set.  Must not: sign, read a clock, or do any I/O (the time
is passed in); it imports no JOSE library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimcore import events as ev
from scimcore import urns
from scimcore.store.ports import Directory

PREFIX = "urn:ietf:params:scim:event:"
FEED_ADD = PREFIX + "feed:add"
FEED_REMOVE = PREFIX + "feed:remove"
CREATE_FULL = PREFIX + "prov:create:full"
CREATE_NOTICE = PREFIX + "prov:create:notice"
PATCH_FULL = PREFIX + "prov:patch:full"
PATCH_NOTICE = PREFIX + "prov:patch:notice"
PUT_FULL = PREFIX + "prov:put:full"
PUT_NOTICE = PREFIX + "prov:put:notice"
DELETE = PREFIX + "prov:delete"
ACTIVATE = PREFIX + "prov:activate"
DEACTIVATE = PREFIX + "prov:deactivate"
ASYNC_RESPONSE = PREFIX + "misc:asyncresp"

EVENT_URIS = (
    FEED_ADD, FEED_REMOVE, CREATE_NOTICE, CREATE_FULL, PATCH_NOTICE, PATCH_FULL, PUT_NOTICE, PUT_FULL, DELETE,
    ACTIVATE, DEACTIVATE, ASYNC_RESPONSE,
)
"""Every event URI of RFC 9967's initial registry (§7.4)."""

FULL = "full"
NOTICE = "notice"
FORMS = (FULL, NOTICE)
"""The two forms of the provisioning events (RFC 9967 §2.4): ``data`` in full, ``attributes`` in notice."""

SET_MEDIA_TYPE = "application/secevent+jwt"
"""The media type of a SET (RFC 8417 §7.2), its JWS ``typ`` header (``secevent+jwt``) and the push body's."""

_URIS: dict[str, dict[str, str]] = {
    ev.USER_CREATED: {FULL: CREATE_FULL, NOTICE: CREATE_NOTICE},
    ev.GROUP_CREATED: {FULL: CREATE_FULL, NOTICE: CREATE_NOTICE},
    ev.USER_UPDATED: {FULL: PUT_FULL, NOTICE: PUT_NOTICE},
    ev.GROUP_UPDATED: {FULL: PUT_FULL, NOTICE: PUT_NOTICE},
    ev.GROUP_USER_ADDED: {FULL: PATCH_FULL, NOTICE: PATCH_NOTICE},
    ev.GROUP_USER_REMOVED: {FULL: PATCH_FULL, NOTICE: PATCH_NOTICE},
    ev.USER_DELETED: {FULL: DELETE, NOTICE: DELETE},
    ev.GROUP_DELETED: {FULL: DELETE, NOTICE: DELETE},
}

_ENDPOINTS = {"user": "/Users/", "group": "/Groups/"}


class UnknownEventType(ValueError):
    """An event type this module cannot map to an RFC 9967 event URI."""


def event_uri(event_type: str, form: str = FULL) -> str:
    """The RFC 9967 event URI of a scimcore event type in ``form`` (``full`` or ``notice``)."""
    if form not in FORMS:
        raise ValueError(f"the form of a SET is 'full' or 'notice', not {form!r}")
    try:
        return _URIS[event_type][form]
    except KeyError:
        raise UnknownEventType(f"no RFC 9967 event URI for {event_type!r}") from None


def emitted_uris(form: str = FULL) -> list[str]:
    """The event URIs scimcore emits in ``form``, each once, in registry order (for ``eventUris``)."""
    used = {event_uri(t, form) for t in ev.EVENT_TYPES}
    return [uri for uri in EVENT_URIS if uri in used]


def _subject(event: ev.Event) -> tuple[dict[str, Any], Mapping[str, Any]]:
    """The ``sub_id`` (RFC 9967 §2.1) and the resource the event is about (the group for membership)."""
    kind = event.type.split(".", 1)[0]
    membership = event.type in (ev.GROUP_USER_ADDED, ev.GROUP_USER_REMOVED)
    resource = event.data.get("group", {}) if membership else event.data
    rid = str(resource.get("id", event.resource_key))
    sub: dict[str, Any] = {"format": "scim", "uri": _ENDPOINTS.get(kind, "/") + rid, "id": rid}
    if resource.get("externalId"):
        sub["externalId"] = resource["externalId"]
    return sub, resource


def _member_patch(event: ev.Event) -> dict[str, Any]:
    """The PatchOp (RFC 7644 §3.5.2) equivalent to one member added to or removed from a group."""
    member = event.data.get("user", {})
    mid = str(member.get("id", ""))
    if event.type == ev.GROUP_USER_ADDED:
        endpoint = _ENDPOINTS["group" if member.get("type") == "Group" else "user"]
        value: dict[str, Any] = {"value": mid, "$ref": endpoint + mid}
        display = member.get("displayName") or member.get("userName")
        if display:
            value["display"] = display
        operation: dict[str, Any] = {"op": "add", "path": "members", "value": [value]}
    else:
        operation = {"op": "remove", "path": f'members[value eq "{mid}"]'}
    return {"schemas": [urns.PATCH_OP], "Operations": [operation]}


def _attributes(resource: Mapping[str, Any]) -> list[str]:
    return [name for name in resource if name not in ("schemas", "meta")]


def event_payload(event: ev.Event, form: str = FULL) -> tuple[str, dict[str, Any]]:
    """The event URI and payload of ``event`` (RFC 9967 §2.4): exactly one of ``data`` or ``attributes``."""
    uri = event_uri(event.type, form)
    if uri == DELETE:
        return uri, {}
    payload: dict[str, Any] = {}
    membership = event.type in (ev.GROUP_USER_ADDED, ev.GROUP_USER_REMOVED)
    version = None if membership else (event.data.get("meta") or {}).get("version")
    if version:
        payload["version"] = version
    if form == FULL:
        payload["data"] = _member_patch(event) if membership else dict(event.data)
    elif membership:
        payload["attributes"] = ["members"]
    else:  # an update names what it changed; a creation (or an update of unknown extent) what the resource has
        payload["attributes"] = list(event.changed) or _attributes(event.data)
    return uri, payload


AUDIENCE_OPTION = "set_audience"
"""The directory option naming the ``aud`` of its SETs; without it the audience is the directory's id."""


def audience_of(directory: Directory) -> str:
    """The ``aud`` of a directory's SETs (RFC 8417 §2.2): its ``set_audience`` option, else its id."""
    chosen = directory.options.get(AUDIENCE_OPTION)
    return chosen if isinstance(chosen, str) and chosen else directory.id


def set_claims(
    event: ev.Event, *, issuer: str, audience: str | list[str], issued_at: int, form: str = FULL
) -> dict[str, Any]:
    """The claims set of the SET describing ``event`` (RFC 8417 §2.2, RFC 9967 §2).

    ``issued_at`` is Unix time (the caller's clock); ``toe`` is when the change happened.
    """
    uri, payload = event_payload(event, form)
    sub, _ = _subject(event)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "iat": int(issued_at),
        "jti": event.id,
        "txn": event.id,
        "sub_id": sub,
        "events": {uri: payload},
    }
    occurred = ev.occurred_epoch(event.occurred_at)
    if occurred is not None:
        claims["toe"] = int(occurred)
    return claims
