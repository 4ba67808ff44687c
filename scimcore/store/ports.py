"""Every storage port of scimcore, with the records that cross it.

Three ports, each a small typed protocol a store may implement on its own:

- :class:`Store` — resources (RFC 7643 documents per resource type and directory): get, search, create,
  replace, member changes in O(members changed), delete, and the reverse look-ups for ``User.groups``;
- :class:`Outbox` and :class:`EventLog` — the events a store writes in the same transaction as the change
  they describe, their delivery bookkeeping, and the log a host application pages through;
- :class:`DirectoryStore` — customer directories and the digests of their bearer tokens.

Beside them, optional ports a store may claim: :class:`SigningKeys` (the keys that sign a directory's
Security Event Tokens) and :class:`PolledOutbox` (a directory's events handed to an RFC 8936 poller).

A store keeps canonical documents (see :mod:`scimcore.schema.documents`), enforces uniqueness and optimistic
concurrency, and never sees HTTP, renders responses or decides protocol rules: ids, timestamps and versions
arrive already set by the service.  Owns: the protocols and records.  Must not: hold an implementation;
:mod:`scimcore.store.memory` and :mod:`scimcore.store.sql` are the shipped ones.

Every store — the shipped ones and yours — proves the ports it claims with the contract suites in
:mod:`scimcore.testing` (``StoreContract``, ``OutboxContract``, ``DirectoryStoreContract``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from scimcore.events import Event, StoredEvent, occurred_epoch
from scimcore.filter.ast import Expr, Path
from scimcore.schema.registry import AttributeDef, ResourceTypeDef

Document = dict[str, Any]
DEFAULT_DIRECTORY = "default"

MemberEvents = Callable[[list[str], list[str], Document], Sequence[Event]]
"""Builds the events of a member change from (added, removed, the group's new document without members)."""

DeleteEvents = Callable[[Document, list["MemberRef"]], Sequence[Event]]
"""Builds the events of a deletion from (the deleted document, the groups it was removed from)."""


@dataclass(frozen=True, slots=True)
class Query:
    """A collection query (RFC 7644 §3.4.2): filter, sort and a page by index or by cursor.

    ``start_index`` is 1-based; ``count`` ``None`` means "no limit" and ``0`` asks only for the total.
    ``after`` asks for cursor paging (RFC 9865): ``""`` for the first page, otherwise a position the store
    returned as :attr:`Page.next_after`; ``start_index`` is ignored then.  ``omit`` names top-level
    attributes the caller will not return, so the store need not read them (``members`` above all).
    ``with_groups`` says the caller will render ``User.groups`` (RFC 7643 §4.1.2): a store that can read the
    groups of the page's resources along with the page (on the same connection, say) may return them as
    :attr:`Page.groups`.
    """

    filter: Expr | None = None
    sort_by: Path | None = None
    descending: bool = False
    start_index: int = 1
    count: int | None = None
    omit: frozenset[str] = field(default_factory=frozenset)
    after: str | None = None
    with_groups: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query: the number of matches overall and the documents of this page.

    For cursor queries ``next_after`` is the store's position after this page, or ``None`` on the last page;
    ``before`` is the position of the page before this one (``""`` for the first page), or ``None`` when
    this is the first page.  ``groups``, when not ``None``, holds the groups of every resource of the page
    (see :attr:`Query.with_groups`); ``None`` leaves the caller to ask :meth:`Store.groups_of_many`.
    """

    total: int
    resources: list[Document]
    next_after: str | None = None
    before: str | None = None
    groups: dict[str, list[MemberRef]] | None = None


def offset_position(query: Query) -> int:
    """The 0-based offset a query starts at: from its cursor position (``o:<n>``) or its start index."""
    if query.after is None:
        return max(query.start_index, 1) - 1
    if query.after == "":
        return 0
    kind, _, number = query.after.partition(":")
    if kind != "o" or not number.isdigit():
        raise ValueError(f"not a position: {query.after!r}")
    return int(number)


def cursor_page(query: Query, total: int, start: int, resources: list[Document]) -> Page:
    """A page with offset cursors (``o:<n>``) filled in when the query asked for cursor paging."""
    if query.after is None:
        return Page(total, resources)
    end = start + len(resources)
    following = f"o:{end}" if end < total and resources else None
    previous = None
    if start > 0:
        step = query.count if query.count else len(resources) or 1
        previous = f"o:{max(start - step, 0)}"
    return Page(total, resources, following, previous)


@dataclass(frozen=True, slots=True)
class MemberRef:
    """One group a member belongs to, for the computed ``User.groups`` (RFC 7643 §4.1.2)."""

    group_id: str
    display: str | None


@runtime_checkable
class Store(Protocol):
    """The storage port.  ``blocking`` tells async adapters to call it from a worker thread."""

    blocking: bool

    def get(
        self, rtype: ResourceTypeDef, resource_id: str, *, directory: str = ..., omit: frozenset[str] = ...
    ) -> Document | None:
        """The document with ``resource_id``, or ``None``; attributes in ``omit`` may be left out."""
        ...

    def search(self, rtype: ResourceTypeDef, query: Query, *, directory: str = ...) -> Page:
        """The documents matching ``query.filter``, sorted and paged; ``total`` counts every match."""
        ...

    def create(
        self, rtype: ResourceTypeDef, doc: Document, *, directory: str = ..., events: Sequence[Event] = ...
    ) -> None:
        """Store a new document; raise :class:`~scimcore.errors.Uniqueness` when a unique value is taken.

        ``events`` go to the outbox in the same transaction: all of it happens, or none.
        """
        ...

    def replace(
        self,
        rtype: ResourceTypeDef,
        doc: Document,
        expected_version: str,
        *,
        directory: str = ...,
        events: Sequence[Event] = ...,
    ) -> None:
        """Replace the document with ``doc["id"]`` if its version is still ``expected_version``.

        Raise :class:`~scimcore.errors.NotFound` if it is gone, :class:`~scimcore.errors.PreconditionFailed`
        if the version moved on, :class:`~scimcore.errors.Uniqueness` if a unique value is taken.
        """
        ...

    def change_members(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        add: Iterable[Mapping[str, Any]],
        remove: Iterable[str],
        next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        expected_version: str | None,
        *,
        directory: str = ...,
        events: MemberEvents | None = ...,
    ) -> tuple[list[str], list[str]]:
        """Add and remove group members in O(changed); return the (added, removed) member values.

        Members already present are not added again, absent ones not removed.  When something changed, the
        document's ``meta`` becomes ``next_meta(current meta)``, computed while the group is locked, so
        concurrent member changes without ``If-Match`` never conflict; when nothing changed, the document
        and its ``meta`` stay as they are.  ``expected_version`` (from ``If-Match``) is checked when given.
        """
        ...

    def delete(
        self,
        rtype: ResourceTypeDef,
        resource_id: str,
        expected_version: str | None,
        *,
        directory: str = ...,
        next_meta: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = ...,
        events: DeleteEvents | None = ...,
    ) -> list[MemberRef]:
        """Delete a document and every membership that points at it; return the groups it was removed from.

        Each such group's ``meta`` becomes ``next_meta(its meta)`` in the same transaction, so its version
        moves on with its member list (RFC 7644 §3.14).
        """
        ...

    def groups_of(self, member_id: str, *, directory: str = ...) -> list[MemberRef]:
        """The groups that list ``member_id`` among their members."""
        ...

    def groups_of_many(self, member_ids: Iterable[str], *, directory: str = ...) -> dict[str, list[MemberRef]]:
        """:meth:`groups_of` for many members at once (a page of users); every id gets an entry."""
        ...

    def resource_types_of(self, ids: Iterable[str], *, directory: str = ...) -> dict[str, str]:
        """For each of ``ids`` that names a stored resource, the name of its resource type."""
        ...


def unique_attributes(rtype: ResourceTypeDef) -> list[AttributeDef]:
    """Top-level core attributes a store must keep unique per directory (``uniqueness`` server/global)."""
    return [
        attr
        for attr in rtype.schema.attributes.values()
        if attr.uniqueness in ("server", "global") and not attr.multi_valued and not attr.is_complex
    ]


# -- the event outbox and event log ---------------------------------------------------------------
@runtime_checkable
class Outbox(Protocol):
    """Delivery bookkeeping of the events a store wrote with its changes."""

    def claim_events(
        self, now: float, limit: int, lease_seconds: float, *, exclude: Collection[str] = ()
    ) -> list[StoredEvent]:
        """Lease up to ``limit`` due pending events, at most the oldest one per resource key.

        Events of the directories in ``exclude`` are left alone (the dispatcher's busy or backing-off ones).
        """
        ...

    def mark_delivered(self, seq: int) -> None:
        """Record a successful delivery."""
        ...

    def mark_failed(self, seq: int, error: str, retry_at: float | None) -> None:
        """Record a failed attempt; ``retry_at`` ``None`` dead-letters the event."""
        ...


def member_change(
    add: Iterable[Mapping[str, Any]], remove: Iterable[str]
) -> tuple[dict[str, Mapping[str, Any]], list[str]]:
    """What a :meth:`Store.change_members` call asks for: the members to add by value, the values to remove.

    A value both added and removed counts as added; each removal is listed once, in the order first named.
    """
    additions = {item["value"]: item for item in add}
    return additions, [v for v in dict.fromkeys(remove) if v not in additions]


@runtime_checkable
class GroupedGet(Protocol):
    """A resource with its groups in one read (optional; the service uses it to render ``User.groups``)."""

    def get_with_groups(
        self, rtype: ResourceTypeDef, resource_id: str, *, directory: str = ..., omit: frozenset[str] = ...
    ) -> tuple[Document, list[MemberRef]] | None:
        """What :meth:`Store.get` and :meth:`Store.groups_of` give for ``resource_id``, read together."""
        ...


SUMMARY_KEYS = ("userName", "displayName", "externalId")
"""The attributes a member's summary carries, where the member has them (:class:`MemberSummaries`)."""


@runtime_checkable
class MemberSummaries(Protocol):
    """Who many resources are, in one read (optional; member events name their members with it)."""

    def summaries_of(self, ids: Iterable[str], *, directory: str = ...) -> dict[str, dict[str, Any]]:
        """For each of ``ids`` stored in ``directory``: ``id``, ``type`` and each :data:`SUMMARY_KEYS` it has.

        Exactly what :meth:`Store.resource_types_of` and :meth:`Store.get` give for those ids; ids naming
        nothing are left out.
        """
        ...


@dataclass(frozen=True, slots=True)
class OutboxFigures:
    """How the outbox stands: events waiting for delivery, dead letters, and the age of the oldest waiting one."""

    pending: int
    dead: int
    oldest_pending_seconds: float | None  # None when nothing waits


def event_age(occurred_at: str, now: float) -> float:
    """Seconds from an event's ``occurred_at`` (RFC 3339) to ``now`` (Unix time), never negative."""
    when = occurred_epoch(occurred_at)
    return 0.0 if when is None else max(0.0, now - when)


@runtime_checkable
class OutboxStatus(Protocol):
    """The outbox's figures, for readiness checks and metrics (optional beside :class:`Outbox`)."""

    def outbox_figures(self, now: float) -> OutboxFigures:
        """Count pending and dead events; ``now`` is Unix time, for the oldest pending event's age."""
        ...


@runtime_checkable
class Readiness(Protocol):
    """Whether a store can serve now (optional): its database reachable and its schema current."""

    def readiness(self) -> list[str]:
        """What keeps the store from serving, one sentence each; empty when it can serve."""
        ...


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request a directory received, as the flight recorder keeps it (:mod:`scimcore.recorder`).

    ``path`` is below the directory's SCIM root (``/Users/2819c223``); ``query`` keeps its parameters with
    sensitive values redacted; ``body`` is the request body as redacted JSON (passwords, tokens and secrets
    replaced), or a description of one that is not JSON; ``detail`` is the SCIM error's detail of a 4xx or
    5xx; ``resource_id`` the id a 201 created, so a replay can follow it.
    """

    directory: str
    at: str
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    body: str = ""
    detail: str | None = None
    request_id: str | None = None
    resource_id: str | None = None
    seq: int = 0


@runtime_checkable
class Recorder(Protocol):
    """Where the flight recorder keeps each directory's last requests (optional)."""

    def record_requests(self, entries: Sequence[RecordedRequest], *, keep: int, not_before: str) -> None:
        """Append ``entries``; then keep at most ``keep`` per directory, none older than ``not_before``."""
        ...

    def recorded_requests(self, directory: str, *, limit: int = 100) -> list[RecordedRequest]:
        """The directory's last ``limit`` recorded requests, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class AdminAccount:
    """An operator of the admin console: a name and a salted scrypt hash of the password, never the password."""

    name: str
    password_hash: str
    created: str


@runtime_checkable
class AdminStore(Protocol):
    """Where the admin console's accounts live (optional; the memory and SQL stores implement it)."""

    def save_admin(self, account: AdminAccount) -> None:
        """Insert or replace the account called ``account.name``."""
        ...

    def get_admin(self, name: str) -> AdminAccount | None:
        """The account called ``name``, or ``None``."""
        ...

    def list_admins(self) -> list[AdminAccount]:
        """Every account, by name."""
        ...

    def delete_admin(self, name: str) -> bool:
        """Remove the account; whether it existed."""
        ...


@runtime_checkable
class SessionEnds(Protocol):
    """Admin console sessions ended before they expired: signed out (optional; memory and SQL implement it)."""

    def end_session(self, nonce: str, until: float) -> None:
        """Refuse the session ``nonce`` from now until ``until`` (epoch seconds, when it would expire anyway)."""
        ...

    def session_ended(self, nonce: str) -> bool:
        """Whether the session ``nonce`` was ended."""
        ...

    def forget_session_ends(self, before: float) -> int:
        """Drop the ends of sessions that would have expired before ``before``; return how many."""
        ...


@dataclass(frozen=True, slots=True)
class SetupLink:
    """A setup link: the page a customer's IT admin opens to connect an identity provider to a directory.

    Only the SHA-256 ``digest`` of the link's secret is kept; ``id`` names the link in listings and
    revocation.  ``expires`` is an RFC 3339 UTC time; ``token_revealed`` says the page already handed out the
    directory's token it may reveal once.
    """

    id: str
    directory: str
    digest: str
    created: str
    expires: str
    revoked: bool = False
    token_revealed: bool = False


@runtime_checkable
class SetupLinks(Protocol):
    """Where setup links live (optional; the memory and SQL stores implement it)."""

    def save_setup_link(self, link: SetupLink) -> None:
        """Keep a new link."""
        ...

    def find_setup_link(self, digest: str) -> SetupLink | None:
        """The link whose secret has ``digest`` (revoked and expired ones included), or ``None``."""
        ...

    def list_setup_links(self, directory: str) -> list[SetupLink]:
        """The directory's links, oldest first."""
        ...

    def revoke_setup_link(self, directory: str, link_id: str) -> bool:
        """Revoke link ``link_id`` of ``directory``; whether such a live link existed."""
        ...

    def claim_setup_token(self, digest: str) -> bool:
        """Mark the link's token as revealed; ``True`` only for the one call that changed it (atomic)."""
        ...


@runtime_checkable
class EventRetry(Protocol):
    """Delivering one event again (optional; the admin console's "Deliver again")."""

    def requeue_event(self, directory: str, seq: int) -> bool:
        """Make event ``seq`` of ``directory`` pending again if it is dead or pending; whether it was."""
        ...


@runtime_checkable
class EventLog(Protocol):
    """The event log of a directory, for the host application (paging by sequence number)."""

    def list_events(
        self, directory: str, *, since: int = 0, limit: int = 100, status: str | None = None
    ) -> list[StoredEvent]:
        """Events of ``directory`` with a sequence number above ``since``, oldest first."""
        ...

    def requeue_events(self, directory: str, *, since_time: str) -> int:
        """Deliver again every event that occurred at or after ``since_time``; return how many."""
        ...


# -- directories and tokens --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Directory:
    """One customer directory (an identity provider's connection).

    ``event_delivery`` is how its events reach the host application (:data:`EVENT_DELIVERIES`): ``webhook``
    (scimcore's own JSON, pushed to ``webhook_url``), ``set-push`` (RFC 9967 Security Event Tokens pushed to
    ``webhook_url`` per RFC 8935) or ``set-poll`` (SETs a receiver polls for, RFC 8936).  ``set_form`` is
    the form of its provisioning SETs, ``full`` or ``notice`` (RFC 9967 §2.4).
    """

    id: str
    name: str
    provider: str = "generic"
    tenant: str | None = None
    product: str | None = None
    active: bool = True
    created: str = ""
    webhook_url: str | None = None
    webhook_secret: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    event_delivery: str = "webhook"
    set_form: str = "full"

    def public(self) -> dict[str, Any]:
        """The directory as JSON for people and programs: no webhook secret, no credentials in the webhook URL."""
        from scimcore.webhook_targets import redact_webhook_url  # the redaction rule lives with the URL rules

        out = asdict(self)
        out.pop("webhook_secret", None)
        out["webhook_url"] = redact_webhook_url(self.webhook_url)
        out["has_webhook_secret"] = bool(self.webhook_secret)
        return out


EVENT_DELIVERIES = ("webhook", "set-push", "set-poll")
"""How a directory's events are delivered: see :class:`Directory`."""


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token as stored: its digest, owner and state."""

    digest: str
    directory_id: str
    created: str
    revoked: bool = False


@runtime_checkable
class DirectoryStore(Protocol):
    """Where directories and token digests live (the SQL and memory stores implement it)."""

    def save_directory(self, directory: Directory) -> None:
        """Insert or update a directory."""
        ...

    def get_directory(self, directory_id: str) -> Directory | None:
        """The directory with ``directory_id``, or ``None``."""
        ...

    def list_directories(self) -> list[Directory]:
        """Every directory, oldest first."""
        ...

    def delete_directory(self, directory_id: str) -> None:
        """Remove a directory with its tokens, resources, memberships and events."""
        ...

    def add_token(self, record: TokenRecord) -> None:
        """Keep a new token digest."""
        ...

    def revoke_tokens(self, directory_id: str, keep: str | None = None) -> int:
        """Revoke every token of a directory except the one with digest ``keep``; return how many."""
        ...

    def find_token(self, digest: str) -> TokenRecord | None:
        """The live (not revoked) token with ``digest``, or ``None``."""
        ...


# -- Security Event Tokens ----------------------------------------------------------------------------
SERVER_KEYS = ""
"""The scope of the server's own signing keys (a directory's keys have the directory's id as scope)."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key that signs Security Event Tokens (RFC 8417 §5.1: signed as JWS).

    ``scope`` is :data:`SERVER_KEYS` or a directory id; ``private_jwk`` the private key as a JWK (JSON text,
    never shown or logged); ``kid`` its RFC 7638 thumbprint.  A retired key signs nothing and is no longer
    published.
    """

    kid: str
    scope: str
    private_jwk: str = field(repr=False)  # never in a log line or a traceback's locals shown as repr
    created: str = ""
    retired: bool = False


@runtime_checkable
class SigningKeys(Protocol):
    """Where SET signing keys live (optional; the memory and SQL stores implement it)."""

    def add_signing_key(self, key: SigningKey) -> None:
        """Keep a new key; it signs its scope's SETs from now on."""
        ...

    def signing_keys(self, scope: str) -> list[SigningKey]:
        """The keys of ``scope``, retired ones included, newest first."""
        ...

    def retire_signing_key(self, scope: str, kid: str) -> bool:
        """Retire key ``kid`` of ``scope``; whether such a live key existed."""
        ...


@runtime_checkable
class PolledOutbox(Protocol):
    """A directory's events handed to a receiver that polls for them (RFC 8936; optional beside Outbox).

    Claims lease events the way :meth:`Outbox.claim_events` does, but only ``directory``'s and whether or
    not the directory has a webhook; an event not acknowledged before its lease ends is handed out again.
    """

    def claim_directory_events(
        self, directory: str, now: float, limit: int, lease_seconds: float
    ) -> tuple[list[StoredEvent], bool]:
        """Lease up to ``limit`` of ``directory``'s undelivered events (pending or stored), oldest first.

        Returns them and whether more such events wait unleased beyond them.
        """
        ...

    def acknowledge_events(self, directory: str, ids: Collection[str]) -> int:
        """Mark ``directory``'s events with these ids delivered; return how many were; others' ids do nothing."""
        ...

    def reject_events(self, directory: str, errors: Mapping[str, str]) -> int:
        """Dead-letter ``directory``'s events by id with the error the receiver reported; return how many."""
        ...
