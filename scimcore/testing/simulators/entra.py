"""Microsoft Entra ID's provisioning service, simulated: its requests, in its order, in both of its dialects.

Each step follows Microsoft Learn's "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft
Entra ID" and "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user
provisioning service" (the facts are recorded in ``../shared/idp-traffic.md``):

- :meth:`Entra.test_connection` — ``GET /Users?filter=userName eq "<random GUID>"`` and the same for a group
  by ``displayName``: each must answer 200 with an empty ListResponse (RFC 7644 §3.4.2), never 404;
- :meth:`Entra.sync` — the initial cycle: per user a query by the matching attribute (``userName``, from the
  userPrincipalName), then ``POST /Users`` (201, with the ``id`` Entra uses from then on) or a ``PATCH`` of the
  attributes that differ (200 or 204; nothing when none does); once every user of the cycle exists, each
  changed manager: a check of the stored reference by ``filter=id eq "<user>" and manager eq "<manager>"``,
  then a ``PATCH`` of the enterprise ``manager``; per group a query with ``excludedAttributes=members``,
  ``POST /Groups`` without members, then ``PATCH`` adding the members in batches (the tutorial's ``Add``
  with ``"$ref": null``) and removing the ones no longer assigned;
- :meth:`Entra.disable`, :meth:`Entra.unassign` / :meth:`Entra.reenable` — ``PATCH active`` (an unassigned,
  soft-deleted or disabled user), as ``"False"``/``"True"`` with capitalised ops without the flag, as booleans with it;
- :meth:`Entra.delete` — ``DELETE /Users/{id}`` (204), which Entra sends 30 days after the soft delete.

Requests carry ``application/scim+json`` and no ``User-Agent`` (as Entra's often do); with ``flag=True`` (or
a tenant URL ending in ``?aadOptscim062020``) every request carries ``aadOptscim062020`` and the four
shapes the flag changes switch to their compliant form.  The payloads come from
:mod:`scimcore.check.payloads.entra`.
Must not: hold a payload, or send anything Entra does not.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from scimcore.check.names import ENTRA, Style
from scimcore.check.payloads import entra as payloads
from scimcore.testing.simulators.base import (
    Group,
    Simulator,
    StepResult,
    User,
    filled,
    filtered_removals,
    flagged,
    listed_removal,
)

#: Two of the paths Entra's default mapping updates, as its PATCH operations name them.
_EMPLOYEE_NUMBER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
_WORK_EMAIL = 'emails[type eq "work"].value'


def _current(resource: dict[str, Any], path: str) -> Any:
    """The value a user the server returned holds at one of the mapped paths (None when absent)."""
    if path == _WORK_EMAIL:
        emails = [e for e in resource.get("emails") or [] if isinstance(e, dict)]
        work = [e for e in emails if e.get("type") == "work"]
        return (work or [{}])[0].get("value")
    if path.startswith("name."):
        return (resource.get("name") or {}).get(path[5:])
    if path == _EMPLOYEE_NUMBER:
        return (resource.get(path.rsplit(":", 1)[0]) or {}).get("employeeNumber")
    return resource.get(path)


def _active(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class Entra(Simulator):
    """Microsoft Entra ID's provisioning service against one SCIM endpoint (its *Tenant URL*).

    ``flag`` says whether the Tenant URL carries ``?aadOptscim062020``; a URL target that carries it turns
    it on.  See :class:`~scimcore.testing.simulators.base.Simulator` for the other arguments.
    """

    style: Style = ENTRA
    vendor = "Entra ID"

    def __init__(self, target: Any, *, token: str, flag: bool = False, **options: Any) -> None:
        super().__init__(target, token=token, **options)
        self._flag = flag or (isinstance(target, str) and flagged(target))
        #: The manager id Entra last provisioned for each user id.
        self.manager_ids: dict[str, str] = {}

    @property
    def flag(self) -> bool:
        """Whether requests carry ``aadOptscim062020`` and use the shapes it changes."""
        return self._flag

    # -- the steps ---------------------------------------------------------------------------------------------
    def test_connection(self) -> StepResult:
        """*Test Connection*: a user and a group filtered by a random GUID, each an empty 200 ListResponse."""

        def run() -> None:
            guid = str(uuid.uuid4())
            for resource, found in (("Users", self._find_user_by(guid)), ("Groups", self._find_group(guid))):
                if found is not None:
                    raise self._fail(f"GET /{resource} filtered by a random GUID found {found['id']}")

        return self._step("test_connection", run)

    def disable(self, user: User) -> StepResult:
        """Disable ``user``: ``PATCH active`` false (``"False"`` without the flag)."""
        ops = payloads.DISABLE_WITH_FLAG if self.flag else payloads.DISABLE_WITHOUT_FLAG
        return self._step("disable", lambda: self._patch_user(user, ops))

    def unassign(self, user: User) -> StepResult:
        """Unassign ``user``: Entra soft-deletes it with :meth:`disable`'s PATCH; :meth:`delete` follows 30 days on."""
        ops = payloads.DISABLE_WITH_FLAG if self.flag else payloads.DISABLE_WITHOUT_FLAG
        return self._step("unassign", lambda: self._patch_user(user, ops))

    def reenable(self, user: User) -> StepResult:
        """Re-enable ``user``: ``PATCH active`` true; Entra does not restore its memberships."""
        ops = payloads.REENABLE_WITH_FLAG if self.flag else payloads.REENABLE_WITHOUT_FLAG
        return self._step("reenable", lambda: self._patch_user(user, ops))

    def delete(self, user: User) -> StepResult:
        """Hard-delete ``user`` (30 days after its soft delete): ``DELETE /Users/{id}``, 204."""

        def run() -> None:
            uid = self._known_user(user, self._find_user)
            self._call("DELETE", f"/Users/{uid}", expect=(204, 200))
            self._forget_user(user, uid)
            self.manager_ids.pop(uid, None)

        return self._step("delete", run)

    # -- the requests ------------------------------------------------------------------------------------------
    def _find_group(self, display_name: str) -> dict[str, Any] | None:
        expression = f'displayName eq "{display_name}"'
        return self._lookup("Groups", expression, [("excludedAttributes", "members"), ("filter", expression)])

    def _sync_users(self, users: Sequence[User]) -> None:
        """The users (query, then POST or PATCH), then their changed managers, once every one exists."""
        created = {user.user_name for user in users if self._sync_user(user)}
        for user in users:
            self._sync_manager(user, fresh=user.user_name in created)

    def _sync_user(self, user: User) -> bool:
        """Provision ``user``: True when it was created, False when an existing one was matched."""
        found = self._find_user(user)
        if found is None:
            template = payloads.TUTORIAL_CREATE_USER
            body = filled(
                template,
                externalId=user.external_id,
                userName=user.user_name,
                active=user.active,
                emails=[{**template["emails"][0], "value": user.mail}],
                name={
                    "formatted": f"{user.given_name} {user.family_name}",
                    "familyName": user.family_name,
                    "givenName": user.given_name,
                },
            )
            reply = self._call("POST", "/Users", body, expect=(201,))
            self.user_ids[user.user_name] = self._created_id(reply, f"user {user.user_name!r}")
            return True
        uid = self.user_ids[user.user_name] = str(found["id"])
        operations = self._updates(user, found)
        if operations:
            self._patch(f"/Users/{uid}", operations, expect=(200, 204))
        return False

    def _sync_manager(self, user: User, *, fresh: bool) -> None:
        """Provision a changed manager once both users exist; a known user's reference is checked first.

        Entra checks the stored reference with ``GET /Users?filter=id eq "<user>" and manager eq
        "<manager>"&attributes=id`` before it updates it; a match means nothing to send.  The manager is set
        with the bare id and a capitalised ``Add`` without the flag, ``{"value": id}`` and ``replace`` with
        it; it is cleared with ``{"value": ""}`` without the flag and a ``remove`` with it.
        """
        uid = self.user_ids[user.user_name]
        if user.manager is None:
            if uid in self.manager_ids:
                removal = payloads.MANAGER_REMOVED if self.flag else payloads.MANAGER_CLEARED
                self._patch(f"/Users/{uid}", [dict(op) for op in removal], expect=(200, 204))
                del self.manager_ids[uid]
            return
        mid = self.user_ids.get(user.manager.user_name)
        if mid is None:
            raise ValueError(f"{user.manager.user_name!r} manages {user.user_name!r} but was never synced")
        if self.manager_ids.get(uid) == mid:
            return
        if not fresh:
            expression = f'id eq "{uid}" and manager eq "{mid}"'
            if self._lookup("Users", expression, [("filter", expression), ("attributes", "id")]) is not None:
                self.manager_ids[uid] = mid
                return
        if self.flag:
            (op,) = payloads.MANAGER_OBJECT
            operation = {**op, "value": {**op["value"], "value": mid}}
        else:
            (op,) = payloads.MANAGER_BARE_STRING
            operation = {**op, "value": mid}
        self._patch(f"/Users/{uid}", [operation], expect=(200, 204))
        self.manager_ids[uid] = mid

    def _updates(self, user: User, found: dict[str, Any]) -> list[dict[str, Any]]:
        """The PATCH operations for the mapped attributes of ``user`` that differ from the server's."""
        wanted = {
            **({"displayName": user.display_name} if user.display_name else {}),
            _WORK_EMAIL: user.mail,
            "name.givenName": user.given_name,
            "name.familyName": user.family_name,
            "externalId": user.external_id,
        }
        changed = {path: value for path, value in wanted.items() if _current(found, path) != value}
        operations: list[dict[str, Any]] = []
        if self.flag:
            filtered, pathless = payloads.UPDATE_WITH_FLAG
            if _WORK_EMAIL in changed:
                operations.append({**filtered, "value": changed.pop(_WORK_EMAIL)})
            keys = {k: changed[k] for k in pathless["value"] if k in changed}
            keys |= {k: v for k, v in changed.items() if k not in keys}
            if keys:
                operations.append({**pathless, "value": keys})
        else:
            shape = payloads.UPDATE_WITHOUT_FLAG
            operations = [{**op, "value": changed[op["path"]]} for op in shape if op["path"] in changed]
        if _active(found.get("active")) != user.active:
            if user.active:
                operations += payloads.REENABLE_WITH_FLAG if self.flag else payloads.REENABLE_WITHOUT_FLAG
            else:
                operations += payloads.DISABLE_WITH_FLAG if self.flag else payloads.DISABLE_WITHOUT_FLAG
        return [dict(op) for op in operations]

    def _sync_group(self, group: Group) -> None:
        create = filled(payloads.TUTORIAL_CREATE_GROUP, externalId=group.external_id)
        self._sync_group_members(group, create, payloads.TUTORIAL_ADD_MEMBER[0], self._removals)

    def _removals(self, member_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Member removals: a value list without the flag, one ``members[value eq]`` op each with it."""
        if self.flag:
            return filtered_removals(payloads.REMOVE_MEMBER_WITH_FLAG[0], member_ids)
        return listed_removal(payloads.REMOVE_MEMBER_WITHOUT_FLAG[0], member_ids)

    def _send_rename(self, uid: str, user: User) -> None:
        """The tutorial's *Update User [Single-valued properties]*: ``Replace`` of ``userName``.

        With the flag the op name is lower-case, as every op of the flag's compliant form (*Known issues*).
        """
        (op,) = payloads.TUTORIAL_UPDATE_SINGLE_VALUED
        operation = {**op, "value": user.user_name}
        if self.flag:
            operation["op"] = str(op["op"]).lower()
        self._patch(f"/Users/{uid}", [operation], expect=(200, 204))

    def _rename_ops(self, gid: str, new_name: str) -> list[dict[str, Any]]:
        """The tutorial's *Update Group [Non-member attributes]*: ``Replace`` of ``displayName``."""
        return [{**op, "value": new_name} for op in payloads.TUTORIAL_UPDATE_GROUP_NAME]
