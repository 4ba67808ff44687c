"""``scimcore check``: replay identity-provider traffic against a SCIM 2.0 deployment and report what breaks.

This module owns the offline compatibility checker users run against their own SCIM endpoint (scimcore's or
any other): an ordered table of checks, each replaying one request shape that Microsoft Entra ID's SCIM
validator or Okta's SPEC/CRUD test suites send (the payloads of docs/idp-compatibility.md) and verifying the
stored result with a GET; the runner that creates, tracks and finally deletes every user and group it made;
and the progress lines, the pass/fail table, the JSON report and the ``check`` click command.

It must not import httpx when ``scimcore`` is imported (the runner imports it lazily, so ``import scimcore``
stays free of it), print or write the token anywhere, or leave a resource it created behind when the server
lets it delete it.  It never decides what a server *should* accept beyond what the vendors send and expect.

Errors a check can meet::

    CheckFailed            an expectation was not met (the message says what, the exchanges show the wire)
    ConnectionLost         the server stopped answering at the transport level: the run stops (exit 2)
    click.UsageError       bad options (exit 2)
    CannotCheck            the server cannot be reached or refuses the token before any check, or the
                           report cannot be written (exit 2)
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote, urlsplit

import click

from scimcore import __version__

if TYPE_CHECKING:
    import httpx

__all__ = ["CHECKS", "Check", "CheckFailed", "CheckResult", "Report", "check", "run_checks", "select_checks"]

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MANAGER = f"{ENTERPRISE}:manager"
ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"
FLAG = "aadOptscim062020"
OKTA_USER_AGENT = "Okta SCIM Client 1.0.0"

ENTRA: Final = "entra"
OKTA: Final = "okta"
GENERIC: Final = "generic"
PROVIDERS = (ENTRA, OKTA, GENERIC)

Style = Literal["entra", "okta"]
Outcome = Literal["pass", "fail", "not run"]

INTERRUPTED = "interrupted"

#: How much of a request or response body the reports show.
BODY_LIMIT = 1200
#: How many of a failed check's exchanges the reports show (the last ones).
EXCHANGES_SHOWN = 3


class CheckFailed(Exception):
    """An expectation of a check was not met; the message says what was expected and what came back.

    ``exchanges``, when given, are the ones the reports show instead of the check's last ones.
    """

    def __init__(self, message: str, exchanges: list[Exchange] | None = None) -> None:
        super().__init__(message)
        self.exchanges = exchanges


class ConnectionLost(Exception):
    """The server stopped answering at the transport level (refused, reset): the run cannot go on."""


class CannotCheck(click.ClickException):
    """The run cannot start (server unreachable, token refused) or its report cannot be written: exit 2."""

    exit_code = 2


# -- the wire ------------------------------------------------------------------------------------------------
@dataclass
class Exchange:
    """One request and its response (or the transport error in its place), as the reports show them."""

    method: str
    target: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None = None
    reason: str = ""
    content_type: str | None = None
    response_body: str = ""
    error: str | None = None
    setup: bool = False

    @cached_property
    def json(self) -> Any:
        """The response body decoded as JSON, or None when it is empty or not JSON."""
        if not self.response_body:
            return None
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    @property
    def media_type(self) -> str:
        """The response's media type without parameters, lower-cased ("" when absent)."""
        return (self.content_type or "").split(";", 1)[0].strip().lower()

    def to_json(self) -> dict[str, Any]:
        """The exchange for the JSON report, bodies truncated like the text report."""
        return {
            "request": {
                "method": self.method,
                "target": self.target,
                "headers": self.request_headers,
                "body": _truncate(self.request_body) if self.request_body is not None else None,
            },
            "response": (
                {"error": self.error}
                if self.error
                else {
                    "status": self.status,
                    "content_type": self.content_type,
                    "body": _truncate(self.response_body),
                }
            ),
        }

    def render(self) -> list[str]:
        """The exchange as indented text lines: ``>`` for the request, ``<`` for the response."""
        lines = [f"> {self.method} {self.target}"]
        lines += [f"> {name}: {value}" for name, value in self.request_headers.items()]
        if self.request_body is not None:
            lines.append(f"> {_truncate(self.request_body)}")
        if self.error:
            lines.append(f"< (no response: {self.error})")
            return lines
        lines.append(f"< {self.status} {self.reason}".rstrip())
        if self.content_type is not None:
            lines.append(f"< Content-Type: {self.content_type}")
        if self.response_body:
            lines.append(f"< {_truncate(self.response_body)}")
        return lines


