"""One run of ``scimcore check`` above the wire: the requests checks share, their fixtures, and the cleanup.

Owns: :class:`Session`, a :class:`~scimcore.check.wire.Wire` that also knows the run — its id and the unique
numbers its names are made of, the GET, search and PATCH every check verifies with (a resource answers 200
with a JSON object, a search a ListResponse, RFC 7644 §3.4.1, §3.4.2; a PATCH 200 or 204, §3.5.2), the users
and groups checks create as fixtures or share (members, managers), and :meth:`Session.cleanup`, which
deletes every group and user the run created (RFC 7644 §3.6).
Must not: send a request except through :meth:`~scimcore.check.wire.Wire.call`, raise out of the cleanup, or
leave behind a resource the server lets it delete.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from scimcore.check.bodies import patch_message, plain_group, plain_user
from scimcore.check.expectations import (
    CheckFailed,
    expect_list_response,
    expect_status,
    json_object,
    manager_of,
    member_ids,
    setup_prefix,
)
from scimcore.check.names import ENTERPRISE, ENTRA, USER
from scimcore.check.wire import ConnectionLost, Exchange, Wire

if TYPE_CHECKING:
    import httpx


class Session(Wire):
    """The state of one run: the HTTP client, the resources created so far, and the exchanges of the check.

    Every request goes through :meth:`call`, which records the exchange for the reports and remembers the id
    of every user or group a POST created, so that :meth:`cleanup` can delete it whatever happens.
    """

    def __init__(self, client: httpx.Client, url: str, token: str, timeout: float) -> None:
        super().__init__(client, url, token, timeout)
        self.run_id = uuid.uuid4().hex[:8]
        self._counter = 0
        self._shared: dict[str, str] = {}

    def unique(self) -> int:
        """A number no other resource of this run uses."""
        self._counter += 1
        return self._counter

    # -- requests every check verifies with ------------------------------------------------------------------
    def fetch(self, path: str, *, setup: bool = False) -> dict[str, Any]:
        """GET one resource: it must answer 200 with a JSON object."""
        reply = self.call("GET", path, setup=setup)
        expect_status(reply, 200, setup=setup)
        return json_object(reply, setup=setup)

    def search(self, resource: str, filter_: str | None, *, params: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """A GET on ``/Users`` or ``/Groups`` with a filter: it must answer 200 with a ListResponse."""
        query = ([("filter", filter_)] if filter_ is not None else []) + list(params)
        reply = self.call("GET", f"/{resource}", params=query)
        expect_status(reply, 200)
        listing = json_object(reply)
        expect_list_response(listing)
        return listing

    def patch(self, path: str, operations: list[dict[str, Any]], *, flag: bool = False) -> Exchange:
        """PATCH ``operations`` in a PatchOp message: a user or group PATCH answers 200 or 204."""
        reply = self.call("PATCH", path, patch_message(operations), flag=flag)
        expect_status(reply, 200, 204)
        return reply

    # -- resources the checks need ---------------------------------------------------------------------------
    def create(self, resource: str, body: dict[str, Any], *, setup: bool = True) -> str:
        """POST ``body`` to ``/Users`` or ``/Groups``: 201 with an ``id``, which is returned."""
        reply = self.call("POST", f"/{resource}", body, setup=setup)
        expect_status(reply, 201, setup=setup)
        created = json_object(reply, setup=setup)
        if not isinstance(created.get("id"), str) or not created["id"]:
            raise CheckFailed(setup_prefix(setup) + f"the created {resource[:-1].lower()} has no id in the answer")
        return str(created["id"])

    def new_user(self, *, manager: str | None = None) -> tuple[str, dict[str, Any]]:
        """A fresh user for one check (the plain create body), with its id; its manager verified if given."""
        body = plain_user(self)
        if manager is not None:
            body["schemas"] = [USER, ENTERPRISE]
            body[ENTERPRISE] = {"manager": {"value": manager}}
        uid = self.create("Users", body)
        if manager is not None:
            stored = manager_of(self.fetch(f"/Users/{uid}", setup=True))
            if stored != manager:
                raise CheckFailed(
                    f"setup: a user created with manager {{'value': {manager!r}}} comes back with {stored!r}"
                )
        return uid, body

    def shared_user(self, key: str) -> str:
        """A user several checks share (a group member, a manager), created once per run."""
        if key not in self._shared:
            self._shared[key] = self.create("Users", plain_user(self))
        return self._shared[key]

    def members(self, count: int) -> list[str]:
        """``count`` shared users to put in groups."""
        return [self.shared_user(f"member-{i}") for i in range(count)]

    def new_group(self, members: Iterable[str] = ()) -> tuple[str, dict[str, Any]]:
        """A fresh group for one check (the plain create body) with ``members``, verified with a GET."""
        body = plain_group(self)
        wanted = list(members)
        if wanted:
            body["members"] = [{"value": m} for m in wanted]
        gid = self.create("Groups", body)
        if wanted:
            got = member_ids(self.fetch(f"/Groups/{gid}", setup=True))
            if got != set(wanted):
                raise CheckFailed(f"setup: a group created with members {sorted(wanted)} has {sorted(got)}")
        return gid, body

    # -- cleanup ---------------------------------------------------------------------------------------------
    def cleanup(self) -> dict[str, Any]:
        """Delete every group, then every user, this run created; best-effort, never raising.

        A 404 counts as deleted (a check may have deleted it already); anything else is reported as left.
        """
        self.style = ENTRA
        deleted = {"Users": 0, "Groups": 0}
        left: list[dict[str, Any]] = []
        for resource in ("Groups", "Users"):
            for rid in self.live(resource):
                path = f"/{resource}/{rid}"
                try:
                    reply = self.call("DELETE", path)
                except (CheckFailed, ConnectionLost) as exc:
                    left.append({"resource": resource, "id": rid, "error": str(exc)})
                    continue
                if reply.status in (200, 204, 404):
                    deleted[resource] += 1
                else:
                    left.append({"resource": resource, "id": rid, "status": reply.status})
        return {"deleted": {"users": deleted["Users"], "groups": deleted["Groups"]}, "left": left}
