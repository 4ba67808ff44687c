"""Checks of the protocol around the resources: connection, authentication, errors, paging, media type.

Owns: the replays of Entra's *Test Connection* and Okta's lookup of a user that does not exist (RFC 7644
§3.4.2), Okta's ``Authorization: non-token`` (RFC 7644 §2, an Error body of §3.12), the 404 of an unknown id
(§3.12), paging with ``startIndex`` and ``count`` (§3.4.2.4), and the media type of every response the run
received (``application/scim+json``, §3.1, §8.1).
Must not: leave a resource behind outside the session's bookkeeping, or expect a paging order beyond
"stable across pages".
"""

from __future__ import annotations

import uuid
from typing import Any

from scimcore.check.expectations import CheckFailed, expect_equal, expect_error
from scimcore.check.names import SCIM_JSON
from scimcore.check.report import EXCHANGES_SHOWN
from scimcore.check.session import Session


def connection_entra(s: Session) -> None:
    """Test Connection: userName eq a random GUID answers 200 with an empty ListResponse.

    Entra's *Test Connection* looks up a user that cannot exist and needs 200 with ``totalResults: 0``;
    a 404 makes the admin's connection test fail (Microsoft Learn, SCIM endpoint tutorial).
    """
    listing = s.search("Users", f'userName eq "{uuid.uuid4()}"')
    expect_equal("totalResults", listing.get("totalResults"), 0)
    expect_equal("Resources", listing.get("Resources") or [], [])


def connection_okta(s: Session) -> None:
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


def unauthorized(s: Session) -> None:
    """`Authorization: non-token` answers 401 with a SCIM error body whose status is "401".

    Okta's SPEC test sends the literal header ``Authorization: non-token`` and wants 401 with an Error
    body (``status: "401"``), not a 200, a 403 or an HTML page.
    """
    expect_error(s.call("GET", "/Users", auth="non-token"), 401)


def unknown_id(s: Session) -> None:
    """GET /Users/<unknown id> answers 404 with an Error body (status "404", a detail).

    Okta's SPEC test "Test invalid User by ID" checks the 404, the Error schema, ``status: "404"`` and a
    non-empty ``detail``.
    """
    expect_error(s.call("GET", f"/Users/{uuid.uuid4()}"), 404, detail=True)


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


def paging_users(s: Session) -> None:
    """/Users?startIndex=1,6,11&count=5 over ≥11 users: full pages, startIndex echoed, integers, no repeats.

    Microsoft's validator pages users with ``count=5``; Okta imports page by page and needs integer
    ``totalResults``, ``itemsPerPage`` and ``startIndex`` (RFC 7644 §3.4.2.4).
    """
    _paging(s, "Users")


def paging_groups(s: Session) -> None:
    """/Groups?startIndex=1,6,11&count=5 over ≥11 groups: the same rules as for users."""
    _paging(s, "Groups")


def content_type(s: Session) -> None:
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

