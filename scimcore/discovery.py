"""Discovery documents (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes and /Schemas.

Generated from the schema registry and the service configuration through scim2-models, so they describe
exactly what the service does: nothing is advertised that does not work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import scim2_models as sm

from scimcore import urns
from scimcore.schema.registry import ResourceTypeDef, SchemaDef, SchemaRegistry


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the service supports, as advertised in the ServiceProviderConfig (RFC 7643 §5).

    Bulk is advertised as supported when ``bulk_max_operations`` is at least 1, with ``maxOperations`` and
    ``maxPayloadSize`` (bytes) as the limits a bulk request must keep to (RFC 7644 §3.7.4).
    """

    max_results: int = 1000
    default_page_size: int = 100
    cursor_paging: bool = False
    cursor_timeout: int = 3600
    documentation_uri: str | None = None
    bulk_max_operations: int = 0
    bulk_max_payload_bytes: int = 0


def _dump(model: sm.BaseModel) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json", scim_ctx=sm.Context.RESOURCE_QUERY_RESPONSE)
    return dumped


def security_events(form: str) -> dict[str, Any]:
    """The ``securityEvents`` attribute (RFC 9967 §4) of a directory whose events go out as SETs in ``form``.

    ``asyncRequest`` is ``none``: scimcore answers every request synchronously (``Prefer: respond-async`` is
    not honoured).  ``eventUris`` lists exactly the event URIs scimcore emits in that form.
    """
    from scimcore.sets import emitted_uris

    return {"asyncRequest": "none", "eventUris": emitted_uris(form)}


def service_provider_config(
    caps: Capabilities, base_url: str, events: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ServiceProviderConfig document (RFC 7643 §5); ``events`` is its ``securityEvents`` (RFC 9967 §4)."""
    bulk = caps.bulk_max_operations > 0
    model = sm.ServiceProviderConfig.model_validate(
        {
            "documentationUri": caps.documentation_uri,
            "patch": {"supported": True},
            "bulk": {
                "supported": bulk,
                "maxOperations": caps.bulk_max_operations if bulk else 0,
                "maxPayloadSize": caps.bulk_max_payload_bytes if bulk else 0,
            },
            "filter": {"supported": True, "maxResults": caps.max_results},
            "changePassword": {"supported": True},
            "sort": {"supported": True},
            "etag": {"supported": True},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "Authentication with a bearer token in the Authorization header (RFC 6750).",
                    "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                    "primary": True,
                }
            ],
        }
    )
    doc = _dump(model)
    if caps.cursor_paging:
        doc["pagination"] = {
            "cursor": True,
            "index": True,
            "defaultPaginationMethod": "index",
            "defaultPageSize": caps.default_page_size,
            "maxPageSize": caps.max_results,
            "cursorTimeout": caps.cursor_timeout,
        }
    if events is not None:
        doc["securityEvents"] = events
    doc["meta"] = {"resourceType": "ServiceProviderConfig", "location": f"{base_url}/ServiceProviderConfig"}
    return doc


def resource_type_document(rtype: ResourceTypeDef, base_url: str) -> dict[str, Any]:
    """One ResourceType document (RFC 7643 §6)."""
    extensions = [{"schema": schema.id, "required": required} for schema, required in rtype.extensions.values()]
    model = sm.ResourceType.model_validate(
        {
            "id": rtype.name,
            "name": rtype.name,
            "description": rtype.description,
            "endpoint": rtype.endpoint,
            "schema": rtype.schema.id,
            **({"schemaExtensions": extensions} if extensions else {}),
        }
    )
    doc = _dump(model)
    doc["meta"] = {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/{rtype.name}"}
    return doc


def schema_document(schema: SchemaDef, base_url: str) -> dict[str, Any]:
    """One Schema document (RFC 7643 §7)."""
    doc = dict(schema.document)
    doc["meta"] = {"resourceType": "Schema", "location": f"{base_url}/Schemas/{schema.id}"}
    return doc


def list_response(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A ListResponse holding every discovery document at once (RFC 7644 §4)."""
    return {
        "schemas": [urns.LIST_RESPONSE],
        "totalResults": len(resources),
        "itemsPerPage": len(resources),
        "startIndex": 1,
        "Resources": resources,
    }


def all_schemas(registry: SchemaRegistry, base_url: str) -> list[dict[str, Any]]:
    """Every schema used by a resource type, in registry order."""
    used = {urn.lower() for rtype in registry.resource_types for urn in rtype.schema_urns()}
    return [schema_document(s, base_url) for s in registry.schemas if s.id.lower() in used]
