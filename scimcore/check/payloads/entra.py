"""Microsoft Entra ID's SCIM traffic, literal: the bodies of Microsoft's documentation and tools.

Owns: what Entra ID sends to create users and groups (RFC 7644 §3.3) and the PATCH operations it updates
them with (RFC 7644 §3.5.2), taken from four sources:

- ``TUTORIAL``: Microsoft Learn, "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft
  Entra ID" (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups);
- ``WALKTHROUGH``: Microsoft's older provisioning walkthrough (the ``jyoung`` example);
- ``KNOWN_ISSUES``: Microsoft Learn, "Known issues and resolutions with SCIM 2.0 protocol compliance of the
  Microsoft Entra user provisioning service", the four request shapes that ``aadOptscim062020`` changes;
- Entra ID's manager and app-role updates, as ``../shared/idp-traffic.md`` records them.

Ids are Microsoft's examples, and :data:`MANAGER_ID` the manager's.  The facts behind each source are
recorded in ``../shared/idp-traffic.md``.
Must not: import anything beyond :mod:`typing`, or hold behaviour; a payload is copied before it is changed.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "DISABLE_WITHOUT_FLAG",
    "DISABLE_WITH_FLAG",
    "MANAGER_BARE_STRING",
    "MANAGER_CLEARED",
    "MANAGER_OBJECT",
    "MANAGER_REMOVED",
    "MANAGER_SHORT_PATH_ARRAY",
    "NICKNAME_WITHOUT_FLAG",
    "NICKNAME_WITH_FLAG",
    "REENABLE_WITHOUT_FLAG",
    "REENABLE_WITH_FLAG",
    "REMOVE_MEMBER_WITHOUT_FLAG",
    "REMOVE_MEMBER_WITH_FLAG",
    "ROLE_OPS",
    "TUTORIAL_ADD_MEMBER",
    "TUTORIAL_CREATE_GROUP",
    "TUTORIAL_CREATE_USER",
    "TUTORIAL_REMOVE_MEMBER",
    "TUTORIAL_UPDATE_GROUP_NAME",
    "TUTORIAL_UPDATE_MULTI_VALUED",
    "TUTORIAL_UPDATE_SINGLE_VALUED",
    "UPDATE_WITHOUT_FLAG",
    "UPDATE_WITH_FLAG",
    "WALKTHROUGH_CREATE_USER",
]

#: The enterprise extension's ``manager`` path the manager payloads write (RFC 7643 §4.3).
MANAGER_PATH: Final = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
#: The manager's id in the manager payloads.
MANAGER_ID: Final = "2819c223-7f76-453a-919d-413861904646"
#: The SCIM base URL of the ``$ref`` in :data:`MANAGER_SHORT_PATH_ARRAY`.
EXAMPLE_BASE_URL: Final = "https://scim.example.com/scim/v2"

# -- creating resources ----------------------------------------------------------------------------------------
#: Source: TUTORIAL, "Create User" request: core and enterprise schemas, ``meta``, ``roles: []``, a userName
#: that is not the mail.
TUTORIAL_CREATE_USER: Final[dict[str, Any]] = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": True,
    "emails": [
        {"primary": True, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}
    ],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
    "roles": [],
}

#: Source: WALKTHROUGH, the ``jyoung`` create-user request: ``null`` for every attribute not provisioned and
#: the misspelt enterprise URN ``enterprise:2.0User``.
WALKTHROUGH_CREATE_USER: Final[dict[str, Any]] = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0User",
    ],
    "externalId": "jyoung",
    "userName": "jyoung",
    "active": True,
    "addresses": None,
    "displayName": "Joy Young",
    "emails": [{"type": "work", "value": "jyoung@Contoso.com", "primary": True}],
    "meta": {"resourceType": "User"},
    "name": {"familyName": "Young", "givenName": "Joy"},
    "phoneNumbers": None,
    "preferredLanguage": None,
    "title": None,
    "department": None,
    "manager": None,
}

#: Source: TUTORIAL, "Create Group" request: the core Group URI plus Microsoft's undeclared ADSCIM Group URI.
TUTORIAL_CREATE_GROUP: Final[dict[str, Any]] = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
    ],
    "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
    "displayName": "displayName",
    "meta": {"resourceType": "Group"},
}

# -- the tutorial's updates ------------------------------------------------------------------------------------
#: Source: TUTORIAL, "Update User [Multi-valued properties]": the work e-mail by filtered path, a sub-attribute.
TUTORIAL_UPDATE_MULTI_VALUED: Final[list[dict[str, Any]]] = [
    {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
    {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
]

#: Source: TUTORIAL, "Update User [Single-valued properties]": a new userName.
TUTORIAL_UPDATE_SINGLE_VALUED: Final[list[dict[str, Any]]] = [
    {"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"},
]

#: Source: TUTORIAL, "Update Group [Non-member attributes]": the group renamed.
TUTORIAL_UPDATE_GROUP_NAME: Final[list[dict[str, Any]]] = [
    {"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"},
]

#: Source: TUTORIAL, "Update Group [Add Members]": capitalised ``Add``, ``"$ref": null``.
TUTORIAL_ADD_MEMBER: Final[list[dict[str, Any]]] = [
    {"op": "Add", "path": "members", "value": [{"$ref": None, "value": "f648f8d5ea4e4cd38e9c"}]},
]

#: Source: TUTORIAL, "Update Group [Remove Members]": capitalised ``Remove`` with a value list.
TUTORIAL_REMOVE_MEMBER: Final[list[dict[str, Any]]] = [
    {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": "f648f8d5ea4e4cd38e9c"}]},
]

# -- the four shapes aadOptscim062020 changes, without the flag and with it -----------------------------------
#: Source: KNOWN_ISSUES, disabling a user without the flag: capitalised op, the boolean as the string "False".
DISABLE_WITHOUT_FLAG: Final[list[dict[str, Any]]] = [{"op": "Replace", "path": "active", "value": "False"}]
#: Source: KNOWN_ISSUES, disabling a user with the flag: lower-case op, a real boolean.
DISABLE_WITH_FLAG: Final[list[dict[str, Any]]] = [{"op": "replace", "path": "active", "value": False}]

#: Source: Entra ID re-enabling a user (../shared/idp-traffic.md: "a re-enabled user gets active=true"), in
#: KNOWN_ISSUES' shape of the disable without the flag: capitalised op, the boolean as the string "True".
REENABLE_WITHOUT_FLAG: Final[list[dict[str, Any]]] = [{"op": "Replace", "path": "active", "value": "True"}]
#: Source: Entra ID re-enabling a user (../shared/idp-traffic.md), in KNOWN_ISSUES' shape of the disable with
#: the flag: lower-case op, a real boolean.
REENABLE_WITH_FLAG: Final[list[dict[str, Any]]] = [{"op": "replace", "path": "active", "value": True}]

#: Source: KNOWN_ISSUES, adding an attribute without the flag: capitalised ``Add``.
NICKNAME_WITHOUT_FLAG: Final[list[dict[str, Any]]] = [{"op": "Add", "path": "nickName", "value": "Babs"}]
#: Source: KNOWN_ISSUES, adding an attribute with the flag: lower-case ``add``.
NICKNAME_WITH_FLAG: Final[list[dict[str, Any]]] = [{"op": "add", "path": "nickName", "value": "Babs"}]

#: Source: KNOWN_ISSUES, updating several attributes without the flag: one capitalised ``Replace`` per
#: attribute, the enterprise employeeNumber by its full URN path.
UPDATE_WITHOUT_FLAG: Final[list[dict[str, Any]]] = [
    {"op": "Replace", "path": "displayName", "value": "Pvlo"},
    {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "TestBcwqnm@test.microsoft.com"},
    {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
    {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
    {"op": "Replace", "path": "externalId", "value": "Eqpj"},
    {
        "op": "Replace",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "value": "Eqpj",
    },
]
#: Source: KNOWN_ISSUES, updating several attributes with the flag: the work e-mail by filtered path, then
#: one path-less ``replace`` whose keys are attribute paths.
UPDATE_WITH_FLAG: Final[list[dict[str, Any]]] = [
    {"op": "replace", "path": 'emails[type eq "work"].value', "value": "TestMhvaes@test.microsoft.com"},
    {
        "op": "replace",
        "value": {
            "displayName": "Bjfe",
            "name.givenName": "Kkom",
            "name.familyName": "Unua",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
        },
    },
]

#: Source: KNOWN_ISSUES, removing a member without the flag: capitalised ``Remove`` with a value list.
REMOVE_MEMBER_WITHOUT_FLAG: Final[list[dict[str, Any]]] = [
    {"op": "Remove", "path": "members", "value": [{"value": "u1091"}]}
]
#: Source: KNOWN_ISSUES, removing a member with the flag: ``members[value eq "<id>"]``.
REMOVE_MEMBER_WITH_FLAG: Final[list[dict[str, Any]]] = [
    {"op": "remove", "path": 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]'}
]

# -- the manager -------------------------------------------------------------------------------------------------
#: Source: Entra ID's manager update (../shared/idp-traffic.md): the manager's id as a bare string.
MANAGER_BARE_STRING: Final[list[dict[str, Any]]] = [{"op": "Add", "path": MANAGER_PATH, "value": MANAGER_ID}]
#: Source: Entra ID's manager change (../shared/idp-traffic.md): ``{"value": "<id>"}`` alone.
MANAGER_OBJECT: Final[list[dict[str, Any]]] = [{"op": "replace", "path": MANAGER_PATH, "value": {"value": MANAGER_ID}}]
#: Source: Entra ID's manager update seen under the short path (../shared/idp-traffic.md): ``manager`` and a
#: one-element array with ``$ref``.
MANAGER_SHORT_PATH_ARRAY: Final[list[dict[str, Any]]] = [
    {
        "op": "Add",
        "path": "manager",
        "value": [{"$ref": f"{EXAMPLE_BASE_URL}/Users/{MANAGER_ID}", "value": MANAGER_ID}],
    }
]
#: Source: Entra ID clearing the manager (../shared/idp-traffic.md): a replace with ``{"value": ""}``.
MANAGER_CLEARED: Final[list[dict[str, Any]]] = [{"op": "replace", "path": MANAGER_PATH, "value": {"value": ""}}]
#: Source: Entra ID removing the manager (../shared/idp-traffic.md): ``remove`` of the manager path.
MANAGER_REMOVED: Final[list[dict[str, Any]]] = [{"op": "remove", "path": MANAGER_PATH}]

# -- roles -------------------------------------------------------------------------------------------------------
#: Source: Entra ID writing a primary app role (../shared/idp-traffic.md): three ``Add`` ops through
#: ``roles[primary eq "True"]``, the boolean as a string inside the filter.
ROLE_OPS: Final[list[dict[str, Any]]] = [
    {"op": "Add", "path": 'roles[primary eq "True"].display', "value": "Global Administrator"},
    {"op": "Add", "path": 'roles[primary eq "True"].value', "value": "62e90394-69f5-4237-9190-012177145e10"},
    {"op": "Add", "path": 'roles[primary eq "True"].type', "value": "WindowsAzureActiveDirectoryRole"},
]
