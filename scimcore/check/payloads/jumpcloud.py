"""JumpCloud's SCIM 2.0 traffic, literal: the bodies of its *Custom SCIM Identity Management* integration.

Owns: the user JumpCloud provisions from its default attribute mapping (RFC 7643 §4.1), the groups and
memberships of its group management (RFC 7643 §4.2, RFC 7644 §3.5.2) and the test user and test group its
*Test Connection* creates and deletes.  Sources:

- ``CUSTOM_SCIM``: JumpCloud, "Identity Management using a Custom SCIM Integration"
  (https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration):
  the connection test creates a test user (from the *Test User Email*) and a test group and deletes both
  when the service provider supports DELETE, else deactivates the test user; JumpCloud logs a lookup
  before it decides between creating and updating a user, a deprovisioning that sets a user inactive and
  a deletion.
- ``MAPPING``: the attribute and group-management tables of JumpCloud's pre-built SCIM integration pages
  (for example JumpCloud support post 85119, https://jumpcloud.com/wp-json/wp/v2/support/85119, and post
  92139's attribute table): ``username`` → ``userName``, the
  company e-mail → ``emails.value``, first and last name → ``name.givenName`` / ``name.familyName``, the
  employee identifier → ``externalId``, the status → ``active``, ``displayName``; a group's name →
  ``displayName``; empty groups are not created, an existing group whose name matches is taken over,
  renaming is supported, a group deleted in JumpCloud is deleted in the application.
- ``HOWTO``: scimcore's guide ``docs/how-to/jumpcloud.md``: member removals in the value-list form.
- ``RFC``: where JumpCloud's documentation shows no body, the RFC 7644 §3.5.2 form.

Values are examples a simulator replaces.  Must not: import anything beyond :mod:`typing`, or hold
behaviour; a payload is copied before it is changed.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["ADD_MEMBERS", "CREATE_GROUP", "REMOVE_MEMBERS", "RENAME_GROUP", "TEST_GROUP", "USER"]

# -- users -------------------------------------------------------------------------------------------------------
#: Source: MAPPING, the default attribute mapping filled in for one user; JumpCloud sends it as the body of
#: ``POST /Users`` and, whole, of the ``PUT /Users/{id}`` of an update or a deactivation (``active`` false).
USER: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "jdoe",
    "externalId": "E-1047",
    "name": {"givenName": "Jane", "familyName": "Doe"},
    "displayName": "Jane Doe",
    "emails": [{"value": "jane.doe@umbrella.example"}],
    "active": True,
}

# -- groups ------------------------------------------------------------------------------------------------------
#: Source: MAPPING, a JumpCloud user group bound to the application: the core schema and its name.
CREATE_GROUP: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Engineering",
}

#: Source: CUSTOM_SCIM, the test group Test Connection creates (and deletes); its name is an example, the
#: page does not give JumpCloud's.
TEST_GROUP: Final[dict[str, Any]] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "JumpCloud SCIM test group",
}

#: Source: RFC, RFC 7644 §3.5.2.1 adding members to a group: ``add`` with a list of values.
ADD_MEMBERS: Final[list[dict[str, Any]]] = [
    {"op": "add", "path": "members", "value": [{"value": "5f3b6c1e9a2d4e0012ab34cd"}]}
]

#: Source: HOWTO, a member removal as JumpCloud sends it: ``remove`` of ``members`` with a value list, the
#: form Entra ID uses without its flag.
REMOVE_MEMBERS: Final[list[dict[str, Any]]] = [
    {"op": "remove", "path": "members", "value": [{"value": "5f3b6c1e9a2d4e0012ab34cd"}]}
]

#: Source: MAPPING ("group renaming is supported"), in the RFC 7644 §3.5.2.3 form: a replace of
#: ``displayName`` by path.
RENAME_GROUP: Final[list[dict[str, Any]]] = [{"op": "replace", "path": "displayName", "value": "Platform"}]
