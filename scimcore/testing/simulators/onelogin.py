"""OneLogin's SCIM provisioning, simulated: its *SCIM Provisioner with SAML (SCIM v2 Enterprise)* app's requests.

Each step follows what OneLogin documents of the app (its Configuration and Provisioning tabs, recorded in
``docs/how-to/onelogin.md``) and the app's default *SCIM JSON Template*; the payloads come from
:mod:`scimcore.check.payloads.onelogin`, whose docstring names the pages.  Where OneLogin's documentation is
silent, the step sends the plain RFC 7644 request and ``docs/reference/simulators.md`` says so:

- :meth:`OneLogin.test_connection` — *API Connection → Enable* calls the endpoint once; OneLogin does not
  document the request, so the simulator sends the RFC 7644 §3.4.2 list request ``GET /Users`` and expects
  200 with a ListResponse;
- :meth:`OneLogin.sync` — per user a lookup ``GET /Users?filter=userName eq "x"`` (the *SCIM Username*),
  then ``POST /Users`` with the template (201) or ``PUT /Users/{id}`` with the template (200, RFC 7644
  §3.5.1); per group (a value of the *Groups* parameter) a lookup by ``displayName``, ``POST /Groups``
  without members, then ``PATCH`` adding and removing members (RFC 7644 §3.5.2);
- :meth:`OneLogin.disable` / :meth:`OneLogin.reenable` — a suspension: ``PATCH`` of ``active``;
- :meth:`OneLogin.unassign` — what the Provisioning tab says to do when app access is removed:
  ``DELETE /Users/{id}`` (``deprovision="delete"``, the default) or the suspension PATCH
  (``deprovision="suspend"``); :meth:`OneLogin.delete` — a user deleted in OneLogin, the same choice;
- :meth:`OneLogin.delete_group` — nothing: OneLogin sends nothing when a group is deleted on its side.

Requests carry ``application/scim+json`` and no vendor ``User-Agent`` (OneLogin documents neither).
Must not: hold a payload, or send a request OneLogin is documented not to send (a group DELETE).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from scimcore.check.names import GENERIC, Style
from scimcore.check.payloads import onelogin as payloads
from scimcore.testing.simulators.base import Group, Simulator, StepResult, User, filled, filtered_removals

#: What OneLogin does to a user whose app access is removed or who is deleted in OneLogin (Provisioning tab).
Deprovision = Literal["delete", "suspend"]

_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class OneLogin(Simulator):
    """OneLogin's SCIM v2 Enterprise provisioning against one SCIM Base URL.

    ``deprovision`` is the app's Provisioning-tab choice for a user whose access is removed or who is
    deleted in OneLogin: ``"delete"`` (the default) sends ``DELETE /Users/{id}``, ``"suspend"`` the
    suspension PATCH.  ``department`` fills the template's enterprise ``department``.  See
    :class:`~scimcore.testing.simulators.base.Simulator` for the other arguments.
    """

    style: Style = GENERIC
    vendor = "OneLogin"

    def __init__(
        self, target: Any, *, token: str, deprovision: Deprovision = "delete", department: str = "", **options: Any
    ) -> None:
        if deprovision not in ("delete", "suspend"):
            raise ValueError('deprovision must be "delete" or "suspend"')
        super().__init__(target, token=token, **options)
        self.deprovision: Deprovision = deprovision
        self.department = department

    # -- the steps ---------------------------------------------------------------------------------------------
    def test_connection(self) -> StepResult:
        """*API Connection → Enable*: one call to the endpoint, here ``GET /Users``, answered with a ListResponse."""
        return self._step("test_connection", lambda: self._list_users())

    def disable(self, user: User) -> StepResult:
        """Suspend ``user``: ``PATCH`` of ``active`` false."""
        return self._step("disable", lambda: self._patch_user(user, payloads.SUSPEND))

    def reenable(self, user: User) -> StepResult:
        """Reactivate a suspended ``user``: ``PATCH`` of ``active`` true."""
        return self._step("reenable", lambda: self._patch_user(user, payloads.REACTIVATE))

    def unassign(self, user: User) -> StepResult:
        """Remove ``user``'s app access: ``DELETE /Users/{id}``, or the suspension with ``deprovision="suspend"``."""
        return self._step("unassign", lambda: self._deprovision(user))

    def delete(self, user: User) -> StepResult:
        """Delete ``user`` in OneLogin: the Provisioning tab's choice, as :meth:`unassign`."""
        return self._step("delete", lambda: self._deprovision(user))

    def delete_group(self, group: Group) -> StepResult:
        """Delete ``group`` in OneLogin: OneLogin sends nothing, the group stays on the server."""

        def run() -> None:
            gid = self.group_ids.pop(group.display_name, None)
            if gid is not None:
                self.group_members.pop(gid, None)

        return self._step("delete_group", run)

    # -- the requests ------------------------------------------------------------------------------------------
    def _list_users(self) -> None:
        self._list("Users", [])

    def _body(self, user: User) -> dict[str, Any]:
        template = payloads.USER
        return filled(
            template,
            userName=user.user_name,
            name={"familyName": user.family_name, "givenName": user.given_name},
            emails=[{**template["emails"][0], "value": user.mail}],
            **{_ENTERPRISE: {**template[_ENTERPRISE], "department": self.department}},
        )

    def _sync_user(self, user: User) -> bool:
        """The lookup by the SCIM Username, then a POST or a PUT of the template."""
        return self._create_or_replace(user, self._body(user), lambda uid: self._body(user))

    def _sync_group(self, group: Group) -> None:
        self._sync_group_members(group, payloads.CREATE_GROUP, payloads.ADD_MEMBERS[0], self._removals)

    def _deprovision(self, user: User) -> None:
        if self.deprovision == "suspend":
            self._patch_user(user, payloads.SUSPEND)
            return
        uid = self._known_user(user, self._find_user)
        self._call("DELETE", f"/Users/{uid}", expect=(204, 200))
        self._forget_user(user, uid)

    def _removals(self, member_ids: Sequence[str]) -> list[dict[str, Any]]:
        return filtered_removals(payloads.REMOVE_MEMBER[0], member_ids)

    def _send_rename(self, uid: str, user: User) -> None:
        """A renamed user: the PUT of its whole body with the new ``userName`` (not documented: see the reference)."""
        self._call("PUT", f"/Users/{uid}", self._body(user), expect=(200,))

    def _rename_ops(self, gid: str, new_name: str) -> list[dict[str, Any]]:
        return [{**op, "value": new_name} for op in payloads.RENAME_GROUP]