def _truncate(text: str, limit: int = BODY_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with a note of how much was left out."""
    one_line = " ".join(text.split()) if "\n" in text else text
    if len(one_line) <= limit:
        return one_line
    return f"{one_line[:limit]}… ({len(one_line) - limit} more characters)"


_BEARER = object()


class Session:
    """The state of one run: the HTTP client, the resources created so far, and the exchanges of the check.

    Every request goes through :meth:`call`, which records the exchange for the reports and remembers the id
    of every user or group a POST created, so that :meth:`cleanup` can delete it whatever happens.
    """

    def __init__(self, client: httpx.Client, url: str, token: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")
        self.base_query = parts.query
        self.base_url = self.origin + self.base_path
        self.client = client
        self.token = token
        self.timeout = timeout
        self.run_id = uuid.uuid4().hex[:8]
        self.style: Style = ENTRA
        self.trace: list[Exchange] = []
        self.log: list[Exchange] = []
        self.created: dict[str, list[str]] = {"Users": [], "Groups": []}
        self.deleted: set[str] = set()
        self._counter = 0
        self._shared: dict[str, str] = {}

    # -- requests --------------------------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Sequence[tuple[str, str]] = (),
        flag: bool = False,
        auth: object = _BEARER,
        setup: bool = False,
    ) -> Exchange:
        """Send one request as the current check's identity provider would, and record the exchange.

        ``flag`` adds ``aadOptscim062020`` to the query, as Entra does when the tenant URL carries it;
        ``auth`` is the bearer token by default, else the literal ``Authorization`` value (or None for none).
        """
        import httpx

        headers: dict[str, str] = {}
        shown: dict[str, str] = {}
        if auth is _BEARER:
            headers["Authorization"] = f"Bearer {self.token}"
            shown["Authorization"] = "Bearer ***"
        elif isinstance(auth, str):
            headers["Authorization"] = shown["Authorization"] = auth
        if self.style == OKTA:
            headers["User-Agent"] = shown["User-Agent"] = OKTA_USER_AGENT
        content = None
        if body is not None:
            content = json.dumps(body).encode()
            headers["Content-Type"] = shown["Content-Type"] = "application/json" if self.style == OKTA else SCIM_JSON
        raw = [self.base_query] if self.base_query else []
        if flag and FLAG not in self.base_query:
            raw.append(FLAG)
        raw += [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params]
        readable = ([FLAG] if flag else []) + [f"{k}={v}" for k, v in params]
        url = self.base_url + path + ("?" + "&".join(raw) if raw else "")
        exchange = Exchange(
            method=method,
            target=path + ("?" + "&".join(readable) if readable else ""),
            request_headers=shown,
            request_body=json.dumps(body) if body is not None else None,
            setup=setup,
        )
        self.trace.append(exchange)
        self.log.append(exchange)
        try:
            response = self.client.request(method, url, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            exchange.error = f"{type(exc).__name__}: no answer within {self.timeout:g} s"
            raise CheckFailed(f"{method} {exchange.target}: no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            raise ConnectionLost(f"{method} {exchange.target}: {exchange.error}") from None
        exchange.status = response.status_code
        exchange.reason = response.reason_phrase
        exchange.content_type = response.headers.get("content-type")
        exchange.response_body = self.redact(response.text)
        resource = path.lstrip("/")
        if method == "POST" and resource in self.created and response.is_success:
            # Whatever the check expected, a 2xx created something: remember it for the cleanup.
            created = exchange.json
            location = response.headers.get("location", "").rstrip("/")
            if isinstance(created, dict) and isinstance(created.get("id"), str) and created["id"]:
                self.created[resource].append(created["id"])
            elif f"/{resource}/" in location:
                self.created[resource].append(location.rsplit("/", 1)[1])
        if method == "DELETE" and response.status_code in (200, 204):
            self.deleted.add(path)
        return exchange

    def redact(self, text: str) -> str:
        """``text`` with the token replaced by ``***`` wherever it appears."""
        return text.replace(self.token, "***") if self.token else text

    def unique(self) -> int:
        """A number no other resource of this run uses."""
        self._counter += 1
        return self._counter

    # -- expectations ----------------------------------------------------------------------------------------
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
        if LIST_RESPONSE not in (listing.get("schemas") or []):
            raise CheckFailed(f"the answer is not a ListResponse: schemas lacks {LIST_RESPONSE}")
        total = listing.get("totalResults")
        if type(total) is not int:
            raise CheckFailed(f"totalResults must be an integer, got {total!r}")
        resources = listing.get("Resources", [])
        if not isinstance(resources, list):
            raise CheckFailed(f"Resources must be a list, got {type(resources).__name__}")
        return listing

    def patch(self, path: str, operations: list[dict[str, Any]], *, flag: bool = False) -> Exchange:
        """PATCH ``operations`` in a PatchOp message: a user or group PATCH answers 200 or 204."""
        reply = self.call("PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, flag=flag)
        expect_status(reply, 200, 204)
        return reply

    # -- resources the checks need ---------------------------------------------------------------------------
    def create(self, resource: str, body: dict[str, Any], *, setup: bool = True) -> str:
        """POST ``body`` to ``/Users`` or ``/Groups``: 201 with an ``id``, which is returned."""
        reply = self.call("POST", f"/{resource}", body, setup=setup)
        expect_status(reply, 201, setup=setup)
        created = json_object(reply, setup=setup)
        if not isinstance(created.get("id"), str) or not created["id"]:
            raise CheckFailed(_prefix(setup) + f"the created {resource[:-1].lower()} has no id in the answer")
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

    def live(self, resource: str) -> list[str]:
        """The ids of the ``/Users`` or ``/Groups`` this run created and has not deleted."""
        return [i for i in self.created[resource] if f"/{resource}/{i}" not in self.deleted]

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


# -- expectations ----------------------------------------------------------------------------------------------
def _prefix(setup: bool) -> str:
    return "setup: " if setup else ""


def expect_status(reply: Exchange, *codes: int, setup: bool = False) -> None:
    """The reply's status must be one of ``codes``."""
    if reply.status not in codes:
        wanted = " or ".join(str(c) for c in codes)
        raise CheckFailed(f"{_prefix(setup)}{reply.method} {reply.target} answered {reply.status}, expected {wanted}")


def json_object(reply: Exchange, *, setup: bool = False) -> dict[str, Any]:
    """The reply's body, which must be a JSON object."""
    body = reply.json
    if not isinstance(body, dict):
        raise CheckFailed(f"{_prefix(setup)}{reply.method} {reply.target}: the body is not a JSON object")
    return body


def expect_error(reply: Exchange, status: int, *, detail: bool = False) -> None:
    """RFC 7644 §3.12: the status, and an Error body whose ``status`` is that code as a JSON string."""
    expect_status(reply, status)
    body = reply.json
    if not isinstance(body, dict):
        raise CheckFailed(f"the {status} carries no JSON error body (RFC 7644 §3.12)")
    if ERROR not in (body.get("schemas") or []):
        raise CheckFailed(f"the error body's schemas lack {ERROR}")
    if body.get("status") != str(status):
        raise CheckFailed(f'the error body\'s status is {body.get("status")!r}, expected the string "{status}"')
    if detail and not (isinstance(body.get("detail"), str) and body["detail"].strip()):
        raise CheckFailed("the error body has no detail")


def expect_equal(what: str, got: Any, wanted: Any) -> None:
    """``got`` must equal ``wanted``; the message names ``what`` was compared."""
    if got != wanted:
        raise CheckFailed(f"{what}: expected {wanted!r}, got {got!r}")


def attribute(doc: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of a resource (None when absent)."""
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def work_emails(doc: dict[str, Any]) -> list[Any]:
    """The values of the ``work`` e-mail entries of a user."""
    return [e.get("value") for e in doc.get("emails") or [] if isinstance(e, dict) and e.get("type") == "work"]


def member_ids(group: dict[str, Any]) -> set[str]:
    """The member ids of a group."""
    return {str(m.get("value")) for m in group.get("members") or [] if isinstance(m, dict)}


def manager_of(user: dict[str, Any]) -> Any:
    """The manager id as Entra reads it: ``{"value": id}`` inside the enterprise extension, else the raw value."""
    extension = user.get(ENTERPRISE)
    manager = extension.get("manager") if isinstance(extension, dict) else None
    if isinstance(manager, dict) and set(manager) <= {"value", "$ref", "displayName"}:
        return manager.get("value")
    return manager


def expect_listed(listing: dict[str, Any], rid: str, query: str) -> None:
    """A search must find exactly the resource ``rid``."""
    ids = [r.get("id") for r in listing.get("Resources") or [] if isinstance(r, dict)]
    if listing.get("totalResults") != 1 or ids != [rid]:
        raise CheckFailed(f"{query} should find exactly {rid}; found totalResults={listing.get('totalResults')}, {ids}")


# -- request bodies (the vendors' documented shapes, with values unique to the run) --------------------------
# Checks create the users and groups they need with the plain RFC 7643 bodies, so that a check fails only for
# the behaviour it names; the vendors' own create bodies are replayed by the create-* checks.
def plain_user(session: Session) -> dict[str, Any]:
    """A minimal RFC 7643 user: core schema, userName (not the mail, like a UPN), externalId, work e-mail."""
    n = session.unique()
    return {
        "schemas": [USER],
        "userName": f"ScimCheck_{session.run_id}_{n}@contoso.example",
        "externalId": str(uuid.uuid4()),
        "name": {"givenName": "Scim", "familyName": f"Check{n}"},
        "displayName": f"ScimCheck {session.run_id} {n}",
        "emails": [{"primary": True, "type": "work", "value": f"scimcheck.{session.run_id}.{n}@mail.example"}],
        "active": True,
    }


def plain_group(session: Session) -> dict[str, Any]:
    """A minimal RFC 7643 group: core schema and a displayName unique to the run."""
    return {"schemas": [GROUP], "displayName": f"ScimCheck Group {session.run_id} {session.unique()}"}


def entra_user(session: Session) -> dict[str, Any]:
    """Entra's create-user body from Microsoft's SCIM endpoint tutorial (userName from a UPN, not the mail)."""
    n = session.unique()
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": str(uuid.uuid4()),
        "userName": f"ScimCheck_{session.run_id}_{n}@contoso.example",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"scimcheck.{session.run_id}.{n}@testuser.example"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
    }


def okta_user(session: Session) -> dict[str, Any]:
    """Okta's create-user body from its SCIM 2.0 reference: password, locale, ``groups: []``."""
    n = session.unique()
    login = f"scimcheck.{session.run_id}.{n}@okta.local"
    return {
        "schemas": [USER],
        "userName": login,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": login, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": f"00u{session.run_id}{n:04d}",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def entra_group(session: Session) -> dict[str, Any]:
    """Entra's create-group body: the core Group URI plus Microsoft's undeclared ADSCIM Group URI."""
    return {
        "schemas": [GROUP, ADSCIM_GROUP],
        "externalId": str(uuid.uuid4()),
        "displayName": f"ScimCheck Group {session.run_id} {session.unique()}",
        "meta": {"resourceType": "Group"},
    }


def okta_group(session: Session) -> dict[str, Any]:
    """Okta Push Groups' create body: ``members: []``."""
    return {
        "schemas": [GROUP],
        "displayName": f"ScimCheck Group {session.run_id} {session.unique()}",
        "members": [],
    }


# -- the table of checks ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One check: a name, the providers whose traffic it replays, the headers style, and the replay itself."""

    name: str
    providers: tuple[str, ...]
    style: Style
    run: Replay

    @property
    def title(self) -> str:
        """The first line of the replay's docstring."""
        return (self.run.__doc__ or self.name).strip().splitlines()[0].rstrip(".")


#: Every check, in the order a run replays them.
CHECKS: list[Check] = []


Replay = Callable[["Session"], None]


def _check(name: str, *providers: str, style: Style | None = None) -> Callable[[Replay], Replay]:
    def register(run: Replay) -> Replay:
        CHECKS.append(Check(name, providers, style or (OKTA if providers == (OKTA,) else ENTRA), run))
        return run

    return register


def select_checks(provider: str) -> list[Check]:
    """The checks ``--provider`` selects: one IdP's, or all of them for ``generic``."""
    return [c for c in CHECKS if provider == GENERIC or provider in c.providers]


# Connection and authentication.
@_check("connection[entra]", ENTRA)
def _connection_entra(s: Session) -> None:
    """Test Connection: userName eq a random GUID answers 200 with an empty ListResponse.

    Entra's *Test Connection* looks up a user that cannot exist and needs 200 with ``totalResults: 0``;
    a 404 makes the admin's connection test fail (Microsoft Learn, SCIM endpoint tutorial).
    """
    listing = s.search("Users", f'userName eq "{uuid.uuid4()}"')
    expect_equal("totalResults", listing.get("totalResults"), 0)
    expect_equal("Resources", listing.get("Resources") or [], [])


@_check("connection[okta]", OKTA)
def _connection_okta(s: Session) -> None:
    """Okta's lookup of a user that does not exist (startIndex=1&count=100) answers 200, empty, integers.

    Okta's SPEC test "Make sure random user doesn't exist" and every import lookup send
    ``filter=userName eq "x"&startIndex=1&count=100``; ``totalResults``/``startIndex``/``itemsPerPage`` must
    be integers.
    """
    query = f'userName eq "{uuid.uuid4()}@okta.local"'
    listing = s.search("Users", query, params=[("startIndex", "1"), ("count", "100")])
    expect_equal("totalResults", listing.get("totalResults"), 0)
    expect_equal("Resources", listing.get("Resources") or [], [])
    for key in ("startIndex", "itemsPerPage"):
        if key in listing and type(listing[key]) is not int:
            raise CheckFailed(f"{key} must be an integer, got {listing[key]!r}")


@_check("unauthorized", OKTA)
def _unauthorized(s: Session) -> None:
    """`Authorization: non-token` answers 401 with a SCIM error body whose status is "401".

    Okta's SPEC test sends the literal header ``Authorization: non-token`` and wants 401 with an Error
    body (``status: "401"``), not a 200, a 403 or an HTML page.
    """
    expect_error(s.call("GET", "/Users", auth="non-token"), 401)


# Users.
@_check("create-user[entra]", ENTRA)
def _create_user_entra(s: Session) -> None:
    """POST the tutorial's user (core + enterprise schemas, meta, roles: []) → 201, stored as sent.

    Microsoft's SCIM endpoint tutorial body; Entra keeps the returned ``id`` for every later request.
    """
    body = entra_user(s)
    reply = s.call("POST", "/Users", body)
    expect_status(reply, 201)
    uid = json_object(reply).get("id")
    if not isinstance(uid, str) or not uid:
        raise CheckFailed("the 201 carries no id")
    stored = s.fetch(f"/Users/{uid}")
    expect_equal("userName", stored.get("userName"), body["userName"])
    expect_equal("externalId", stored.get("externalId"), body["externalId"])
    expect_equal("active", stored.get("active"), True)
    expect_equal('emails[type eq "work"].value', work_emails(stored), [body["emails"][0]["value"]])
    expect_equal("name.givenName", attribute(stored, "name.givenName"), "givenName")
    expect_equal("name.familyName", attribute(stored, "name.familyName"), "familyName")


@_check("create-user[okta]", OKTA)
def _create_user_okta(s: Session) -> None:
    """POST Okta's user (password, locale, groups: [], Content-Type application/json) → 201, stored.

    Okta's CRUD test "Create Okta user with realistic values" then "Verify that user was created" (GET);
    the password must never come back (RFC 7643 §4.1.1, ``returned: never``).
    """
    body = okta_user(s)
    reply = s.call("POST", "/Users", body)
    expect_status(reply, 201)
    uid = json_object(reply).get("id")
    if not isinstance(uid, str) or not uid:
        raise CheckFailed("the 201 carries no id")
    if "password" in json_object(reply):
        raise CheckFailed("the 201 echoes the password")
    stored = s.fetch(f"/Users/{uid}")
    expect_equal("userName", stored.get("userName"), body["userName"])
    expect_equal("externalId", stored.get("externalId"), body["externalId"])
    expect_equal("name.givenName", attribute(stored, "name.givenName"), "Test")
    expect_equal('emails[type eq "work"].value', work_emails(stored), [body["userName"]])
    expect_equal("active", stored.get("active"), True)
    if "password" in stored:
        raise CheckFailed("GET returns the password")


def _duplicate_user(s: Session) -> None:
    body = okta_user(s) if s.style == OKTA else plain_user(s)
    s.create("Users", body)
    expect_error(s.call("POST", "/Users", body), 409)
    query = f'userName eq "{body["userName"]}"'
    listing = s.search("Users", query)
    expect_equal(f"totalResults of {query} after the duplicate POST", listing.get("totalResults"), 1)


@_check("duplicate-user[entra]", ENTRA)
def _duplicate_user_entra(s: Session) -> None:
    """POSTing the same user again answers 409 with an error body; only one user exists afterwards.

    Microsoft's SCIM validator creates a user twice and expects 409 (uniqueness of ``userName``).
    """
    _duplicate_user(s)


@_check("duplicate-user[okta]", OKTA)
def _duplicate_user_okta(s: Session) -> None:
    """Okta's same user again (application/json) answers 409 with an error body; still one user.

    Okta's SPEC test "Expect failure when recreating user with same values".
    """
    _duplicate_user(s)


@_check("filter-username-case[entra]", ENTRA)
def _filter_username_case_entra(s: Session) -> None:
    """userName eq in upper case finds the user (userName matching is case-insensitive).

    Microsoft's validator filters with a different case and expects the hit (``userName`` is
    ``caseExact: false``, RFC 7643 §4.1.1).
    """
    uid, body = s.new_user()
    query = f'userName eq "{body["userName"].upper()}"'
    expect_listed(s.search("Users", query), uid, query)


@_check("filter-username-case[okta]", OKTA)
def _filter_username_case_okta(s: Session) -> None:
    """Okta's lookup with userName in another case (startIndex=1&count=100) finds the user.

    Okta's SPEC test "Username Case Sensitivity Check" must answer 200 with the user.
    """
    uid, body = s.new_user()
    query = f'userName eq "{body["userName"].upper()}"'
    expect_listed(s.search("Users", query, params=[("startIndex", "1"), ("count", "100")]), uid, query)


@_check("filter-externalid", ENTRA)
def _filter_external_id(s: Session) -> None:
    """externalId eq "<id>" finds the user (a matching attribute Entra may be configured with)."""
    uid, body = s.new_user()
    query = f'externalId eq "{body["externalId"]}"'
    expect_listed(s.search("Users", query), uid, query)


@_check("filter-email-work", ENTRA)
def _filter_email(s: Session) -> None:
    """emails[type eq "work"].value eq "<mail>" finds the user (Entra's mail matching attribute)."""
    uid, body = s.new_user()
    query = f'emails[type eq "work"].value eq "{body["emails"][0]["value"]}"'
    expect_listed(s.search("Users", query), uid, query)


@_check("unknown-id-404", ENTRA, OKTA)
def _unknown_id(s: Session) -> None:
    """GET /Users/<unknown id> answers 404 with an Error body (status "404", a detail).

    Okta's SPEC test "Test invalid User by ID" checks the 404, the Error schema, ``status: "404"`` and a
    non-empty ``detail``.
    """
    expect_error(s.call("GET", f"/Users/{uuid.uuid4()}"), 404, detail=True)


@_check("replace-user-put", OKTA)
def _replace_user_put(s: Session) -> None:
    """PUT of the whole user (Okta's update) answers 200 and the GET shows the new values.

    Okta's CRUD tests and most Okta integrations update users with PUT of the full resource, ``id`` included.
    """
    uid, body = s.new_user()
    replacement = {
        "schemas": [USER],
        "id": uid,
        "userName": body["userName"],
        "name": {"givenName": "Another", "middleName": "", "familyName": "User"},
        "emails": [{"primary": True, "value": f"another.{body['userName']}", "type": "work", "display": "x"}],
        "active": True,
        "groups": [],
        "meta": {"resourceType": "User"},
    }
    expect_status(s.call("PUT", f"/Users/{uid}", replacement), 200)
    stored = s.fetch(f"/Users/{uid}")
    expect_equal("name.givenName", attribute(stored, "name.givenName"), "Another")
    expect_equal('emails[type eq "work"].value', work_emails(stored), [replacement["emails"][0]["value"]])
    expect_equal("active", stored.get("active"), True)


def _verbose_ops(s: Session, capitalised: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    n = s.unique()
    op = "Replace" if capitalised else "replace"
    wanted = {
        "displayName": f"Pvlo {n}",
        "email": f"testbcwqnm.{s.run_id}.{n}@test.microsoft.example",
        "givenName": f"Gtfd{n}",
        "familyName": f"Pkqf{n}",
        "externalId": f"Eqpj{s.run_id}{n}",
        "employeeNumber": f"E{n}",
    }
    ops: list[dict[str, Any]] = [
        {"op": op, "path": "displayName", "value": wanted["displayName"]},
        {"op": op, "path": 'emails[type eq "work"].value', "value": wanted["email"]},
        {"op": op, "path": "name.givenName", "value": wanted["givenName"]},
        {"op": op, "path": "name.familyName", "value": wanted["familyName"]},
        {"op": op, "path": "externalId", "value": wanted["externalId"]},
        {"op": op, "path": f"{ENTERPRISE}:employeeNumber", "value": wanted["employeeNumber"]},
        {"op": op, "path": "active", "value": "True" if capitalised else True},
    ]
    return ops, wanted


def _expect_updated(stored: dict[str, Any], wanted: dict[str, Any]) -> None:
    for key in ("displayName", "externalId", "userName"):
        if key in wanted:
            expect_equal(key, stored.get(key), wanted[key])
    if "email" in wanted:
        expect_equal('emails[type eq "work"].value (one work e-mail, replaced)', work_emails(stored), [wanted["email"]])
    expect_equal("name.givenName", attribute(stored, "name.givenName"), wanted["givenName"])
    expect_equal("name.familyName", attribute(stored, "name.familyName"), wanted["familyName"])
    extension = stored.get(ENTERPRISE)
    employee = extension.get("employeeNumber") if isinstance(extension, dict) else None
    expect_equal(f"{ENTERPRISE}.employeeNumber", employee, wanted["employeeNumber"])
    literal = [k for k in stored if "." in k and not k.startswith("urn:") or k.startswith(f"{ENTERPRISE}:")]
    if literal:
        raise CheckFailed(f"path keys were stored literally instead of nested: {literal}")
    expect_equal("active (a boolean)", stored.get("active"), True)


@_check("patch-user-verbose", ENTRA)
def _patch_user_verbose(s: Session) -> None:
    """Capitalised Replace ops, one per attribute, with "True" as a string (Entra without aadOptscim062020).

    The "Known issues" page's request before the flag: ``Replace`` ops on displayName, the work e-mail's
    filtered path, ``name.givenName``, ``name.familyName``, externalId and the enterprise employeeNumber.
    """
    uid, _ = s.new_user()
    ops, wanted = _verbose_ops(s, capitalised=True)
    s.patch(f"/Users/{uid}", ops)
    _expect_updated(s.fetch(f"/Users/{uid}"), wanted)


@_check("patch-user-verbose[flag]", ENTRA)
def _patch_user_verbose_flag(s: Session) -> None:
    """The same ops in lower case with a real boolean, sent with ?aadOptscim062020 in the query.

    Entra appends the flag to every request when the tenant URL carries it; routing must ignore it.
    """
    uid, _ = s.new_user()
    ops, wanted = _verbose_ops(s, capitalised=False)
    s.patch(f"/Users/{uid}", ops, flag=True)
    _expect_updated(s.fetch(f"/Users/{uid}"), wanted)


def _pathless(s: Session, capitalised: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    n = s.unique()
    wanted = {
        "displayName": f"Bjfe {n}",
        "givenName": f"Kkom{n}",
        "familyName": f"Unua{n}",
        "employeeNumber": f"A{n}",
        "userName": f"ScimCheck_{s.run_id}_{n}_renamed@contoso.example",
    }
    value: dict[str, Any] = {
        "displayName": wanted["displayName"],
        "name.givenName": wanted["givenName"],
        "name.familyName": wanted["familyName"],
        f"{ENTERPRISE}:employeeNumber": wanted["employeeNumber"],
    }
    if capitalised:
        value["active"] = "True"
        return [{"op": "Replace", "value": value}, {"op": "Replace", "value": {"userName": wanted["userName"]}}], wanted
    wanted["email"] = f"testmhvaes.{s.run_id}.{n}@test.microsoft.example"
    return [
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": wanted["email"]},
        {"op": "replace", "value": value},
        {"op": "replace", "value": {"userName": wanted["userName"]}},
    ], wanted


@_check("patch-user-pathless", ENTRA)
def _patch_user_pathless(s: Session) -> None:
    """Path-less Replace whose keys are attribute paths ("name.givenName", the enterprise URN), "True" string.

    Keys of a path-less value are paths to store nested, never literal keys; the validator also replaces
    ``userName`` with a path-less op.  Capitalised, as Microsoft's tutorial and unflagged tenants send it.
    """
    uid, _ = s.new_user()
    ops, wanted = _pathless(s, capitalised=True)
    s.patch(f"/Users/{uid}", ops)
    _expect_updated(s.fetch(f"/Users/{uid}"), wanted)


@_check("patch-user-pathless[flag]", ENTRA)
def _patch_user_pathless_flag(s: Session) -> None:
    """The flag's form: the work e-mail by filtered path, then one path-less replace of the rest.

    The "Known issues" page's request with ``aadOptscim062020``: lower-case ops, booleans as booleans, and
    the remaining attributes collected into a single path-less ``replace``.
    """
    uid, _ = s.new_user()
    ops, wanted = _pathless(s, capitalised=False)
    s.patch(f"/Users/{uid}", ops, flag=True)
    _expect_updated(s.fetch(f"/Users/{uid}"), wanted)


def _disable(s: Session, operations: list[dict[str, Any]], *, flag: bool = False) -> None:
    uid, _ = s.new_user()
    s.patch(f"/Users/{uid}", operations, flag=flag)
    active = s.fetch(f"/Users/{uid}").get("active")
    if active is not False:
        raise CheckFailed(f"active after the PATCH: expected false (a boolean), got {active!r}")


@_check("disable-user[entra]", ENTRA)
def _disable_entra(s: Session) -> None:
    """{"op": "Replace", "path": "active", "value": "False"} stores active as the boolean false.

    Entra disables (soft-deletes) users this way when the flag is absent; the string must become a boolean.
    """
    _disable(s, [{"op": "Replace", "path": "active", "value": "False"}])


@_check("disable-user[entra-flag]", ENTRA)
def _disable_entra_flag(s: Session) -> None:
    """{"op": "replace", "path": "active", "value": false} with ?aadOptscim062020 disables the user."""
    _disable(s, [{"op": "replace", "path": "active", "value": False}], flag=True)


@_check("disable-user[okta]", OKTA)
def _disable_okta(s: Session) -> None:
    """Okta's deactivation, a path-less {"op": "replace", "value": {"active": false}}, disables the user.

    Okta never deletes users: deactivation is its delete.
    """
    _disable(s, [{"op": "replace", "value": {"active": False}}])


def _expect_manager(s: Session, uid: str, wanted: str | None) -> None:
    stored = s.fetch(f"/Users/{uid}")
    extension = stored.get(ENTERPRISE)
    raw = extension.get("manager") if isinstance(extension, dict) else None
    if wanted is None:
        if raw is not None:
            raise CheckFailed(f"the manager should be removed, but GET still returns {json.dumps(raw)}")
        return
    if not (isinstance(raw, dict) and raw.get("value") == wanted):
        raise CheckFailed(
            f'GET should return the manager as {{"value": "{wanted}"}} inside {ENTERPRISE}; got {json.dumps(raw)}'
        )


@_check("manager-add-string", ENTRA)
def _manager_add_string(s: Session) -> None:
    """{"op": "Add", "path": "urn:…:enterprise:2.0:User:manager", "value": "<id>"}: a bare id string.

    Entra sends the manager's id as a plain string; GET must return ``{"value": id}`` in the extension, or
    Entra reports the endpoint incompatible.
    """
    manager = s.shared_user("manager-1")
    uid, _ = s.new_user()
    s.patch(f"/Users/{uid}", [{"op": "Add", "path": MANAGER, "value": manager}])
    _expect_manager(s, uid, manager)


@_check("manager-replace-object", ENTRA)
def _manager_replace(s: Session) -> None:
    """{"op": "replace", "path": "urn:…:manager", "value": {"value": "<id>"}} changes the manager."""
    first, second = s.shared_user("manager-1"), s.shared_user("manager-2")
    uid, _ = s.new_user(manager=first)
    s.patch(f"/Users/{uid}", [{"op": "replace", "path": MANAGER, "value": {"value": second}}])
    _expect_manager(s, uid, second)


@_check("manager-add-short-path", ENTRA)
def _manager_short_path(s: Session) -> None:
    """{"op": "Add", "path": "manager", "value": [{"$ref": …, "value": "<id>"}]}: short path, an array.

    Seen from Entra: the unqualified path ``manager`` and a one-element array for a single-valued attribute.
    """
    manager = s.shared_user("manager-1")
    uid, _ = s.new_user()
    ref = f"{s.base_url}/Users/{manager}"
    s.patch(f"/Users/{uid}", [{"op": "Add", "path": "manager", "value": [{"$ref": ref, "value": manager}]}])
    _expect_manager(s, uid, manager)


@_check("manager-clear-empty-value", ENTRA)
def _manager_clear(s: Session) -> None:
    """{"op": "replace", "path": "urn:…:manager", "value": {"value": ""}} removes the manager.

    Entra clears a manager by replacing it with an empty value; GET must no longer return one.
    """
    uid, _ = s.new_user(manager=s.shared_user("manager-1"))
    s.patch(f"/Users/{uid}", [{"op": "replace", "path": MANAGER, "value": {"value": ""}}])
    _expect_manager(s, uid, None)


@_check("manager-remove", ENTRA)
def _manager_remove(s: Session) -> None:
    """{"op": "remove", "path": "urn:…:manager"} removes the manager."""
    uid, _ = s.new_user(manager=s.shared_user("manager-1"))
    s.patch(f"/Users/{uid}", [{"op": "remove", "path": MANAGER}])
    _expect_manager(s, uid, None)


@_check("delete-user-twice", ENTRA)
def _delete_user_twice(s: Session) -> None:
    """DELETE /Users/{id} answers 204, then GET and a second DELETE answer 404.

    Microsoft's validator deletes twice; Entra hard-deletes 30 days after a soft delete.
    """
    uid, _ = s.new_user()
    expect_status(s.call("DELETE", f"/Users/{uid}"), 204)
    expect_status(s.call("GET", f"/Users/{uid}"), 404)
    expect_status(s.call("DELETE", f"/Users/{uid}"), 404)


# Groups.
@_check("create-group[entra]", ENTRA)
def _create_group_entra(s: Session) -> None:
    """POST a group with Microsoft's undeclared ADSCIM schema URI → 201, stored without members.

    Entra creates groups with ``schemas`` [core Group, ``…/ADSCIM/2.0/Group``] and adds members later.
    """
    body = entra_group(s)
    gid = s.create("Groups", body, setup=False)
    stored = s.fetch(f"/Groups/{gid}")
    expect_equal("displayName", stored.get("displayName"), body["displayName"])
    expect_equal("externalId", stored.get("externalId"), body["externalId"])
    expect_equal("members", sorted(member_ids(stored)), [])


@_check("create-group[okta]", OKTA)
def _create_group_okta(s: Session) -> None:
    """Okta Push Groups' POST with members: [] (application/json) → 201, stored."""
    body = okta_group(s)
    gid = s.create("Groups", body, setup=False)
    stored = s.fetch(f"/Groups/{gid}")
    expect_equal("displayName", stored.get("displayName"), body["displayName"])


@_check("duplicate-group", ENTRA)
def _duplicate_group(s: Session) -> None:
    """POSTing a group with a displayName that exists answers 409; one group has that name afterwards.

    Entra requires unique group ``displayName``; the validator creates a group twice and expects 409.
    """
    body = plain_group(s)
    s.create("Groups", body)
    expect_error(s.call("POST", "/Groups", body), 409)
    query = f'displayName eq "{body["displayName"]}"'
    expect_equal(f"totalResults of {query}", s.search("Groups", query).get("totalResults"), 1)


@_check("group-lookup", ENTRA)
def _group_lookup(s: Session) -> None:
    """GET /Groups?excludedAttributes=members&filter=displayName eq "<name>" finds it without members.

    Entra's first cycle looks each group up this way before creating it.
    """
    gid, body = s.new_group(s.members(1))
    query = f'displayName eq "{body["displayName"]}"'
    listing = s.search("Groups", query, params=[("excludedAttributes", "members")])
    expect_listed(listing, gid, query)
    if "members" in listing["Resources"][0]:
        raise CheckFailed("excludedAttributes=members, but the group comes back with its members")


@_check("group-add-members[entra]", ENTRA)
def _add_members_entra(s: Session) -> None:
    """{"op": "Add", "path": "members", "value": [{"$ref": null, "value": …}, …]}: several members, one op.

    The tutorial's member add (capitalised, ``"$ref": null``); gallery apps must accept several per op.
    """
    a, b = s.members(2)
    gid, _ = s.new_group()
    s.patch(f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": a},
                                                                          {"$ref": None, "value": b}]}])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), sorted([a, b]))


