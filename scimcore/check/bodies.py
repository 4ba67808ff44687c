"""The run's request bodies, made from the payload catalogue: the vendor's shape, the run's own values.

Owns: :func:`patch_message`, the PatchOp message every PATCH of a check or a simulator sends (RFC 7644
§3.5.2); :func:`swap`, which puts the run's ids and names where a catalogue payload has the vendor's examples;
the create bodies (RFC 7644 §3.3) every check sends — the plain RFC 7643 user and group the checks create
their fixtures with, and Entra's and Okta's own; and Okta's PUT of a whole user (RFC 7644 §3.5.1).  Each is
a copy of its catalogue payload with a userName, externalId, e-mail or displayName unique to the run, so
that runs never collide with each other or with the server's own data.
Must not: invent a shape the catalogue lacks (a body's keys, their order and every value that is not a
name or id stay the catalogue's), change a catalogue payload in place, or send anything.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from scimcore.check.names import PATCH_OP
from scimcore.check.payloads import entra, generic, okta

if TYPE_CHECKING:
    from scimcore.check.session import Session

_P = TypeVar("_P")


def patch_message(operations: list[dict[str, Any]]) -> dict[str, Any]:
    """The PatchOp message (RFC 7644 §3.5.2) carrying ``operations``, as Entra, Okta and the others send it."""
    return {"schemas": [PATCH_OP], "Operations": operations}


def swap(payload: _P, values: Mapping[str, str]) -> _P:
    """A copy of ``payload`` with every occurrence of each key of ``values``, in keys and strings, replaced.

    Used to put this run's ids and names where the vendor's examples are: ``swap(entra.MANAGER_OBJECT,
    {entra.MANAGER_ID: manager})``.  All replacements happen in one pass, so a replacement is never replaced.
    """
    if not values:
        return copy.deepcopy(payload)
    pattern = re.compile("|".join(re.escape(k) for k in sorted(values, key=len, reverse=True)))

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(lambda m: values[m.group()], item)
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        return item

    result: _P = walk(payload)
    return result


def _with(payload: dict[str, Any], **values: Any) -> dict[str, Any]:
    """A deep copy of ``payload`` with the top-level ``values`` in place of its own, keys in the same order."""
    unknown = set(values) - set(payload)
    if unknown:  # pragma: no cover - a programming error, caught by the tests of every check
        raise KeyError(f"the catalogue payload has no {sorted(unknown)}")
    return {**copy.deepcopy(payload), **values}


# Checks create the users and groups they need with the plain RFC 7643 bodies, so that a check fails only for
# the behaviour it names; the vendors' own create bodies are replayed by the create-* checks.
def plain_user(session: Session) -> dict[str, Any]:
    """A minimal RFC 7643 user: core schema, userName (not the mail, like a UPN), externalId, work e-mail."""
    n = session.unique()
    template = generic.PLAIN_USER
    return _with(
        template,
        userName=f"ScimCheck_{session.run_id}_{n}@contoso.example",
        externalId=str(uuid.uuid4()),
        name={**template["name"], "familyName": f"Check{n}"},
        displayName=f"ScimCheck {session.run_id} {n}",
        emails=[{**template["emails"][0], "value": f"scimcheck.{session.run_id}.{n}@mail.example"}],
    )


def plain_group(session: Session) -> dict[str, Any]:
    """A minimal RFC 7643 group: core schema and a displayName unique to the run."""
    return _with(generic.PLAIN_GROUP, displayName=f"ScimCheck Group {session.run_id} {session.unique()}")


def entra_user(session: Session) -> dict[str, Any]:
    """Entra's create-user body from Microsoft's SCIM endpoint tutorial (userName from a UPN, not the mail)."""
    n = session.unique()
    template = entra.TUTORIAL_CREATE_USER
    return _with(
        template,
        externalId=str(uuid.uuid4()),
        userName=f"ScimCheck_{session.run_id}_{n}@contoso.example",
        emails=[{**template["emails"][0], "value": f"scimcheck.{session.run_id}.{n}@testuser.example"}],
    )


def okta_user(session: Session) -> dict[str, Any]:
    """Okta's create-user body from its SCIM 2.0 reference: password, locale, ``groups: []``."""
    n = session.unique()
    login = f"scimcheck.{session.run_id}.{n}@okta.local"
    template = okta.CREATE_USER
    return _with(
        template,
        userName=login,
        emails=[{**template["emails"][0], "value": login}],
        externalId=f"00u{session.run_id}{n:04d}",
    )


def entra_group(session: Session) -> dict[str, Any]:
    """Entra's create-group body: the core Group URI plus Microsoft's undeclared ADSCIM Group URI."""
    return _with(
        entra.TUTORIAL_CREATE_GROUP,
        externalId=str(uuid.uuid4()),
        displayName=f"ScimCheck Group {session.run_id} {session.unique()}",
    )


def okta_group(session: Session) -> dict[str, Any]:
    """Okta Push Groups' create body: ``members: []``."""
    return _with(okta.CREATE_GROUP, displayName=f"ScimCheck Group {session.run_id} {session.unique()}")


def okta_put_user(uid: str, user_name: str) -> dict[str, Any]:
    """Okta's PUT of the whole user from its SCIM 2.0 reference, for the user ``uid`` named ``user_name``.

    The user's own ``id`` and name in the body, a new work e-mail (``another.<userName>``, display ``x``).
    """
    template = okta.PUT_USER
    return _with(
        template,
        id=uid,
        userName=user_name,
        emails=[{**template["emails"][0], "value": f"another.{user_name}", "display": "x"}],
    )
