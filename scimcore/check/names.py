"""The words every module of ``scimcore check`` spells the same way: URNs, media type, query flag, providers.

Owns: the schema and message URNs the checks send and expect (RFC 7643 §3, §4, §8.7; RFC 7644 §3.4.2,
§3.5.2, §3.12), the SCIM media type (RFC 7644 §3.1), Entra's ``aadOptscim062020`` query flag, Okta's
``User-Agent``, and the provider names ``--provider`` accepts.
Must not: hold behaviour, or import scimcore's own ``scimcore.urns``: the checker talks HTTP to any SCIM
server and shares nothing with scimcore's engine but its version.
"""

from __future__ import annotations

from typing import Final, Literal

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MANAGER = f"{ENTERPRISE}:manager"
ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"
FLAG = "aadOptscim062020"
OKTA_USER_AGENT = "Okta SCIM Client 1.0.0"

ENTRA: Final = "entra"
OKTA: Final = "okta"
GENERIC: Final = "generic"
PROVIDERS = (ENTRA, OKTA, GENERIC)

#: Whose headers a request carries: Entra's (``application/scim+json``, no ``User-Agent``), Okta's, or the
#: plain RFC 7644 §3.1 ones of a vendor that documents none (``application/scim+json``, no ``User-Agent``).
Style = Literal["entra", "okta", "generic"]
