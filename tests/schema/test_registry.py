"""The schema registry (RFC 7643 §6, §7, §8.7): the default schemas, extensions and resource types."""

from __future__ import annotations

import pytest

from scimcore.schema.registry import CORE_GROUP, CORE_USER, ENTERPRISE_USER, SchemaRegistry, compile_schema

CUSTOM = "urn:example:params:scim:schemas:extension:acme:2.0:User"


def custom_extension() -> dict[str, object]:
    return {
        "id": CUSTOM,
        "name": "AcmeUser",
        "description": "Acme",
        "attributes": [
            {"name": "badge", "type": "string", "multiValued": False, "required": False, "caseExact": True,
             "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        ],
    }


@pytest.mark.parametrize(
    ("urn", "description"),
    [(CORE_USER, "User Account"), (CORE_GROUP, "Group"), (ENTERPRISE_USER, "Enterprise User")],
)
def test_default_schemas_carry_the_rfc_descriptions(urn: str, description: str) -> None:
    """The default schemas are described as RFC 7643 §8.7.1 and §8.7.2 describe them."""
    schema = SchemaRegistry.default().schema(urn)
    assert schema.description == description
    assert schema.document["description"] == description


def test_group_display_name_is_unique_per_server() -> None:
    """Group ``displayName`` is declared unique, as Microsoft Entra requires."""
    group = SchemaRegistry.default().resource_type("Group")
    attr = group.attr("displayName")
    assert attr is not None and attr.uniqueness == "server"


def test_user_carries_the_enterprise_extension() -> None:
    """The User resource type lists the enterprise extension, not required."""
    user = SchemaRegistry.default().resource_type("User")
    assert ENTERPRISE_USER in user.schema_urns()
    assert user.extension(ENTERPRISE_USER) is not None


def test_endpoints_are_found_case_insensitively() -> None:
    """``/users`` finds the User resource type, as ``/Users`` does."""
    registry = SchemaRegistry.default()
    found = registry.by_endpoint("/users")
    assert found is not None and found.name == "User"


def test_custom_extension_is_compiled_and_added() -> None:
    """A custom extension registered and added to User is resolvable with its attributes."""
    registry = SchemaRegistry.default()
    registry.register_schema(custom_extension())
    user = registry.add_extension("User", CUSTOM)
    extension = user.extension(CUSTOM)
    assert extension is not None and extension.attr("BADGE") is not None


def test_compiled_attribute_keeps_its_rules() -> None:
    """Compiling a schema keeps type, caseExact and mutability of each attribute."""
    badge = compile_schema(custom_extension()).attr("badge")
    assert badge is not None
    assert (badge.type, badge.case_exact, badge.mutability) == ("string", True, "readWrite")


def test_unknown_schema_is_a_key_error() -> None:
    """Asking for a schema that was never registered fails loudly; ``find_schema`` answers ``None``."""
    registry = SchemaRegistry.default()
    assert registry.find_schema("urn:nope") is None
    with pytest.raises(KeyError):
        registry.schema("urn:nope")
