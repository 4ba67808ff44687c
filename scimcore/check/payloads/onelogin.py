"""OneLogin's SCIM 2.0 traffic, literal: the bodies its *SCIM Provisioner with SAML (SCIM v2 Enterprise)* app sends.

Owns: the user body OneLogin builds from the app's *SCIM JSON Template* (RFC 7643 §4.1 with the enterprise
extension of §4.3), sent on create and on update; the suspension and reactivation of a user (RFC 7644
§3.5.2.3) and the group bodies (RFC 7643 §4.2, RFC 7644 §3.5.2) its group provisioning sends.  Sources:

- ``TEMPLATE``: the default *SCIM JSON Template* of OneLogin's "SCIM Provisioner with SAML (SCIM v2
  Enterprise)" application, as integrators publish it for their customers (for example
  https://www.livingsecurity.com/migration/support/configuring-scim-for-onelogin and
  https://support.templafy.com/hc/en-us/articles/360000981638-How-to-setup-SCIM-for-OneLogin): core and
  enterprise schemas, ``userName`` from the *SCIM Username* parameter, ``name``, one work e-mail marked
  primary, and the enterprise ``department``.  The template holds no ``active``.
- ``HOWTO``: scimcore's guide ``docs/how-to/onelogin.md`` (the app's Provisioning tab): a suspended user
  arrives as ``PATCH`` of ``active`` false, a deleted one as ``DELETE /Users/{id}`` when the app is set to
  delete, and nothing is sent when a group is deleted in OneLogin.
- ``RFC``: where OneLogin's documentation shows no body (its group PATCHes), the RFC 7644 §3.5.2 form.

Values are examples a simulator replaces.  Must not: import anything beyond :mod:`typing`, or hold
behaviour; a payload is copied before it is changed.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["ADD_MEMBERS", "CREATE_GROUP", "REACTIVATE", "REMOVE_MEMBER", "RENAME_GROUP", "SUSPEND", "USER"]

# -- users -------------------------------------------------------------------------------------------------------
#: Source: TEMPLATE, the SCIM v2 Enterprise app's default SCIM JSON Template filled in for one user; OneLogin
#: sends it as the body of ``POST /Users`` and of the ``PUT /Users/{id}`` of an update.
USER: Final[dict[str, Any]] = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "userName": "ana.lima@globex.example",
    "name": {"familyName": "Lima", "givenName": "Ana"},
    "emails": [{"value": "ana.lima@globex.example", "type": "work", "primary": True}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Finance"},
}

#: Source: HOWTO, a user suspended in OneLogin (or unassigned, when the app suspends rather than deletes):
#: ``active`` false, in the RFC 7644 §3.5.2.3 replace by path.
SUSPEND: Final[list[dict[str, Any]]] = [{"op": "replace", "path": "active", "value": False}]

#: Source: HOWTO, a suspended user reactivated in OneLogin: the same replace with ``active`` true.
REACTIVATE: Final[list[dict[str, Any]]] = [{"op": "replace", "path": "active", "value": True}]

# -- groups ------------------------------------------------------------------------------------------------------
#: Source: RFC 7643 §4.2, the group OneLogin's group provisioning creates from a value of the Groups
#: parameter: the core schema and its name, no members.
CREATE_GROUP: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Finance",
}

#: Source: RFC, RFC 7644 §3.5.2.1 adding members to a group: lower-case ``add`` with a list of values.
ADD_MEMBERS: Final[list[dict[str, Any]]] = [
    {"op": "add", "path": "members", "value": [{"value": "2819c223-7f76-453a-919d-413861904646"}]}
]

#: Source: RFC, RFC 7644 §3.5.2.2 removing one member: ``members[value eq "<id>"]``.
REMOVE_MEMBER: Final[list[dict[str, Any]]] = [
    {"op": "remove", "path": 'members[value eq "2819c223-7f76-453a-919d-413861904646"]'}
]

#: Source: RFC, RFC 7644 §3.5.2.3 renaming a group: a replace of ``displayName`` by path.
RENAME_GROUP: Final[list[dict[str, Any]]] = [{"op": "replace", "path": "displayName", "value": "Finance EMEA"}]
