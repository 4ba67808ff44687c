"""What a response must look like for a check to pass, and :class:`CheckFailed` when it does not.

Owns: :class:`CheckFailed`; the assertions on one exchange (its status, a JSON object body, an Error body
with ``status`` as a JSON string, RFC 7644 §3.12; a ListResponse with integer ``totalResults``, RFC 7644
§3.4.2); comparisons of stored values; and the readers that pick a value out of a returned resource the way
the identity providers read it (a dotted path, the work e-mails, group member ids, Entra's manager).
Must not: send a request (the wire and the session do), or expect more of a server than what Entra ID and
Okta send and expect: every message says what was expected and what came back, never what "should" be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scimcore.check.names import ENTERPRISE, ERROR, LIST_RESPONSE

if TYPE_CHECKING:
    from scimcore.check.wire import Exchange


class CheckFailed(Exception):
    """An expectation of a check was not met; the message says what was expected and what came back.

    ``exchanges``, when given, are the ones the reports show instead of the check's last ones.
    """

    def __init__(self, message: str, exchanges: list[Exchange] | None = None) -> None:
        super().__init__(message)
        self.exchanges = exchanges


def setup_prefix(setup: bool) -> str:
    """``"setup: "`` for a request a check makes only to prepare what it checks, else ``""``."""
    return "setup: " if setup else ""


# -- one exchange ------------------------------------------------------------------------------------------------
def expect_status(reply: Exchange, *codes: int, setup: bool = False) -> None:
    """The reply's status must be one of ``codes``."""
    if reply.status not in codes:
        wanted = " or ".join(str(c) for c in codes)
        raise CheckFailed(
            f"{setup_prefix(setup)}{reply.method} {reply.target} answered {reply.status}, expected {wanted}"
        )


def json_object(reply: Exchange, *, setup: bool = False) -> dict[str, Any]:
    """The reply's body, which must be a JSON object."""
    body = reply.json
    if not isinstance(body, dict):
        raise CheckFailed(f"{setup_prefix(setup)}{reply.method} {reply.target}: the body is not a JSON object")
    return body


def created_id(reply: Exchange) -> str:
    """RFC 7644 §3.3: a 201 whose body carries the new resource's ``id``; returns that id."""
    expect_status(reply, 201)
    uid = json_object(reply).get("id")
    if not isinstance(uid, str) or not uid:
        raise CheckFailed("the 201 carries no id")
    return uid


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


def expect_list_response(listing: dict[str, Any]) -> None:
    """RFC 7644 §3.4.2: the ListResponse schema, an integer ``totalResults`` and ``Resources`` as a list."""
    if LIST_RESPONSE not in (listing.get("schemas") or []):
        raise CheckFailed(f"the answer is not a ListResponse: schemas lacks {LIST_RESPONSE}")
    total = listing.get("totalResults")
    if type(total) is not int:
        raise CheckFailed(f"totalResults must be an integer, got {total!r}")
    resources = listing.get("Resources", [])
    if not isinstance(resources, list):
        raise CheckFailed(f"Resources must be a list, got {type(resources).__name__}")


# -- stored values -----------------------------------------------------------------------------------------------
def expect_equal(what: str, got: Any, wanted: Any) -> None:
    """``got`` must equal ``wanted``; the message names ``what`` was compared."""
    if got != wanted:
        raise CheckFailed(f"{what}: expected {wanted!r}, got {got!r}")


def expect_listed(listing: dict[str, Any], rid: str, query: str) -> None:
    """A search must find exactly the resource ``rid``."""
    ids = [r.get("id") for r in listing.get("Resources") or [] if isinstance(r, dict)]
    if listing.get("totalResults") != 1 or ids != [rid]:
        raise CheckFailed(f"{query} should find exactly {rid}; found totalResults={listing.get('totalResults')}, {ids}")


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
