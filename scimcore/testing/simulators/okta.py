"""Okta's SCIM 2.0 provisioning, simulated: its requests, in its order, with its headers.

Each step follows Okta's "SCIM 2.0 protocol reference" (the facts are recorded in
``../shared/idp-traffic.md``):

- :meth:`Okta.test_connection` — the credentials test, ``GET /Users?startIndex=1&count=2`` (a constant
  ``count=2``, as Okta's own SPEC test suite "Test API Credentials" sends it): 200 with ``itemsPerPage``,
  ``startIndex`` and ``totalResults`` as integers (RFC 7644 §3.4.2);
- :meth:`Okta.sync` — per user ``GET /Users?filter=userName eq "x"&startIndex=1&count=100``, then ``POST
  /Users`` (201, with ``password``, ``locale`` and ``groups: []``) or a ``PUT`` of the whole user (RFC 7644
  §3.5.1, 200); per pushed group ``GET /Groups?filter=displayName eq "x"&startIndex=1&count=100``, ``POST
  /Groups`` with ``members: []``, then ``PATCH`` membership — the removals by ``members[value eq "<id>"]`` and
  the additions as ``{"value", "display"}`` lists in one request, the additions in batches;
- :meth:`Okta.disable` / :meth:`Okta.reenable` — ``PATCH {"op": "replace", "value": {"active": ...}}``;
- :meth:`Okta.unassign` and :meth:`Okta.delete` — Okta never deletes a user: unassigning or deleting it in
  Okta deactivates it, the same PATCH.

Requests carry ``Content-Type: application/json`` and ``User-Agent: Okta SCIM Client 1.0.0``.  The payloads
come from :mod:`scimcore.check.payloads.okta`.
Must not: hold a payload, or send anything Okta does not (no DELETE of a user).
"""

from __future__ import annotations

from typing import Any

from scimcore.check.names import OKTA, Style
from scimcore.check.payloads import okta as payloads
from scimcore.testing.simulators.base import Group, Simulator, StepResult, User, chunks, filled, filtered_removals

#: Okta's page: it looks up and imports by pages of 100.
PAGE = [("startIndex", "1"), ("count", "100")]
#: The page of Okta's credentials test: ``count=2``, a constant.
CREDENTIALS_TEST = [("startIndex", "1"), ("count", "2")]


class Okta(Simulator):
    """Okta's SCIM 2.0 provisioning (with Push Groups) against one SCIM base URL.

    See :class:`~scimcore.testing.simulators.base.Simulator` for the arguments.
    """

    style: Style = OKTA
    vendor = "Okta"

    # -- the steps ---------------------------------------------------------------------------------------------
    def test_connection(self) -> StepResult:
        """The credentials test: ``GET /Users?startIndex=1&count=2``, 200 with integer paging numbers."""

        def run() -> None:
            reply = self._call("GET", "/Users", params=CREDENTIALS_TEST)
            page = reply.json if isinstance(reply.json, dict) else {}
            for name in ("itemsPerPage", "startIndex", "totalResults"):
                value = page.get(name)
                if not isinstance(value, int) or isinstance(value, bool):
                    raise self._fail(f"GET /Users answered {name}={value!r}: Okta needs an integer")

        return self._step("test_connection", run)

    def disable(self, user: User) -> StepResult:
        """Deactivate ``user``: ``PATCH {"op": "replace", "value": {"active": false}}``."""
        return self._step("disable", lambda: self._patch_user(user, payloads.DEACTIVATE))

    def reenable(self, user: User) -> StepResult:
        """Reactivate ``user``: ``PATCH {"op": "replace", "value": {"active": true}}``."""
        return self._step("reenable", lambda: self._patch_user(user, payloads.REACTIVATE))

    def unassign(self, user: User) -> StepResult:
        """Unassign ``user`` from the application: Okta deactivates it (the :meth:`disable` PATCH), no DELETE."""
        return self._step("unassign", lambda: self._patch_user(user, payloads.DEACTIVATE))

    def delete(self, user: User) -> StepResult:
        """Delete ``user`` in Okta: Okta deactivates it on the server and sends no DELETE."""
        return self._step("delete", lambda: self._patch_user(user, payloads.DEACTIVATE))

    # -- the requests ------------------------------------------------------------------------------------------
    def _find_user(self, user: User) -> dict[str, Any] | None:
        expression = f'userName eq "{user.user_name}"'
        return self._lookup("Users", expression, [("filter", expression), *PAGE])

    def _sync_user(self, user: User) -> bool:
        name = {"givenName": user.given_name, "familyName": user.family_name}
        create = payloads.CREATE_USER
        body = filled(
            create,
            userName=user.user_name,
            name=name,
            emails=[{**create["emails"][0], "value": user.mail}],
            displayName=user.shown_name,
            externalId=user.external_id,
            active=user.active,
        )
        return self._create_or_replace(user, body, lambda uid: self._put_body(uid, user))

    def _put_body(self, uid: str, user: User) -> dict[str, Any]:
        """The reference's PUT of the whole user, its ``id`` inside."""
        put = payloads.PUT_USER
        return filled(
            put,
            id=uid,
            userName=user.user_name,
            name={**put["name"], "givenName": user.given_name, "familyName": user.family_name},
            emails=[{**put["emails"][0], "value": user.mail, "display": user.mail}],
            active=user.active,
        )

    def _send_rename(self, uid: str, user: User) -> None:
        """A renamed user: the PUT of the whole user with its new ``userName``."""
        self._call("PUT", f"/Users/{uid}", self._put_body(uid, user), expect=(200,))

    def _find_group(self, display_name: str) -> dict[str, Any] | None:
        expression = f'displayName eq "{display_name}"'
        return self._lookup("Groups", expression, [("filter", expression), *PAGE])

    def _rename_ops(self, gid: str, new_name: str) -> list[dict[str, Any]]:
        """The reference's group rename: a path-less ``replace`` carrying the group's own ``id``."""
        (op,) = payloads.RENAME_GROUP
        return [{**op, "value": {**op["value"], "id": gid, "displayName": new_name}}]

    def _sync_group(self, group: Group) -> None:
        """Push Groups: lookup, POST with ``members: []``, then removals and additions in one PATCH."""
        delta = self._group_delta(group, payloads.CREATE_GROUP)
        if delta is None:  # not reached: Okta pushes empty groups too
            return
        gid, known, added, removed = delta
        shown = {self.user_ids[m.user_name]: m.user_name for m in group.members}
        remove, add = payloads.REMOVE_AND_ADD_MEMBERS
        removals = filtered_removals(remove, removed)
        batches = chunks(added, self.member_batch) or [[]]
        for batch in batches:
            entry = add["value"][0]
            ops = removals + (
                [{**add, "value": [{**entry, "value": m, "display": shown[m]} for m in batch]}] if batch else []
            )
            if ops:
                self._patch(f"/Groups/{gid}", ops, expect=(204, 200))
            known.difference_update(removed)
            known.update(batch)
            removals = []