@_check("group-add-members[okta]", OKTA)
def _add_members_okta(s: Session) -> None:
    """Okta's {"op": "add", "path": "members", "value": [{"value": …, "display": …}]} adds the member."""
    (a,) = s.members(1)
    gid, _ = s.new_group()
    s.patch(f"/Groups/{gid}", [{"op": "add", "path": "members", "value": [{"value": a, "display": "member"}]}])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), [a])


@_check("group-remove-members[entra]", ENTRA)
def _remove_members_entra(s: Session) -> None:
    """{"op": "Remove", "path": "members", "value": [{"value": …}, …]} removes only the listed members.

    Entra's member removal without the flag: the ids in the value list, the op capitalised.
    """
    a, b, c = s.members(3)
    gid, _ = s.new_group([a, b, c])
    s.patch(f"/Groups/{gid}", [{"op": "Remove", "path": "members", "value": [{"value": a}, {"value": b}]}])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), [c])


@_check("group-remove-members[entra-flag]", ENTRA)
def _remove_members_entra_flag(s: Session) -> None:
    """{"op": "remove", "path": 'members[value eq "<id>"]'} with ?aadOptscim062020 removes that member."""
    a, b = s.members(2)
    gid, _ = s.new_group([a, b])
    s.patch(f"/Groups/{gid}", [{"op": "remove", "path": f'members[value eq "{a}"]'}], flag=True)
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), [b])


