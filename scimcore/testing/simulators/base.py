"""What the vendor simulators share: the directory values, the verdicts, the connection and the judging.

Owns: the values a test describes its directory with (:class:`User`, :class:`Group`), the verdict of a step
(:class:`Outcome`, :class:`StepResult`), and :class:`Simulator`, what every vendor shares: the connection,
the steps every vendor has (abstract where each vendor sends its own requests), the ids the vendor
remembers (it uses the returned ``id`` from then on, RFC 7644 §3.3), the lookup by the matching attribute
(RFC 7644 §3.4.2.2, ``eq``), a cycle's shape (users, then groups and their member PATCHes in batches), and
how an answer is judged — the status the vendor expects is a success; 429 or a 5xx other than 501 (RFC
6585 §4, RFC 9110 §15.6), or no answer, a retry next cycle; anything else, or an answer the vendor cannot
read on from, a failure (Entra quarantines a job when most of its calls fail).  Lists and created
resources are read with :mod:`scimcore.check.expectations` and PATCH messages built with
:func:`scimcore.check.bodies.patch_message`, as ``scimcore check`` reads and builds them.
Must not: hold a payload (the catalogue holds them; a simulator fills in a copy), or import httpx before a
simulator is built.
"""

from __future__ import annotations

import copy
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from scimcore.check.bodies import patch_message
from scimcore.check.expectations import CheckFailed, created_id, expect_list_response, json_object
from scimcore.check.names import FLAG, Style
from scimcore.check.wire import ConnectionLost, Exchange, Wire

if TYPE_CHECKING:
    import httpx

    from scimcore.testing.client import Kind


class Outcome(StrEnum):
    """What the vendor concludes from a step's answers."""

    SUCCESS = "success"
    """Every request got the answer the vendor expects: the change is done."""
    RETRY = "retry"
    """A transient answer (429, a 5xx but 501, no answer): the vendor tries the change again next cycle."""
    FAILURE = "failure"
    """An answer the vendor cannot accept: the change fails, and many failures quarantine the job."""


@dataclass(frozen=True)
class StepResult:
    """The verdict of one simulator step, with the reason and the exchanges it took."""

    step: str
    outcome: Outcome
    reason: str = ""
    exchanges: tuple[Exchange, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the vendor would have accepted the step."""
        return self.outcome is Outcome.SUCCESS

    def render(self) -> str:
        """The verdict and every exchange of the step, as text (``>`` request lines, ``<`` response lines)."""
        lines = [f"{self.step}: {self.outcome.value}" + (f" — {self.reason}" if self.reason else "")]
        for exchange in self.exchanges:
            lines += ["  " + line for line in exchange.render()]
        return "\n".join(lines)

    def assert_success(self) -> StepResult:
        """``self`` when the vendor accepted the step; ``AssertionError`` with the whole exchange otherwise."""
        if not self.ok:
            raise AssertionError(self.render())
        return self


@dataclass
class User:
    """A user as the identity provider holds it; the simulator maps it to the vendor's attributes.

    ``user_name`` is the matching attribute (Entra fills it from the userPrincipalName, which is often not
    the mail); ``email`` defaults to ``user_name``; ``external_id`` to a fresh UUID.  ``manager`` is the
    user's manager (the enterprise extension's ``manager``, RFC 7643 §4.3), which a simulator whose vendor
    provisions it (Entra) sets once both are synced.
    """

    user_name: str
    given_name: str = "Test"
    family_name: str = "User"
    email: str | None = None
    display_name: str | None = None
    external_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    active: bool = True
    manager: User | None = None

    @property
    def mail(self) -> str:
        """The work e-mail the vendor provisions."""
        return self.email or self.user_name

    @property
    def shown_name(self) -> str:
        """The displayName the vendor provisions."""
        return self.display_name or f"{self.given_name} {self.family_name}"


@dataclass
class Group:
    """A group as the identity provider holds it: its name (the matching attribute) and its members."""

    display_name: str
    members: Sequence[User] = ()
    external_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class _Stop(Exception):
    """A step stops at the first answer the vendor does not accept."""

    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


def filled(template: Mapping[str, Any], **values: Any) -> dict[str, Any]:
    """A deep copy of the catalogue ``template`` with the top-level ``values`` in place, keys in its order.

    A key the template lacks is a ``KeyError``: a simulator never adds to a vendor's shape.
    """
    unknown = set(values) - set(template)
    if unknown:
        raise KeyError(f"the catalogue payload has no {sorted(unknown)}")
    return {**copy.deepcopy(dict(template)), **values}


def chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    """``items`` cut into runs of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def transient(status: int) -> bool:
    """Whether ``status`` is worth a retry: 429 (RFC 6585 §4) or a server error but 501 (RFC 9110 §15.6)."""
    return status == 429 or (status >= 500 and status != 501)


