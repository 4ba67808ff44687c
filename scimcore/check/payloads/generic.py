"""Plain RFC 7643 bodies: what ``scimcore check`` creates the users and groups of its checks with.

Owns: the minimal user (RFC 7643 §4.1: core schema, ``userName``, ``externalId``, ``name``, ``displayName``,
one work e-mail, ``active``) and group (RFC 7643 §4.2: core schema, ``displayName``) that a check creates as
its fixtures, so that it fails only for the behaviour it names; the vendors' own create bodies are in
:mod:`~scimcore.check.payloads.entra` and :mod:`~scimcore.check.payloads.okta`.  The names and ids are
examples of the run-unique values :mod:`scimcore.check.bodies` puts in their place.
Must not: import anything beyond :mod:`typing`, hold behaviour, or carry an attribute a vendor quirk needs.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["PLAIN_GROUP", "PLAIN_USER"]

#: Source: RFC 7643 §4.1 (User), written for scimcore check: the core attributes only, userName not the
#: mail (as Entra's UPN-based userName), every value unique to the run.
PLAIN_USER: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "ScimCheck_0f1e2d3c_1@contoso.example",
    "externalId": "8f0c5b8e-6a43-4a3e-9d0c-2b6f0e9a7c11",
    "name": {"givenName": "Scim", "familyName": "Check1"},
    "displayName": "ScimCheck 0f1e2d3c 1",
    "emails": [{"primary": True, "type": "work", "value": "scimcheck.0f1e2d3c.1@mail.example"}],
    "active": True,
}

#: Source: RFC 7643 §4.2 (Group), written for scimcore check: the core schema and a displayName unique to
#: the run; members are added by the check that needs them.
PLAIN_GROUP: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "ScimCheck Group 0f1e2d3c 2",
}