@_check("group-remove-add-members[okta]", OKTA)
def _remove_add_members_okta(s: Session) -> None:
    """Okta Push Groups' single PATCH: remove members[value eq "<id>"] and add two others.

    Both ops apply, in order, atomically.
    """
    a, b, c, d = s.members(4)
    gid, _ = s.new_group([a, b])
    s.patch(
        f"/Groups/{gid}",
        [
            {"op": "remove", "path": f'members[value eq "{a}"]'},
            {"op": "add", "path": "members", "value": [{"value": c, "display": "c"}, {"value": d, "display": "d"}]},
        ],
    )
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), sorted([b, c, d]))


@_check("group-replace-members", ENTRA, OKTA, style=OKTA)
def _replace_members(s: Session) -> None:
    """{"op": "replace", "path": "members", "value": [...]} sets the whole member list.

    Sent by Okta and by Microsoft's validator.
    """
    a, b, c = s.members(3)
    gid, _ = s.new_group([a, b])
    s.patch(f"/Groups/{gid}", [{"op": "replace", "path": "members", "value": [{"value": c, "display": "c"}]}])
    expect_equal("members after the PATCH", sorted(member_ids(s.fetch(f"/Groups/{gid}"))), [c])


def _rename(s: Session, operations: Callable[[str, str], list[dict[str, Any]]]) -> None:
    (a,) = s.members(1)
    gid, _ = s.new_group([a])
    name = f"ScimCheck Group {s.run_id} {s.unique()} renamed"
    s.patch(f"/Groups/{gid}", operations(gid, name))
    stored = s.fetch(f"/Groups/{gid}")
    expect_equal("displayName", stored.get("displayName"), name)
    expect_equal("members (unchanged by the rename)", sorted(member_ids(stored)), [a])


