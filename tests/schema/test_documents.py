"""Helpers on canonical documents (scimcore.schema.documents)."""

from __future__ import annotations

import pytest

from scimcore.errors import InvalidValue
from scimcore.schema.documents import INDEXED_VALUE_MAX_BYTES, check_indexed_lengths, json_copy
from scimcore.schema.registry import SchemaRegistry


def test_json_copy_is_deep() -> None:
    """json_copy shares no dict or list with its input."""
    original = {"a": [{"b": 1}], "c": {"d": [1, 2]}}
    copied = json_copy(original)
    assert copied == original
    copied["a"][0]["b"] = 2
    copied["c"]["d"].append(3)
    assert original == {"a": [{"b": 1}], "c": {"d": [1, 2]}}


@pytest.mark.parametrize(
    ("type_name", "attr"), [("User", "userName"), ("User", "externalId"), ("Group", "displayName")]
)
def test_indexed_value_over_the_limit_is_refused(type_name: str, attr: str) -> None:
    """An indexed value over INDEXED_VALUE_MAX_BYTES is an invalidValue naming the attribute."""
    rtype = SchemaRegistry.default().resource_type(type_name)
    with pytest.raises(InvalidValue, match=f"'{attr}' is 2049 bytes"):
        check_indexed_lengths(rtype, {attr: "a" * (INDEXED_VALUE_MAX_BYTES + 1)})


def test_indexed_limit_counts_utf8_bytes() -> None:
    """The limit is in UTF-8 bytes: 683 three-byte characters are over it, 682 are not."""
    user = SchemaRegistry.default().resource_type("User")
    check_indexed_lengths(user, {"userName": "中" * 682})
    with pytest.raises(InvalidValue):
        check_indexed_lengths(user, {"userName": "中" * 683})


def test_unindexed_attributes_have_no_length_limit() -> None:
    """A long value of an attribute no store indexes (``nickName``) passes."""
    check_indexed_lengths(SchemaRegistry.default().resource_type("User"), {"nickName": "n" * 10_000})
