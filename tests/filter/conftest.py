"""Resource types the filter tests parse against: the default User and Group, and a custom Device type.

The Device schema exists to reach the attribute types the default schemas lack (integer, decimal, a
dateTime and a reference that are not caseExact, a multi-valued string) and attribute names that begin with
filter keywords.
"""

from __future__ import annotations

from typing import Any

import pytest

from scimcore.schema.registry import ResourceTypeDef, SchemaRegistry

DEVICE_SCHEMA = "urn:example:params:scim:schemas:core:2.0:Device"


def _attr(name: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "multiValued": False, **extra}


DEVICE_ATTRIBUTES = [
    _attr("serial", "string", caseExact=True),
    _attr("ports", "integer"),
    _attr("weight", "decimal"),
    _attr("tags", "string", multiValued=True),
    _attr("seen", "dateTime"),
    _attr("enabled", "boolean"),
    _attr("blob", "binary"),
    _attr("home", "reference", referenceTypes=["external"]),
    # Names that start with a keyword or a literal must still read as attribute names.
    _attr("notes", "string"),
    _attr("orderNumber", "string"),
    _attr("android", "string"),
    _attr("prefix", "string"),
    _attr("eqClass", "string"),
    _attr("trueName", "string"),
    _attr("nullable", "string"),
    _attr("falsehood", "string"),
]


@pytest.fixture(scope="session")
def registry() -> SchemaRegistry:
    """The default registry plus the Device resource type."""
    reg = SchemaRegistry.default()
    reg.register_schema(
        {"id": DEVICE_SCHEMA, "name": "Device", "description": "A test device", "attributes": DEVICE_ATTRIBUTES}
    )
    reg.register_resource_type("Device", "/Devices", DEVICE_SCHEMA)
    return reg


@pytest.fixture(scope="session")
def user(registry: SchemaRegistry) -> ResourceTypeDef:
    """The User resource type with the enterprise extension."""
    return registry.resource_type("User")


@pytest.fixture(scope="session")
def group(registry: SchemaRegistry) -> ResourceTypeDef:
    """The Group resource type."""
    return registry.resource_type("Group")


@pytest.fixture(scope="session")
def device(registry: SchemaRegistry) -> ResourceTypeDef:
    """The custom Device resource type."""
    return registry.resource_type("Device")