@_check("group-rename[okta]", OKTA)
def _rename_okta(s: Session) -> None:
    """Okta's rename: a path-less replace whose value carries the group's own id next to displayName.

    The readOnly ``id`` equals the group's own and must not make the request fail.
    """
    _rename(s, lambda gid, name: [{"op": "replace", "value": {"id": gid, "displayName": name}}])


@_check("group-rename[entra]", ENTRA)
def _rename_entra(s: Session) -> None:
    """The tutorial's rename: {"op": "Replace", "path": "displayName", "value": "<new name>"}."""
    _rename(s, lambda gid, name: [{"op": "Replace", "path": "displayName", "value": name}])


@_check("delete-group", ENTRA, OKTA)
def _delete_group(s: Session) -> None:
    """DELETE /Groups/{id} answers 204 and the group is gone (GET 404)."""
    gid, _ = s.new_group()
    expect_status(s.call("DELETE", f"/Groups/{gid}"), 204)
    expect_status(s.call("GET", f"/Groups/{gid}"), 404)


# Paging.
def _paging(s: Session, resource: str) -> None:
    for _ in range(max(0, 11 - len(s.live(resource)))):
        if resource == "Users":
            s.new_user()
        else:
            s.new_group()
    seen: list[Any] = []
    for start in (1, 6, 11):
        listing = s.search(resource, None, params=[("startIndex", str(start)), ("count", "5")])
        for key in ("totalResults", "itemsPerPage", "startIndex"):
            if type(listing.get(key)) is not int:
                raise CheckFailed(f"startIndex={start}: {key} must be an integer, got {listing.get(key)!r}")
        expect_equal(f"startIndex={start}: startIndex echoed", listing["startIndex"], start)
        if listing["totalResults"] < 11:
            raise CheckFailed(f"totalResults is {listing['totalResults']}, but this run alone created 11 or more")
        page = listing.get("Resources") or []
        expect_equal(f"startIndex={start}: itemsPerPage", listing["itemsPerPage"], len(page))
        if start < 11 and len(page) != 5:
            raise CheckFailed(f"startIndex={start}&count=5 returned {len(page)} resources, expected 5")
        if not 1 <= len(page) <= 5:
            raise CheckFailed(f"startIndex={start}&count=5 returned {len(page)} resources, expected 1 to 5")
        seen += [r.get("id") for r in page if isinstance(r, dict)]
    repeated = sorted({i for i in seen if seen.count(i) > 1})
    if repeated:
        raise CheckFailed(f"pages 1–3 repeat {repeated}: the order is not stable across pages")


