"""Checks of users: create, duplicates, lookups, the whole-user PUT and delete (RFC 7644 §3.3–§3.6).

Owns: the replays of Entra's and Okta's create-user bodies (from the payload catalogue) verified with a GET,
the 409 of a duplicate ``userName`` (RFC 7644 §3.3, §3.12), the ``userName`` (case-insensitive, RFC 7643
§4.1.1), ``externalId`` and work e-mail filters Entra matches users with (RFC 7644 §3.4.2.2), Okta's PUT of
the whole user (§3.5.1) and the validator's delete twice (§3.6).
Must not: expect more than the vendors do (the password of Okta's body must only never come back, RFC 7643
§4.1.1 ``returned: never``), or build a body the catalogue does not hold.
"""

from __future__ import annotations

from scimcore.check.bodies import entra_user, okta_put_user, okta_user, plain_user
from scimcore.check.expectations import (
    CheckFailed,
    attribute,
    created_id,
    expect_equal,
    expect_error,
    expect_listed,
    expect_status,
    json_object,
    work_emails,
)
from scimcore.check.names import OKTA
from scimcore.check.session import Session


def create_user_entra(s: Session) -> None:
    """POST the tutorial's user (core + enterprise schemas, meta, roles: []) → 201, stored as sent.

    Microsoft's SCIM endpoint tutorial body; Entra keeps the returned ``id`` for every later request.
    """
    body = entra_user(s)
    reply = s.call("POST", "/Users", body)
    uid = created_id(reply)
    stored = s.fetch(f"/Users/{uid}")
    expect_equal("userName", stored.get("userName"), body["userName"])
    expect_equal("externalId", stored.get("externalId"), body["externalId"])
    expect_equal("active", stored.get("active"), True)
    expect_equal('emails[type eq "work"].value', work_emails(stored), [body["emails"][0]["value"]])
    expect_equal("name.givenName", attribute(stored, "name.givenName"), "givenName")
    expect_equal("name.familyName", attribute(stored, "name.familyName"), "familyName")


def create_user_okta(s: Session) -> None:
    """POST Okta's user (password, locale, groups: [], Content-Type application/json) → 201, stored.

    Okta's CRUD test "Create Okta user with realistic values" then "Verify that user was created" (GET);
    the password must never come back (RFC 7643 §4.1.1, ``returned: never``).
    """
    body = okta_user(s)
    reply = s.call("POST", "/Users", body)
    uid = created_id(reply)
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


def duplicate_user_entra(s: Session) -> None:
    """POSTing the same user again answers 409 with an error body; only one user exists afterwards.

    Microsoft's SCIM validator creates a user twice and expects 409 (uniqueness of ``userName``).
    """
    _duplicate_user(s)


def duplicate_user_okta(s: Session) -> None:
    """Okta's same user again (application/json) answers 409 with an error body; still one user.

    Okta's SPEC test "Expect failure when recreating user with same values".
    """
    _duplicate_user(s)


def filter_username_case_entra(s: Session) -> None:
    """userName eq in upper case finds the user (userName matching is case-insensitive).

    Microsoft's validator filters with a different case and expects the hit (``userName`` is
    ``caseExact: false``, RFC 7643 §4.1.1).
    """
    uid, body = s.new_user()
    query = f'userName eq "{body["userName"].upper()}"'
    expect_listed(s.search("Users", query), uid, query)


def filter_username_case_okta(s: Session) -> None:
    """Okta's lookup with userName in another case (startIndex=1&count=100) finds the user.

    Okta's SPEC test "Username Case Sensitivity Check" must answer 200 with the user.
    """
    uid, body = s.new_user()
    query = f'userName eq "{body["userName"].upper()}"'
    expect_listed(s.search("Users", query, params=[("startIndex", "1"), ("count", "100")]), uid, query)


def filter_external_id(s: Session) -> None:
    """externalId eq "<id>" finds the user (a matching attribute Entra may be configured with)."""
    uid, body = s.new_user()
    query = f'externalId eq "{body["externalId"]}"'
    expect_listed(s.search("Users", query), uid, query)


def filter_email(s: Session) -> None:
    """emails[type eq "work"].value eq "<mail>" finds the user (Entra's mail matching attribute)."""
    uid, body = s.new_user()
    query = f'emails[type eq "work"].value eq "{body["emails"][0]["value"]}"'
    expect_listed(s.search("Users", query), uid, query)


def replace_user_put(s: Session) -> None:
    """PUT of the whole user (Okta's update) answers 200 and the GET shows the new values.

    Okta's CRUD tests and most Okta integrations update users with PUT of the full resource, ``id`` included.
    """
    uid, body = s.new_user()
    replacement = okta_put_user(uid, body["userName"])
    expect_status(s.call("PUT", f"/Users/{uid}", replacement), 200)
    stored = s.fetch(f"/Users/{uid}")
    expect_equal("name.givenName", attribute(stored, "name.givenName"), "Another")
    expect_equal('emails[type eq "work"].value', work_emails(stored), [replacement["emails"][0]["value"]])
    expect_equal("active", stored.get("active"), True)


def delete_user_twice(s: Session) -> None:
    """DELETE /Users/{id} answers 204, then GET and a second DELETE answer 404.

    Microsoft's validator deletes twice; Entra hard-deletes 30 days after a soft delete.
    """
    uid, _ = s.new_user()
    expect_status(s.call("DELETE", f"/Users/{uid}"), 204)
    expect_status(s.call("GET", f"/Users/{uid}"), 404)
    expect_status(s.call("DELETE", f"/Users/{uid}"), 404)


