"""Checks of groups: create, duplicates, lookup, members added, removed and replaced, rename, delete.

Owns: the replays of Entra's and Okta's create-group bodies (RFC 7644 §3.3), the 409 of a duplicate
``displayName`` Entra relies on, Entra's lookup with ``excludedAttributes=members`` (§3.4.2.5), every member
PATCH the vendors send (several members per op, removal by value list or by ``members[value eq "<id>"]``,
remove-and-add in one request, replace of the list; RFC 7644 §3.5.2), renames (Okta's carrying the group's
own ``id``) and delete (§3.6), each verified with a GET.  The operations come from the payload catalogue,
with the run's ids in them.
Must not: accept a PATCH answer other than 200 or 204, or judge a member list by anything but its ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scimcore.check.bodies import entra_group, okta_group, plain_group, swap
from scimcore.check.expectations import (
    CheckFailed,
    expect_equal,
    expect_error,
    expect_listed,
    expect_status,
    member_ids,
)
from scimcore.check.payloads import entra, okta
from scimcore.check.session import Session


def _with_members(operation: dict[str, Any], *members: dict[str, str]) -> dict[str, Any]:
    """A catalogue member operation listing ``members``, each laid over the operation's first example member."""
    example = operation["value"][0]
    return {**operation, "value": [{**example, **member} for member in members]}


def _removal_of(operation: dict[str, Any], member: str) -> dict[str, Any]:
    """A catalogue removal by ``members[value eq "<id>"]`` aimed at ``member`` instead of the example id."""
    example = operation["path"].split('"')[1]
    return swap(operation, {example: member})


def create_group_entra(s: Session) -> None:
    """POST a group with Microsoft's undeclared ADSCIM schema URI → 201, stored without members.

    Entra creates groups with ``schemas`` [core Group, ``…/ADSCIM/2.0/Group``] and adds members later.
    """
    body = entra_group(s)
    gid = s.create("Groups", body, setup=False)
    stored = s.fetch(f"/Groups/{gid}")
    expect_equal("displayName", stored.get("displayName"), body["displayName"])
    expect_equal("externalId", stored.get("externalId"), body["externalId"])
    expect_equal("members", sorted(member_ids(stored)), [])


def create_group_okta(s: Session) -> None:
    """Okta Push Groups' POST with members: [] (application/json) → 201, stored."""
    body = okta_group(s)
    gid = s.create("Groups", body, setup=False)
    stored = s.fetch(f"/Groups/{gid}")
    expect_equal("displayName", stored.get("displayName"), body["displayName"])


def duplicate_group(s: Session) -> None:
    """POSTing a group with a displayName that exists answers 409; one group has that name afterwards.

    Entra requires unique group ``displayName``; the validator creates a group twice and expects 409.
    """
    body = plain_group(s)
    s.create("Groups", body)
    expect_error(s.call("POST", "/Groups", body), 409)
    query = f'displayName eq "{body["displayName"]}"'
    expect_equal(f"totalResults of {query}", s.search("Groups", query).get("totalResults"), 1)


def group_lookup(s: Session) -> None:
    """GET /Groups?excludedAttributes=members&filter=displayName eq "<name>" finds it without members.

    Entra's first cycle looks each group up this way before creating it.
    """
    gid, body = s.new_group(s.members(1))
    query = f'displayName eq "{body["displayName"]}"'
    listing = s.search("Groups", query, params=[("excludedAttributes", "members")])
    expect_listed(listing, gid, query)
    if "members" in listing["Resources"][0]:
        raise CheckFailed("excludedAttributes=members, but the group comes back with its members")


def add_members_entra(s: Session) -> None:
    """{"op": "Add", "path": "members", "value": [{"$ref": null, "value": …}, …]}: several members, one op.

    The tutorial's member add (capitalised, ``"$ref": null``); gallery apps must accept several per op.
    """
    a, b = s.members(2)
    gid, _ = s.new_group()
    (add,) = entra.TUTORIAL_ADD_MEMBER
    s.patch(f"/Groups/{gid}", [_with_members(add, {"value": a}, {"value": b})])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), sorted([a, b]))