@_check("paging-users", ENTRA, OKTA)
def _paging_users(s: Session) -> None:
    """/Users?startIndex=1,6,11&count=5 over ≥11 users: full pages, startIndex echoed, integers, no repeats.

    Microsoft's validator pages users with ``count=5``; Okta imports page by page and needs integer
    ``totalResults``, ``itemsPerPage`` and ``startIndex`` (RFC 7644 §3.4.2.4).
    """
    _paging(s, "Users")


@_check("paging-groups", ENTRA)
def _paging_groups(s: Session) -> None:
    """/Groups?startIndex=1,6,11&count=5 over ≥11 groups: the same rules as for users."""
    _paging(s, "Groups")


@_check("content-type", ENTRA, OKTA)
def _content_type(s: Session) -> None:
    """Every response with a body, in this run, is application/scim+json (RFC 7644 §3.1).

    Entra expects ``application/scim+json`` on every response; this check looks at all the responses the
    run received so far, plus a search and a 404 of its own.
    """
    s.call("GET", "/Users", params=[("filter", f'userName eq "{uuid.uuid4()}"')])
    s.call("GET", f"/Users/{uuid.uuid4()}")
    wrong = [e for e in s.log if e.status is not None and e.response_body and e.media_type != SCIM_JSON]
    if wrong:
        shown = ", ".join(f"{e.method} {e.target.split('?')[0]} → {e.content_type or 'none'}" for e in wrong[:3])
        more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
        raise CheckFailed(f"{len(wrong)} responses are not {SCIM_JSON}: {shown}{more}", wrong[:EXCHANGES_SHOWN])