class Simulator(ABC):
    """What every vendor simulator shares: the connection, the ids it remembers, and judging the answers.

    ``target`` is an ASGI or WSGI app (``kind`` overrides the guess), an :class:`httpx.Client`, or the URL of
    a live server; ``base_url`` is the SCIM base of an app or a client (``http://testserver/scim/v2`` by
    default).  ``member_batch`` is how many members one group PATCH carries.  The exchanges are recorded
    as ``scimcore check`` records them, the token replaced by ``***`` even inside bodies: use a token that
    no answer contains.  Every member of a group a step syncs must be among the users synced before it
    (``ValueError`` otherwise: the vendor provisions a user before its memberships).
    """

    style: Style
    vendor: str
    #: The default of ``member_batch``.
    MEMBER_BATCH = 10

    def __init__(
        self,
        target: Any,
        *,
        token: str,
        base_url: str | None = None,
        kind: Kind | None = None,
        member_batch: int | None = None,
        timeout: float = 15.0,
    ) -> None:
        from scimcore.testing.client import TEST_HOST, connect

        if member_batch is not None and member_batch < 1:
            raise ValueError("member_batch must be at least 1")
        self._owns_client = not _is_httpx_client(target)
        if isinstance(target, str):
            client, url = connect(None, timeout=timeout), target
        elif not self._owns_client:
            client, url = target, base_url or str(target.base_url)
        else:
            client, url = connect(target, kind=kind, timeout=timeout), base_url or f"{TEST_HOST}/scim/v2"
        self.client: httpx.Client = client
        self.wire = Wire(client, url, token, timeout)
        self.wire.style = self.style
        self.member_batch = member_batch or self.MEMBER_BATCH
        self.user_ids: dict[str, str] = {}
        self.group_ids: dict[str, str] = {}
        self.group_members: dict[str, set[str]] = {}

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection the simulator opened (a client passed in stays open)."""
        if self._owns_client:
            self.client.close()

    @property
    def log(self) -> list[Exchange]:
        """Every exchange so far, in order."""
        return self.wire.log

    @property
    def flag(self) -> bool:
        """Whether requests carry Entra's ``aadOptscim062020`` (only Entra's tenant URL may)."""
        return False

    def id_of(self, user: User) -> str | None:
        """The id the server gave ``user``, as the vendor remembers it (None before it is provisioned)."""
        return self.user_ids.get(user.user_name)

    def group_id_of(self, group: Group) -> str | None:
        """The id the server gave ``group``, as the vendor remembers it."""
        return self.group_ids.get(group.display_name)

    # -- one step ----------------------------------------------------------------------------------------------
    def _step(self, name: str, body: Callable[[], None]) -> StepResult:
        start = len(self.wire.log)
        try:
            body()
        except _Stop as stop:
            return StepResult(name, stop.outcome, stop.reason, tuple(self.wire.log[start:]))
        finally:
            self.wire.trace.clear()
        return StepResult(name, Outcome.SUCCESS, "", tuple(self.wire.log[start:]))

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Sequence[tuple[str, str]] = (),
        expect: tuple[int, ...] = (200,),
    ) -> Exchange:
        """Send one request; an answer outside ``expect`` stops the step with the vendor's verdict."""
        try:
            reply = self.wire.call(method, path, body, params=params, flag=self.flag)
        except (CheckFailed, ConnectionLost) as exc:
            raise _Stop(Outcome.RETRY, str(exc)) from None
        assert reply.status is not None
        if reply.status in expect:
            return reply
        wanted = " or ".join(str(s) for s in expect)
        detail = reply.json.get("detail") if isinstance(reply.json, dict) else None
        reason = f"{method} {reply.target} answered {reply.status}, {self.vendor} expects {wanted}"
        reason += f": {detail}" if detail else ""
        raise _Stop(Outcome.RETRY if transient(reply.status) else Outcome.FAILURE, reason)

    def _patch(self, path: str, operations: list[dict[str, Any]], expect: tuple[int, ...]) -> Exchange:
        return self._call("PATCH", path, patch_message(operations), expect=expect)

    def _fail(self, reason: str) -> _Stop:
        return _Stop(Outcome.FAILURE, reason)

    def _list(self, resource: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """A GET on ``/Users`` or ``/Groups``: 200 with a ListResponse, judged as ``scimcore check`` judges it.

        The judge is :func:`scimcore.check.expectations.expect_list_response` (RFC 7644 §3.4.2).
        """
        reply = self._call("GET", f"/{resource}", params=params)
        try:
            listing = json_object(reply)
            expect_list_response(listing)
        except CheckFailed as exc:
            raise self._fail(f"GET /{resource}: {exc} (RFC 7644 §3.4.2)") from None
        return listing

    def _lookup(self, resource: str, expression: str, params: Sequence[tuple[str, str]]) -> dict[str, Any] | None:
        """The one resource a filtered GET finds, None for none; a failure for an unreadable list or several."""
        found = self._list(resource, params)
        total = found["totalResults"]
        if total == 0:
            return None
        resources = found.get("Resources")
        if not resources or not isinstance(resources[0], dict):
            raise self._fail(f"GET /{resource} counted {total} but listed no Resources (RFC 7644 §3.4.2)")
        if total > 1:
            raise self._fail(f"{total} {resource.lower()} match {expression}: {self.vendor} needs one")
        match: dict[str, Any] = resources[0]
        if not isinstance(match.get("id"), str):
            raise self._fail(f"the {resource[:-1].lower()} found for {expression} has no id")
        return match

    def _created_id(self, reply: Exchange, what: str) -> str:
        """The ``id`` of the resource a POST created (RFC 7644 §3.3): the vendor uses it from then on.

        Read by :func:`scimcore.check.expectations.created_id`, the reader ``scimcore check`` uses.
        """
        try:
            return created_id(reply)
        except CheckFailed:
            raise self._fail(f"POST {reply.target} created {what} but answered no id") from None

    def _known_user(self, user: User, find: Callable[[User], dict[str, Any] | None]) -> str:
        """The id of ``user``: the remembered one, else the one the lookup by the matching attribute finds."""
        uid = self.user_ids.get(user.user_name)
        if uid is None:
            found = find(user)
            if found is None:
                raise self._fail(f"no user {user.user_name!r} on the server: {self.vendor} has nothing to change")
            uid = self.user_ids[user.user_name] = str(found["id"])
        return uid

    # -- steps every vendor shares ------------------------------------------------------------------------------
    @abstractmethod
    def test_connection(self) -> StepResult:
        """The vendor's connection test, run when the admin saves the credentials."""

    @abstractmethod
    def disable(self, user: User) -> StepResult:
        """``user`` disabled (suspended, deactivated) in the vendor."""

    @abstractmethod
    def reenable(self, user: User) -> StepResult:
        """``user`` enabled again in the vendor."""

    @abstractmethod
    def unassign(self, user: User) -> StepResult:
        """``user``'s assignment to the application removed in the vendor."""

    @abstractmethod
    def delete(self, user: User) -> StepResult:
        """``user`` deleted in the vendor."""

    def sync(self, users: Sequence[User] = (), groups: Sequence[Group] = ()) -> StepResult:
        """One provisioning cycle: every user (the vendor's lookup, then a create or an update), then every group.

        The first cycle creates; a later one sends what changed (attributes, members added and removed).
        """

        def run() -> None:
            self._sync_users(users)
            for group in groups:
                self._sync_group(group)

        return self._step("sync", run)

    def rename_user(self, user: User, new_user_name: str) -> StepResult:
        """Rename ``user`` (a changed matching attribute, Entra's new userPrincipalName): ``user.user_name`` follows.

        The vendor sends the change to the id it remembers (RFC 7644 §3.5.1, §3.5.2), not a lookup by the
        new name, which would find nothing; ``user.email``, when unset, follows the new name too.
        """

        def run() -> None:
            uid = self._known_user(user, self._find_user)
            old = user.user_name
            user.user_name = new_user_name
            try:
                self._send_rename(uid, user)
            except _Stop:
                user.user_name = old
                raise
            del self.user_ids[old]
            self.user_ids[new_user_name] = uid

        return self._step("rename_user", run)

    def rename_group(self, group: Group, new_name: str) -> StepResult:
        """Rename ``group`` on the server with the vendor's rename PATCH; ``group.display_name`` follows.

        The group is found by its remembered id, else by its current name (RFC 7644 §3.5.2.3).
        """

        def run() -> None:
            gid = self._known_group(group)
            self._patch(f"/Groups/{gid}", self._rename_ops(gid, new_name), expect=(200, 204))
            del self.group_ids[group.display_name]
            group.display_name = new_name
            self.group_ids[new_name] = gid

        return self._step("rename_group", run)

    def delete_group(self, group: Group) -> StepResult:
        """Delete ``group``: ``DELETE /Groups/{id}``, 204 (RFC 7644 §3.6); the vendor forgets its id."""

        def run() -> None:
            gid = self._known_group(group)
            self._call("DELETE", f"/Groups/{gid}", expect=(204, 200))
            del self.group_ids[group.display_name]
            self.group_members.pop(gid, None)

        return self._step("delete_group", run)

    # -- what each vendor defines -------------------------------------------------------------------------------
    @abstractmethod
    def _sync_user(self, user: User) -> bool:
        """Provision ``user`` as the vendor does in a cycle; True when it was created."""

    @abstractmethod
    def _sync_group(self, group: Group) -> None:
        """Provision ``group`` and its members as the vendor does in a cycle."""

    @abstractmethod
    def _send_rename(self, uid: str, user: User) -> None:
        """Send the vendor's update of ``user`` (already carrying its new ``user_name``) to the id ``uid``."""

    @abstractmethod
    def _rename_ops(self, gid: str, new_name: str) -> list[dict[str, Any]]:
        """The vendor's PATCH operations renaming the group ``gid`` to ``new_name``."""

    def _sync_users(self, users: Sequence[User]) -> None:
        for user in users:
            self._sync_user(user)

    # -- requests every vendor shares ----------------------------------------------------------------------------
    def _find_user(self, user: User) -> dict[str, Any] | None:
        """The user the vendor's lookup by the matching attribute finds: ``filter=userName eq "x"``."""
        return self._find_user_by(user.user_name)

    def _find_user_by(self, user_name: str) -> dict[str, Any] | None:
        expression = f'userName eq "{user_name}"'
        return self._lookup("Users", expression, [("filter", expression)])

    def _create_or_replace(self, user: User, create: Mapping[str, Any], replace: Callable[[str], Any]) -> bool:
        """Look ``user`` up; POST ``create`` when absent (True), else PUT ``replace(id)`` (RFC 7644 §3.5.1)."""
        found = self._find_user(user)
        if found is None:
            reply = self._call("POST", "/Users", create, expect=(201,))
            self.user_ids[user.user_name] = self._created_id(reply, f"user {user.user_name!r}")
            return True
        uid = self.user_ids[user.user_name] = str(found["id"])
        self._call("PUT", f"/Users/{uid}", replace(uid), expect=(200,))
        return False

    def _patch_user(self, user: User, operations: Sequence[Mapping[str, Any]]) -> None:
        """PATCH ``operations`` (copies) to ``user``, found first when its id is not remembered."""
        uid = self._known_user(user, self._find_user)
        self._patch(f"/Users/{uid}", [dict(op) for op in operations], expect=(200, 204))

    def _find_group(self, display_name: str) -> dict[str, Any] | None:
        """The group the vendor's lookup by ``displayName`` finds (RFC 7644 §3.4.2.2, ``eq``)."""
        expression = f'displayName eq "{display_name}"'
        return self._lookup("Groups", expression, [("filter", expression)])

    def _known_group(self, group: Group) -> str:
        """The id of ``group``: the remembered one, else the one the lookup by its name finds."""
        gid = self.group_ids.get(group.display_name)
        if gid is None:
            found = self._find_group(group.display_name)
            if found is None:
                raise self._fail(f"no group {group.display_name!r} on the server: {self.vendor} has nothing to change")
            gid = self.group_ids[group.display_name] = str(found["id"])
        return gid

    def _group_delta(
        self, group: Group, create: Mapping[str, Any], *, create_empty: bool = True
    ) -> tuple[str, set[str], list[str], list[str]] | None:
        """Look ``group`` up by name and POST ``create`` without members when absent (RFC 7644 §3.3).

        Returns the group's id, the member ids the vendor knows it has, and the ids to add and to remove;
        None when the group is absent, has no members and ``create_empty`` is False.
        """
        members = self._member_ids(group)
        found = self._find_group(group.display_name)
        if found is None:
            if not members and not create_empty:
                return None
            body = filled(create, displayName=group.display_name)
            reply = self._call("POST", "/Groups", body, expect=(201,))
            gid = self._created_id(reply, f"group {group.display_name!r}")
            self.group_members[gid] = set()
        else:
            gid = str(found["id"])
        self.group_ids[group.display_name] = gid
        known = self.group_members.setdefault(gid, set())
        return gid, known, [m for m in members if m not in known], sorted(known - set(members))

    def _sync_group_members(
        self,
        group: Group,
        create: Mapping[str, Any],
        add: Mapping[str, Any],
        remove: Callable[[Sequence[str]], list[dict[str, Any]]],
        *,
        create_empty: bool = True,
    ) -> None:
        """Look ``group`` up by name, POST ``create`` without members when absent, then PATCH its members.

        Additions go ``member_batch`` to a request in the shape of ``add`` (a catalogue ``add`` of
        ``members`` whose value list is replaced); removals, in batches too, in the operations ``remove``
        builds for a batch of ids.  ``create_empty=False`` sends nothing for an absent group without
        members (a vendor that does not create empty groups).
        """
        delta = self._group_delta(group, create, create_empty=create_empty)
        if delta is None:
            return
        gid, known, added, removed = delta
        entry = add["value"][0]
        for batch in chunks(added, self.member_batch):
            self._patch(f"/Groups/{gid}", [{**add, "value": [{**entry, "value": m} for m in batch]}], (204, 200))
            known.update(batch)
        for batch in chunks(removed, self.member_batch):
            self._patch(f"/Groups/{gid}", remove(batch), expect=(204, 200))
            known.difference_update(batch)

    def _forget_user(self, user: User, uid: str) -> None:
        """Forget a deleted user's id and its memberships, as the vendor does after a DELETE."""
        self.user_ids.pop(user.user_name, None)
        for members in self.group_members.values():
            members.discard(uid)

    def _member_ids(self, group: Group) -> list[str]:
        ids: list[str] = []
        for member in group.members:
            uid = self.user_ids.get(member.user_name)
            if uid is None:
                raise ValueError(f"{member.user_name!r} is a member of {group.display_name!r} but was never synced")
            ids.append(uid)
        return ids


def _is_httpx_client(target: Any) -> bool:
    try:
        import httpx
    except ImportError:  # pragma: no cover - the testing extra brings httpx
        return False
    return isinstance(target, httpx.Client)


def filtered_removals(template: Mapping[str, Any], member_ids: Sequence[str]) -> list[dict[str, Any]]:
    """One catalogue ``remove`` of ``members[value eq "<id>"]`` per id, the example id replaced (RFC 7644 §3.5.2.2)."""
    example = str(template["path"]).split('"')[1]
    return [{**template, "path": str(template["path"]).replace(example, m)} for m in member_ids]


def listed_removal(template: Mapping[str, Any], member_ids: Sequence[str]) -> list[dict[str, Any]]:
    """One catalogue ``remove`` of ``members`` whose value list names ``member_ids`` (Entra's form without its flag)."""
    entry = template["value"][0]
    return [{**template, "value": [{**entry, "value": m} for m in member_ids]}]


def flagged(url: str) -> bool:
    """Whether a tenant URL carries Entra's ``aadOptscim062020`` flag in its query."""
    return FLAG in url.partition("?")[2]

