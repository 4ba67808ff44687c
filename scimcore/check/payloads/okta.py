"""Okta's SCIM 2.0 traffic, literal: the bodies of Okta's "SCIM 2.0 protocol reference" and its SPEC/CRUD tests.

Owns: what Okta sends when it creates, replaces, deactivates and reactivates users (``password``, ``locale`` and
``groups: []`` in the create; the whole user, ``id`` and ``meta`` included, in the PUT of RFC 7644 §3.5.1;
deactivation by a path-less ``replace``, RFC 7644 §3.5.2.3) and what Push Groups sends (create with
``members: []``, rename carrying the group's own ``id``, membership by ``members[value eq "<id>"]`` and lists
of ``{"value", "display"}``, RFC 7644 §3.5.2).  Okta sends them with ``Content-Type: application/json`` and
``User-Agent: Okta SCIM Client 1.0.0``.  Ids are Okta's examples.  The facts behind each source are recorded
in ``../shared/idp-traffic.md``.
Must not: import anything beyond :mod:`typing`, or hold behaviour; a payload is copied before it is changed.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "ADD_MEMBER",
    "CREATE_GROUP",
    "CREATE_USER",
    "DEACTIVATE",
    "PUT_USER",
    "REACTIVATE",
    "REMOVE_AND_ADD_MEMBERS",
    "RENAME_GROUP",
    "REPLACE_MEMBERS",
]

# -- users ---------------------------------------------------------------------------------------------------
#: Source: Okta, "SCIM 2.0 protocol reference", create the user (POST /Users); the same body as the CRUD
#: test "Create Okta user with realistic values".
CREATE_USER: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}

#: Source: Okta, "SCIM 2.0 protocol reference", update a specific user (PUT /Users/{id}): the whole user,
#: with an ``id`` of Okta's example inside the body.
PUT_USER: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
    "userName": "another.user@okta.com",
    "name": {"givenName": "Another", "middleName": "", "familyName": "User"},
    "emails": [
        {"primary": True, "value": "another.user@example.com", "type": "work", "display": "another.user@example.com"}
    ],
    "active": True,
    "groups": [],
    "meta": {"resourceType": "User"},
}

#: Source: Okta, "SCIM 2.0 protocol reference", update a specific user (PATCH): deactivation, Okta's delete.
DEACTIVATE: Final[list[dict[str, Any]]] = [{"op": "replace", "value": {"active": False}}]

#: Source: Okta, "SCIM 2.0 protocol reference", update a specific user (PATCH): reactivation, the same
#: path-less replace with ``active: true``.
REACTIVATE: Final[list[dict[str, Any]]] = [{"op": "replace", "value": {"active": True}}]

# -- Push Groups ---------------------------------------------------------------------------------------------
#: Source: Okta, "SCIM 2.0 protocol reference", create groups (POST /Groups from Push Groups).
CREATE_GROUP: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Test SCIM",
    "members": [],
}

#: Source: Okta, "SCIM 2.0 protocol reference", update a specific group name: a path-less replace whose
#: value carries the group's own id.
RENAME_GROUP: Final[list[dict[str, Any]]] = [
    {"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIM2"}}
]

#: Source: Okta, "SCIM 2.0 protocol reference", update specific group membership: add one member.
ADD_MEMBER: Final[list[dict[str, Any]]] = [
    {
        "op": "add",
        "path": "members",
        "value": [{"value": "1baf6a44-70e0-44ef-a043-3a546116799f", "display": "test.user@example.com"}],
    }
]

#: Source: Okta, "SCIM 2.0 protocol reference", update specific group membership: Push Groups sends a
#: removal by filter and an add of two members in one request.
REMOVE_AND_ADD_MEMBERS: Final[list[dict[str, Any]]] = [
    {"op": "remove", "path": 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]'},
    {
        "op": "add",
        "path": "members",
        "value": [
            {"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"},
            {"value": "1baf6a44-70e0-44ef-a043-3a546116799f", "display": "another.user@okta.local"},
        ],
    },
]

#: Source: Okta, "SCIM 2.0 protocol reference", update specific group membership: replace the whole list
#: (also sent by Microsoft's SCIM validator).
REPLACE_MEMBERS: Final[list[dict[str, Any]]] = [
    {
        "op": "replace",
        "path": "members",
        "value": [{"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"}],
    }
]