# -- the runner -------------------------------------------------------------------------------------------------
@dataclass
class CheckResult:
    """The outcome of one check, with the exchanges worth showing when it failed."""

    check: Check
    outcome: Outcome
    message: str = ""
    duration_ms: int = 0
    exchanges: list[Exchange] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result for the JSON report."""
        return {
            "name": self.check.name,
            "title": self.check.title,
            "providers": list(self.check.providers),
            "outcome": self.outcome,
            "message": self.message,
            "duration_ms": self.duration_ms,
            "exchanges": [e.to_json() for e in self.exchanges],
        }


@dataclass
class Report:
    """A whole run: what was checked, the results, and what cleanup deleted or left."""

    url: str
    provider: str
    started: str
    results: list[CheckResult] = field(default_factory=list)
    cleanup: dict[str, Any] = field(default_factory=dict)
    aborted: str | None = None
    duration_s: float = 0.0

    def count(self, outcome: Outcome) -> int:
        """How many checks had ``outcome``."""
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def ok(self) -> bool:
        """True when every check ran and passed."""
        return self.aborted is None and all(r.outcome == "pass" for r in self.results)

    def to_json(self) -> dict[str, Any]:
        """The JSON report written by ``--json``."""
        return {
            "tool": "scimcore check",
            "version": __version__,
            "url": self.url,
            "provider": self.provider,
            "started": self.started,
            "duration_s": round(self.duration_s, 3),
            "ok": self.ok,
            "aborted": self.aborted,
            "summary": {
                "total": len(self.results),
                "passed": self.count("pass"),
                "failed": self.count("fail"),
                "not_run": self.count("not run"),
            },
            "checks": [r.to_json() for r in self.results],
            "cleanup": self.cleanup,
        }

    def render(self) -> Iterator[str]:
        """The pass/fail table, then each failure with its request and response."""
        width = max([len(r.check.name) for r in self.results] + [5])
        yield f"scimcore check {self.url}  (provider: {self.provider})"
        yield ""
        yield f"  {'result':<8}{'check':<{width + 2}}what it replays"
        for r in self.results:
            yield f"  {r.outcome.upper():<8}{r.check.name:<{width + 2}}{r.check.title}"
        yield ""
        summary = f"{len(self.results)} checks: {self.count('pass')} passed, {self.count('fail')} failed"
        if self.count("not run"):
            summary += f", {self.count('not run')} not run"
        yield summary
        if self.aborted:
            yield f"run stopped: {self.aborted}"
        left = self.cleanup.get("left") or []
        if left:
            yield f"cleanup could not delete {len(left)} resources: " + ", ".join(
                f"/{item['resource']}/{item['id']}" for item in left
            )
        failures = [r for r in self.results if r.outcome == "fail"]
        if failures:
            yield ""
            yield "Failures"
            yield "--------"
        for r in failures:
            yield ""
            yield f"{r.check.name}: {r.check.title}"
            yield f"  {r.message}"
            for exchange in r.exchanges:
                yield ""
                yield from (f"    {line}" for line in exchange.render())


def _shown(trace: list[Exchange]) -> list[Exchange]:
    """The exchanges a failure shows: the check's own last ones (a failed setup request when setup failed)."""
    if trace and trace[-1].setup:
        return trace[-1:]
    own = [e for e in trace if not e.setup]
    return own[-EXCHANGES_SHOWN:]


