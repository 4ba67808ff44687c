"""The attribute-path layer (RFC 7644 §3.10, §3.5.2): splitting, resolution and PATCH paths."""

from __future__ import annotations

import pytest

from scimcore.errors import InvalidFilter, InvalidPath
from scimcore.filter.parser import parse_value_filter
from scimcore.schema.paths import Path, parse_patch_path, resolve_path, split_attr_path
from scimcore.schema.registry import ENTERPRISE_USER, ResourceTypeDef, SchemaRegistry


@pytest.fixture(scope="module")
def user() -> ResourceTypeDef:
    return SchemaRegistry.default().resource_type("User")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("userName", (None, "userName", None)),
        ("name.givenName", (None, "name", "givenName")),
        (f"{ENTERPRISE_USER}:manager", (ENTERPRISE_USER, "manager", None)),
        (f"{ENTERPRISE_USER}:manager.value", (ENTERPRISE_USER, "manager", "value")),
    ],
)
def test_split_attr_path_separates_urn_name_and_sub(text: str, parts: tuple[str | None, str, str | None]) -> None:
    """``[urn:]name[.sub]`` splits into its three parts."""
    assert split_attr_path(text) == parts


@pytest.mark.parametrize("text", ["", "name.", "a.b.c", "urn:x:"])
def test_split_attr_path_refuses_what_is_not_a_path(text: str) -> None:
    """A string that is not an attribute path is an invalidFilter naming it."""
    with pytest.raises(InvalidFilter):
        split_attr_path(text)


def test_names_resolve_case_insensitively(user: ResourceTypeDef) -> None:
    """Attribute names are case-insensitive (RFC 7643 §2.1)."""
    assert resolve_path(user, None, "USERNAME", None).attr.name == "userName"


def test_unqualified_extension_attribute_resolves_to_its_extension(user: ResourceTypeDef) -> None:
    """``manager`` alone names the enterprise manager, as Entra sends it."""
    path = resolve_path(user, None, "manager", None)
    assert path.extension == ENTERPRISE_USER
    assert str(path) == f"{ENTERPRISE_USER}:manager"


def test_complex_attribute_in_a_filter_compares_its_value(user: ResourceTypeDef) -> None:
    """``manager eq "x"`` compares ``manager.value`` (RFC 7644 §3.4.2.2)."""
    path = resolve_path(user, None, "manager", None, for_filter=True)
    assert isinstance(path, Path) and path.target.name == "value"


def test_unknown_attribute_is_named(user: ResourceTypeDef) -> None:
    """An unknown attribute is refused with its name in the detail."""
    with pytest.raises(InvalidFilter, match="nickName.first"):
        resolve_path(user, None, "nickName", "first")


def test_patch_path_with_value_filter_and_sub_attribute(user: ResourceTypeDef) -> None:
    """``emails[type eq "work"].value`` parses into attribute, filter and sub-attribute."""
    path = parse_patch_path(user, 'emails[type eq "work"].value', parse_value_filter)
    assert path.attr is not None and path.attr.name == "emails"
    assert path.sub is not None and path.sub.name == "value"
    assert path.filter is not None


def test_patch_path_to_an_extension_root(user: ResourceTypeDef) -> None:
    """A schema URN alone addresses the extension's root."""
    path = parse_patch_path(user, ENTERPRISE_USER, parse_value_filter)
    assert path.extension == ENTERPRISE_USER and path.attr is None


@pytest.mark.parametrize("text", ["", 'emails[type eq "work"', "userName[value eq 1]", "name.givenName[x eq 1]"])
def test_bad_patch_paths_are_invalid_path(user: ResourceTypeDef, text: str) -> None:
    """A malformed PATCH path is an invalidPath error (RFC 7644 §3.5.2)."""
    with pytest.raises(InvalidPath):
        parse_patch_path(user, text, parse_value_filter)