def add_members_okta(s: Session) -> None:
    """Okta's {"op": "add", "path": "members", "value": [{"value": …, "display": …}]} adds the member."""
    (a,) = s.members(1)
    gid, _ = s.new_group()
    (add,) = okta.ADD_MEMBER
    s.patch(f"/Groups/{gid}", [_with_members(add, {"value": a, "display": "member"})])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), [a])


def remove_members_entra(s: Session) -> None:
    """{"op": "Remove", "path": "members", "value": [{"value": …}, …]} removes only the listed members.

    Entra's member removal without the flag: the ids in the value list, the op capitalised.
    """
    a, b, c = s.members(3)
    gid, _ = s.new_group([a, b, c])
    (remove,) = entra.REMOVE_MEMBER_WITHOUT_FLAG
    s.patch(f"/Groups/{gid}", [_with_members(remove, {"value": a}, {"value": b})])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), [c])


def remove_members_entra_flag(s: Session) -> None:
    """{"op": "remove", "path": 'members[value eq "<id>"]'} with ?aadOptscim062020 removes that member."""
    a, b = s.members(2)
    gid, _ = s.new_group([a, b])
    (remove,) = entra.REMOVE_MEMBER_WITH_FLAG
    s.patch(f"/Groups/{gid}", [_removal_of(remove, a)], flag=True)
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), [b])


def remove_add_members_okta(s: Session) -> None:
    """Okta Push Groups' single PATCH: remove members[value eq "<id>"] and add two others.

    Both ops apply, in order, atomically.
    """
    a, b, c, d = s.members(4)
    gid, _ = s.new_group([a, b])
    remove, add = okta.REMOVE_AND_ADD_MEMBERS
    added = _with_members(add, {"value": c, "display": "c"}, {"value": d, "display": "d"})
    s.patch(f"/Groups/{gid}", [_removal_of(remove, a), added])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), sorted([b, c, d]))


def replace_members(s: Session) -> None:
    """{"op": "replace", "path": "members", "value": [...]} sets the whole member list.

    Sent by Okta and by Microsoft's validator.
    """
    a, b, c = s.members(3)
    gid, _ = s.new_group([a, b])
    (replace,) = okta.REPLACE_MEMBERS
    s.patch(f"/Groups/{gid}", [_with_members(replace, {"value": c, "display": "c"})])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), [c])


def _rename(s: Session, operations: Callable[[str, str], list[dict[str, Any]]]) -> None:
    (a,) = s.members(1)
    gid, _ = s.new_group([a])
    name = f"ScimCheck Group {s.run_id} {s.unique()} renamed"
    s.patch(f"/Groups/{gid}", operations(gid, name))
    stored = s.fetch(f"/Groups/{gid}")
    expect_equal("displayName", stored.get("displayName"), name)
    expect_equal("members (unchanged by the rename)", sorted(member_ids(stored)), [a])


def rename_okta(s: Session) -> None:
    """Okta's rename: a path-less replace whose value carries the group's own id next to displayName.

    The readOnly ``id`` equals the group's own and must not make the request fail.
    """
    (rename,) = okta.RENAME_GROUP
    _rename(s, lambda gid, name: [{**rename, "value": {**rename["value"], "id": gid, "displayName": name}}])


def rename_entra(s: Session) -> None:
    """The tutorial's rename: {"op": "Replace", "path": "displayName", "value": "<new name>"}."""
    (rename,) = entra.TUTORIAL_UPDATE_GROUP_NAME
    _rename(s, lambda gid, name: [{**rename, "value": name}])


def delete_group(s: Session) -> None:
    """DELETE /Groups/{id} answers 204 and the group is gone (GET 404)."""
    gid, _ = s.new_group()
    expect_status(s.call("DELETE", f"/Groups/{gid}"), 204)
    expect_status(s.call("GET", f"/Groups/{gid}"), 404)