def _preflight(session: Session) -> None:
    """Entra's Test Connection request, before any check: unreachable or token refused stops with exit 2."""
    try:
        reply = session.call("GET", "/Users", params=[("filter", f'userName eq "{uuid.uuid4()}"')])
    except (CheckFailed, ConnectionLost) as exc:
        raise CannotCheck(f"cannot reach {session.base_url}: {exc}") from None
    finally:
        session.trace.clear()
        session.log.clear()
    if reply.status in (401, 403):
        raise CannotCheck(f"{session.base_url} refused the token: GET /Users answered {reply.status}")
    if reply.status == 404:
        raise CannotCheck(
            f"GET {session.base_url}/Users answered 404: is the URL the SCIM base (for example .../scim/v2)?"
        )


def run_checks(
    url: str,
    token: str,
    provider: str = GENERIC,
    *,
    timeout: float = 15.0,
    progress: Callable[[int, int, CheckResult], None] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Report:
    """Run the checks ``provider`` selects against the SCIM base ``url`` and delete what they created.

    Raises :class:`CannotCheck` when the server cannot be reached or refuses the token before any check.
    ``progress`` is called after each check with its position, the total and its result.  Ctrl-C stops the
    run: the remaining checks are marked not run, the cleanup still runs, and ``report.aborted`` says so.
    """
    import httpx

    if provider not in PROVIDERS:
        raise click.UsageError(f"unknown provider {provider!r}: choose one of {', '.join(PROVIDERS)}")
    checks = select_checks(provider)
    report = Report(url=url, provider=provider, started=datetime.now(UTC).isoformat(timespec="seconds"))
    began = time.monotonic()
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client:
        # Entra's requests often carry no User-Agent; Okta's are set per request.
        del client.headers["User-Agent"]
        session = Session(client, url, token, timeout)
        _preflight(session)
        try:
            for index, item in enumerate(checks, 1):
                if report.aborted is not None:
                    report.results.append(CheckResult(item, "not run", "the run stopped before it"))
                    continue
                result = _run_one(session, item, report)
                report.results.append(result)
                if progress is not None:
                    progress(index, len(checks), result)
        except KeyboardInterrupt:
            report.aborted = INTERRUPTED
            done = {r.check.name for r in report.results}
            report.results += [CheckResult(c, "not run", INTERRUPTED) for c in checks if c.name not in done]
        finally:
            report.cleanup = session.cleanup()
            report.duration_s = time.monotonic() - began
    return report


def _run_one(session: Session, item: Check, report: Report) -> CheckResult:
    session.style = item.style
    session.trace = []
    started = time.monotonic()
    shown: list[Exchange] = []
    try:
        item.run(session)
    except CheckFailed as exc:
        outcome: Outcome = "fail"
        message = session.redact(str(exc))
        shown = exc.exchanges if exc.exchanges is not None else _shown(session.trace)
    except ConnectionLost as exc:
        outcome, message = "fail", session.redact(str(exc))
        shown = _shown(session.trace)
        report.aborted = f"lost the connection during {item.name}: {message}"
    else:
        outcome, message = "pass", ""
    elapsed = int((time.monotonic() - started) * 1000)
    return CheckResult(item, outcome, message, elapsed, shown)


# -- the command -------------------------------------------------------------------------------------------------
def _progress(index: int, total: int, result: CheckResult) -> None:
    position = f"[{index:>{len(str(total))}}/{total}]"
    line = f"{position} {result.outcome.upper():<4} {result.check.name} ({result.duration_ms} ms)"
    if result.message:
        line += f": {result.message}"
    click.echo(line, err=True)


@click.command("check")
@click.argument("url")
@click.option(
    "--token",
    metavar="T",
    required=True,
    envvar="SCIMCORE_CHECK_TOKEN",
    help="Bearer token of the SCIM endpoint (or set SCIMCORE_CHECK_TOKEN). Never printed.",
)
@click.option(
    "--provider",
    type=click.Choice(PROVIDERS),
    default=GENERIC,
    show_default=True,
    help="Whose traffic to replay: Microsoft Entra ID, Okta, or both (generic).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report as JSON to FILE.",
)
@click.option(
    "--timeout",
    metavar="S",
    type=click.FloatRange(min=0.1),
    default=15.0,
    show_default=True,
    help="Seconds to wait for each response.",
)
def check(url: str, token: str, provider: str, json_path: Path | None, timeout: float) -> None:
    """Replay what Entra ID and Okta send against the SCIM 2.0 endpoint at URL, and report what fails.

    URL is the SCIM base (for example https://app.example.com/scim/v2).  The run creates users and groups
    named ScimCheck… and deletes them at the end, also after failures.  Exit status: 0 when every check
    passes, 1 when one fails, 2 for usage or connection errors.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    token = token.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise click.BadParameter("the token is empty", param_hint="--token")
    if json_path is not None and not json_path.parent.is_dir():
        raise click.BadParameter(f"{json_path.parent} is not a directory", param_hint="--json")
    try:
        import httpx  # noqa: F401 - fail early with a clear message
    except ImportError:  # pragma: no cover - depends on the installation
        raise click.ClickException("scimcore check needs httpx: pip install 'scimcore[server]'") from None

    total = len(select_checks(provider))
    click.echo(f"scimcore check: {total} checks ({provider}) against {url}", err=True)
    report = run_checks(url, token, provider, timeout=timeout, progress=_progress)
    cleanup = report.cleanup
    deleted = cleanup.get("deleted", {})
    click.echo(
        f"cleanup: deleted {deleted.get('users', 0)} users and {deleted.get('groups', 0)} groups"
        + (f"; {len(cleanup['left'])} could not be deleted" if cleanup.get("left") else ""),
        err=True,
    )
    for line in report.render():
        click.echo(line)
    if json_path is not None:
        try:
            json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CannotCheck(f"cannot write {json_path}: {exc}") from None
    if report.aborted == INTERRUPTED:
        sys.exit(130)
    if report.aborted is not None:
        click.echo(f"error: {report.aborted}", err=True)
        sys.exit(2)
    sys.exit(0 if report.ok else 1)
