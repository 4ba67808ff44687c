"""Checks of user PATCH: Entra's attribute updates with and without its flag, disabling, the manager.

Owns: the replays of the "Known issues" page's user updates (one ``Replace`` per attribute, and the flag's
path-less ``replace`` whose keys are attribute paths, stored nested; RFC 7644 §3.5.2.3), disabling by
``active`` as Entra (``"False"`` or false) and Okta (a path-less replace) send it, and every form in which
Entra sets, changes, clears and removes the enterprise ``manager`` (RFC 7643 §4.3; RFC 7644 §3.5.2), each
verified with a GET.  The operations come from the payload catalogue, with the run's values in them.
Must not: accept a PATCH answer other than 200 or 204, or call a stored path key (``"name.givenName"`` kept
literally) a pass.
"""

from __future__ import annotations

import json
from typing import Any

from scimcore.check.bodies import swap
from scimcore.check.expectations import CheckFailed, attribute, expect_equal, work_emails
from scimcore.check.names import ENTERPRISE
from scimcore.check.payloads import entra, okta
from scimcore.check.session import Session


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
    by_path = {
        "displayName": wanted["displayName"],
        'emails[type eq "work"].value': wanted["email"],
        "name.givenName": wanted["givenName"],
        "name.familyName": wanted["familyName"],
        "externalId": wanted["externalId"],
        f"{ENTERPRISE}:employeeNumber": wanted["employeeNumber"],
    }
    # The "Known issues" page's six ops with the run's values, then active as Entra sends it without the flag
    # ("True", capitalised) or with it (a boolean).
    ops = [{**item, "op": op, "value": by_path[item["path"]]} for item in entra.UPDATE_WITHOUT_FLAG]
    (active,) = entra.DISABLE_WITHOUT_FLAG if capitalised else entra.DISABLE_WITH_FLAG
    ops.append({**active, "value": "True" if capitalised else True})
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


def patch_user_verbose(s: Session) -> None:
    """Capitalised Replace ops, one per attribute, with "True" as a string (Entra without aadOptscim062020).

    The "Known issues" page's request before the flag: ``Replace`` ops on displayName, the work e-mail's
    filtered path, ``name.givenName``, ``name.familyName``, externalId and the enterprise employeeNumber.
    """
    uid, _ = s.new_user()
    ops, wanted = _verbose_ops(s, capitalised=True)
    s.patch(f"/Users/{uid}", ops)
    _expect_updated(s.fetch(f"/Users/{uid}"), wanted)


def patch_user_verbose_flag(s: Session) -> None:
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
    by_key = {
        "displayName": wanted["displayName"],
        "name.givenName": wanted["givenName"],
        "name.familyName": wanted["familyName"],
        f"{ENTERPRISE}:employeeNumber": wanted["employeeNumber"],
    }
    # The "Known issues" page's flagged request (the work e-mail by path, then one path-less replace of the
    # rest) with the run's values, followed by the validator's path-less replace of userName.
    email, pathless = entra.UPDATE_WITH_FLAG
    value: dict[str, Any] = {key: by_key[key] for key in pathless["value"]}
    rename = {**pathless, "value": {"userName": wanted["userName"]}}
    if capitalised:  # as tenants without the flag send it: capitalised, "True" as a string, no e-mail op
        value["active"] = "True"
        return [{**pathless, "op": "Replace", "value": value}, {**rename, "op": "Replace"}], wanted
    wanted["email"] = f"testmhvaes.{s.run_id}.{n}@test.microsoft.example"
    return [{**email, "value": wanted["email"]}, {**pathless, "value": value}, rename], wanted


def patch_user_pathless(s: Session) -> None:
    """Path-less Replace whose keys are attribute paths ("name.givenName", the enterprise URN), "True" string.

    Keys of a path-less value are paths to store nested, never literal keys; the validator also replaces
    ``userName`` with a path-less op.  Capitalised, as Microsoft's tutorial and unflagged tenants send it.
    """
    uid, _ = s.new_user()
    ops, wanted = _pathless(s, capitalised=True)
    s.patch(f"/Users/{uid}", ops)
    _expect_updated(s.fetch(f"/Users/{uid}"), wanted)


def patch_user_pathless_flag(s: Session) -> None:
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


def disable_entra(s: Session) -> None:
    """{"op": "Replace", "path": "active", "value": "False"} stores active as the boolean false.

    Entra disables (soft-deletes) users this way when the flag is absent; the string must become a boolean.
    """
    _disable(s, entra.DISABLE_WITHOUT_FLAG)


def disable_entra_flag(s: Session) -> None:
    """{"op": "replace", "path": "active", "value": false} with ?aadOptscim062020 disables the user."""
    _disable(s, entra.DISABLE_WITH_FLAG, flag=True)


def disable_okta(s: Session) -> None:
    """Okta's deactivation, a path-less {"op": "replace", "value": {"active": false}}, disables the user.

    Okta never deletes users: deactivation is its delete.
    """
    _disable(s, okta.DEACTIVATE)


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


def manager_add_string(s: Session) -> None:
    """{"op": "Add", "path": "urn:…:enterprise:2.0:User:manager", "value": "<id>"}: a bare id string.

    Entra sends the manager's id as a plain string; GET must return ``{"value": id}`` in the extension, or
    Entra reports the endpoint incompatible.
    """
    manager = s.shared_user("manager-1")
    uid, _ = s.new_user()
    s.patch(f"/Users/{uid}", swap(entra.MANAGER_BARE_STRING, {entra.MANAGER_ID: manager}))
    _expect_manager(s, uid, manager)


def manager_replace(s: Session) -> None:
    """{"op": "replace", "path": "urn:…:manager", "value": {"value": "<id>"}} changes the manager."""
    first, second = s.shared_user("manager-1"), s.shared_user("manager-2")
    uid, _ = s.new_user(manager=first)
    s.patch(f"/Users/{uid}", swap(entra.MANAGER_OBJECT, {entra.MANAGER_ID: second}))
    _expect_manager(s, uid, second)


def manager_short_path(s: Session) -> None:
    """{"op": "Add", "path": "manager", "value": [{"$ref": …, "value": "<id>"}]}: short path, an array.

    Seen from Entra: the unqualified path ``manager`` and a one-element array for a single-valued attribute.
    """
    manager = s.shared_user("manager-1")
    uid, _ = s.new_user()
    ids = {entra.EXAMPLE_BASE_URL: s.base_url, entra.MANAGER_ID: manager}
    s.patch(f"/Users/{uid}", swap(entra.MANAGER_SHORT_PATH_ARRAY, ids))
    _expect_manager(s, uid, manager)


def manager_clear(s: Session) -> None:
    """{"op": "replace", "path": "urn:…:manager", "value": {"value": ""}} removes the manager.

    Entra clears a manager by replacing it with an empty value; GET must no longer return one.
    """
    uid, _ = s.new_user(manager=s.shared_user("manager-1"))
    s.patch(f"/Users/{uid}", entra.MANAGER_CLEARED)
    _expect_manager(s, uid, None)


def manager_remove(s: Session) -> None:
    """{"op": "remove", "path": "urn:…:manager"} removes the manager."""
    uid, _ = s.new_user(manager=s.shared_user("manager-1"))
    s.patch(f"/Users/{uid}", entra.MANAGER_REMOVED)
    _expect_manager(s, uid, None)


