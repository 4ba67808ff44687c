"""The example SETs of RFC 9967 (§2.3–2.5, Figures 2–11 and 14–19) as claims sets, for the SET tests."""

from __future__ import annotations

from typing import Any

FEED = "https://scim.example.com/Feeds/98d52461fa5bbc879593b7754"
ISSUER = "https://scim.example.com"


def _base(jti: str, uri: str, sub: dict[str, Any], iat: int = 1458505044) -> dict[str, Any]:
    return {
        "jti": jti, "sub_id": {"format": "scim", **sub}, "iat": iat, "iss": ISSUER, "aud": [FEED], "events": {uri: {}}
    }


def _with(claims: dict[str, Any], payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    uri = next(iter(claims["events"]))
    return {**claims, **extra, "events": {uri: payload}}


_USER = {"uri": "/Users/2b2f880af6674ac284bae9381673d462", "externalId": "jdoe"}
_GROUP = {"uri": "/Groups/176f397ec4c44b94b2cfcb759780b8c2", "externalId": "crmUsers"}
_PUT_USER = {"uri": "/Users/2819c223-7f76-453a-919d-413861904646"}
_CREATED = {"uri": "/Users/44f6142df96bd6ab61e7521d9", "externalId": "jdoe"}
_CREATE_AUD = [FEED, "https://scim.example.com/Feeds/5d7604516b1d08641d7676ee7"]
_JOHN = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "emails": [{"type": "work", "value": "jdoe@example.com"}],
    "userName": "jdoe",
    "name": {"givenName": "John", "familyName": "Doe"},
}
_JON = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "jdoe",
    "externalId": "jdoe",
    "name": {"formatted": "Mr. Jon Jack Doe III", "familyName": "Doe", "givenName": "Jon", "middleName": "Jack"},
    "roles": [],
    "emails": [{"value": "jdoe@example.com"}, {"value": "anon@jdoe.org"}],
}
_ADD_BABS = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "add",
        "path": "members",
        "value": [{"display": "Babs Jensen", "$ref": "/Users/2819c223...413861904646",
                   "value": "2819c223-7f76-453a-919d-413861904646"}],
    }],
}
P = "urn:ietf:params:scim:event:"

EXAMPLES: dict[str, dict[str, Any]] = {
    "feed add (Figure 2)": _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "feed:add", _USER, 1458505044)
    | {"txn": "b7b953f11cc6489bbfb87834747cc4c1"},
    "feed remove (Figure 3)": _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "feed:remove", _USER),
    "create full (Figure 4)": _with(
        _base("4d3559ec67504aaba65d40b0363faad8", P + "prov:create:full", _CREATED, 1458496404),
        {"data": _JOHN}, aud=_CREATE_AUD,
    ),
    "create notice (Figure 5)": _with(
        _base("4d3559ec67504aaba65d40b0363faad8", P + "prov:create:notice", _CREATED, 1458496404),
        {"attributes": ["id", "name", "userName", "password", "emails"]}, aud=_CREATE_AUD,
    ),
    "patch full (Figure 6)": _with(
        _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "prov:patch:full", _GROUP),
        {"version": "a330bc54f0671c9", "data": _ADD_BABS},
    ),
    "patch notice (Figure 7)": _with(
        _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "prov:patch:notice", _GROUP),
        {"attributes": ["members"], "version": "a330bc54f0671c9"},
    ),
    "put full (Figure 8)": _with(
        _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "prov:put:full", _PUT_USER),
        {"version": "a330bc54f0671c9", "data": _JON},
    ),
    "put notice (Figure 9)": _with(
        _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "prov:put:notice", _PUT_USER),
        {"version": "a330bc54f0671c9", "attributes": ["userName", "externalId", "name", "roles", "emails"]},
    ),
    "delete (Figure 10)": _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "prov:delete",
                                {"uri": "/Users/2b2f880af6674ac284bae9381673d462", "externalId": "jDoe"}),
    "activate (Figure 11)": _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "prov:activate",
                                  {"uri": "/Users/2b2f880af6674ac284bae9381673d462"}),
    "async response (Figure 14)": _with(
        _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "misc:asyncresp", _PUT_USER),
        {"method": "PUT", "version": 'W/"huJj29dMNgu3WXPD"', "status": "200"},
        txn="734f0614e3274f288f93ac74119dcf78",
    ),
    "async error response (Figure 15)": _with(
        _base("6164f3bbf6ff41a88dc94f18cb0620e8", P + "misc:asyncresp", _PUT_USER),
        {"method": "PUT", "version": 'W/"huJj29dMNgu3WXPD"', "status": "400",
         "response": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "scimType": "invalidSyntax",
                      "detail": "Request is unparsable", "status": "400"}},
        txn="734f0614e3274f288f93ac74119dcf78",
    ),
    "async bulk delete (Figure 19)": _with(
        _base("6a7843a7f5244d0eb62ca38b641d9139", P + "misc:asyncresp",
              {"uri": "/Users/e9025315-6bea-44e1-899c-1e07454e468b"}, 1458505047),
        {"method": "DELETE", "status": "204"}, txn="2d80e537a3f64622b0347b641ebc8f44:4",
    ),
}
"""Each example's claims set as RFC 9967 prints it (shortened URIs kept as printed)."""
