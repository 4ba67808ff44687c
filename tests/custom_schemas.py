"""A registry with a custom User extension and a custom resource type, shared by several test modules."""

from __future__ import annotations

from scimcore import BearerTokens, MemoryStore, SchemaRegistry, ScimService
from tests.conftest import TOKEN, StepClock

ACME = "urn:example:params:scim:schemas:extension:acme:2.0:User"
DEVICE = "urn:example:params:scim:schemas:core:2.0:Device"
UNUSED = "urn:example:params:scim:schemas:extension:unused:2.0:Thing"

ACME_SCHEMA = {
    "id": ACME,
    "name": "AcmeUser",
    "description": "Acme employee data",
    "attributes": [
        {"name": "badge", "type": "string", "mutability": "immutable"},
        {"name": "level", "type": "integer"},
        {"name": "pin", "type": "string", "mutability": "writeOnly", "returned": "never"},
    ],
}

DEVICE_SCHEMA = {
    "id": DEVICE,
    "name": "Device",
    "description": "A managed device",
    "attributes": [
        {"name": "serial", "type": "string", "required": True, "uniqueness": "server"},
        {"name": "displayName", "type": "string"},
    ],
}


def custom_registry() -> SchemaRegistry:
    """The default registry plus the Acme User extension, the Device resource type and an unused schema."""
    registry = SchemaRegistry.default()
    registry.register_schema(ACME_SCHEMA)
    registry.add_extension("User", ACME)
    registry.register_schema(DEVICE_SCHEMA)
    registry.register_resource_type("Device", "/Devices", DEVICE, description="Managed devices")
    registry.register_schema({"id": UNUSED, "name": "Thing", "attributes": [{"name": "x", "type": "string"}]})
    return registry


def custom_service() -> ScimService:
    """A service over :func:`custom_registry`."""
    return ScimService(
        MemoryStore(), registry=custom_registry(), authenticator=BearerTokens([TOKEN]), clock=StepClock()
    )
