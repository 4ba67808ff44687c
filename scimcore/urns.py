"""Every SCIM URN the package speaks, declared once (RFC 7643 §3, §8.7; RFC 7644 §3.4.3, §3.5.2, §3.7, §3.12).

Owns: the schema URNs of the resources the default registry knows and the message URNs of the protocol.
Must not: hold behaviour.  A module that needs a URN imports it from here, never re-declares it.
"""

from __future__ import annotations

from typing import Final

# Resource schemas (RFC 7643 §4, §8.7.1).
CORE_USER: Final = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP: Final = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER: Final = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ENTERPRISE_MANAGER: Final = f"{ENTERPRISE_USER}:manager"

# Protocol messages (RFC 7644 §3.4.2, §3.4.3, §3.5.2, §3.7, §3.12).
LIST_RESPONSE: Final = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST: Final = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PATCH_OP: Final = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST: Final = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE: Final = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
ERROR: Final = "urn:ietf:params:scim:api:messages:2.0:Error"

# Discovery (RFC 7643 §5, §6, §7).
SERVICE_PROVIDER_CONFIG: Final = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE: Final = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA: Final = "urn:ietf:params:scim:schemas:core:2.0:Schema"

# Microsoft Entra ID's group schema URI, sent on group creation and not a declared extension.
ENTRA_ADSCIM_GROUP: Final = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
