"""JumpCloud's SCIM provisioning, simulated: the requests of its *Custom SCIM Identity Management* integration.

Each step follows JumpCloud's "Identity Management using a Custom SCIM Integration" and the attribute and
group-management tables of its pre-built SCIM integrations; the payloads come from
:mod:`scimcore.check.payloads.jumpcloud`, whose docstring names the pages.  Where JumpCloud's documentation
is silent, the step sends the plain RFC 7644 request and ``docs/reference/simulators.md`` says so:

- :meth:`JumpCloud.test_connection` — the connection test creates a test user (the *Test User Email*) and
  a test group, then deletes both; a server without user DELETE (405 or 501) gets the test user
  deactivated instead;
- :meth:`JumpCloud.sync` — per user a lookup ``GET /Users?filter=userName eq "x"``, then ``POST /Users``
  (201) or ``PUT /Users/{id}`` of the whole mapped user (200, RFC 7644 §3.5.1); per group bound to the
  app a lookup by ``displayName`` (an existing group of that name is taken over), ``POST /Groups`` without
  members — never for a group without members, which JumpCloud does not create — then ``PATCH`` adding
  members and removing them with a value list;
- :meth:`JumpCloud.disable`, :meth:`JumpCloud.unassign` / :meth:`JumpCloud.reenable` — the deprovisioning
  that sets a user inactive (a user that leaves every bound group), and its reversal: ``PUT`` of the user
  with ``active`` false / true;
- :meth:`JumpCloud.delete` — ``DELETE /Users/{id}``; :meth:`JumpCloud.delete_group` — ``DELETE
  /Groups/{id}`` for a managed group deleted in JumpCloud; :meth:`JumpCloud.rename_group` — a rename.

Requests carry ``application/scim+json`` and no vendor ``User-Agent`` (JumpCloud documents neither).
Must not: hold a payload, or create a group without members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scimcore.check.names import GENERIC, Style
from scimcore.check.payloads import jumpcloud as payloads
from scimcore.testing.simulators.base import Group, Simulator, StepResult, User, filled, listed_removal

#: The answers with which a server says it has no user DELETE (RFC 9110 §15.5.6, §15.6.2).
_NO_DELETE = (405, 501)


class JumpCloud(Simulator):
    """JumpCloud's SCIM 2.0 identity management against one Base URL.

    ``test_user_email`` is the *Test User Email* of the connection test (the e-mail of an existing
    JumpCloud user).  See :class:`~scimcore.testing.simulators.base.Simulator` for the other arguments.
    """

    style: Style = GENERIC
    vendor = "JumpCloud"

    def __init__(
        self, target: Any, *, token: str, test_user_email: str = "scim.test@umbrella.example", **options: Any
    ) -> None:
        super().__init__(target, token=token, **options)
        self.test_user_email = test_user_email

    # -- the steps ---------------------------------------------------------------------------------------------
    def test_connection(self) -> StepResult:
        """Create a test user and a test group, then delete both (deactivate the user without user DELETE)."""

        def run() -> None:
            test_user = User(self.test_user_email, given_name="SCIM", family_name="Test")
            reply = self._call("POST", "/Users", self._body(test_user), expect=(201,))
            uid = self._created_id(reply, "the test user")
            reply = self._call("POST", "/Groups", dict(payloads.TEST_GROUP), expect=(201,))
            gid = self._created_id(reply, "the test group")
            self._call("DELETE", f"/Groups/{gid}", expect=(204, 200))
            deleted = self._call("DELETE", f"/Users/{uid}", expect=(204, 200, *_NO_DELETE))
            if deleted.status in _NO_DELETE:
                self._call("PUT", f"/Users/{uid}", self._body(test_user, active=False), expect=(200,))

        return self._step("test_connection", run)

    def disable(self, user: User) -> StepResult:
        """Deactivate ``user``: ``PUT`` of the whole user with ``active`` false."""
        return self._step("disable", lambda: self._put_active(user, False))

    def unassign(self, user: User) -> StepResult:
        """``user`` left every group bound to the app: JumpCloud deactivates it (the :meth:`disable` PUT)."""
        return self._step("unassign", lambda: self._put_active(user, False))

    def reenable(self, user: User) -> StepResult:
        """Reactivate ``user``: ``PUT`` of the whole user with ``active`` true."""
        return self._step("reenable", lambda: self._put_active(user, True))

    def delete(self, user: User) -> StepResult:
        """Delete ``user`` in JumpCloud: ``DELETE /Users/{id}``, 204."""

        def run() -> None:
            uid = self._known_user(user, self._find_user)
            self._call("DELETE", f"/Users/{uid}", expect=(204, 200))
            self._forget_user(user, uid)

        return self._step("delete", run)

    # -- the requests ------------------------------------------------------------------------------------------
    def _body(self, user: User, *, active: bool | None = None) -> dict[str, Any]:
        """The catalogue user with ``user``'s mapped attributes: the body of the POST and of every PUT."""
        return filled(
            payloads.USER,
            userName=user.user_name,
            externalId=user.external_id,
            name={"givenName": user.given_name, "familyName": user.family_name},
            displayName=user.shown_name,
            emails=[{**payloads.USER["emails"][0], "value": user.mail}],
            active=user.active if active is None else active,
        )

    def _sync_user(self, user: User) -> bool:
        """The lookup by ``userName``, then a POST or a PUT of the whole mapped user."""
        return self._create_or_replace(user, self._body(user), lambda uid: self._body(user))

    def _sync_group(self, group: Group) -> None:
        """A bound group with members (an empty one is not created), then its member PATCHes."""
        self._sync_group_members(
            group, payloads.CREATE_GROUP, payloads.ADD_MEMBERS[0], self._removals, create_empty=False
        )

    def _put_active(self, user: User, active: bool) -> None:
        uid = self._known_user(user, self._find_user)
        self._call("PUT", f"/Users/{uid}", self._body(user, active=active), expect=(200,))

    def _removals(self, member_ids: Sequence[str]) -> list[dict[str, Any]]:
        return listed_removal(payloads.REMOVE_MEMBERS[0], member_ids)

    def _send_rename(self, uid: str, user: User) -> None:
        """A renamed user: the PUT of its whole body with the new ``userName`` (not documented: see the reference)."""
        self._call("PUT", f"/Users/{uid}", self._body(user), expect=(200,))

    def _rename_ops(self, gid: str, new_name: str) -> list[dict[str, Any]]:
        return [{**op, "value": new_name} for op in payloads.RENAME_GROUP]
