"""Helpers on canonical documents (scimcore.schema.documents)."""

from __future__ import annotations

from scimcore.schema.documents import json_copy


def test_json_copy_is_deep() -> None:
    """json_copy shares no dict or list with its input."""
    original = {"a": [{"b": 1}], "c": {"d": [1, 2]}}
    copied = json_copy(original)
    assert copied == original
    copied["a"][0]["b"] = 2
    copied["c"]["d"].append(3)
    assert original == {"a": [{"b": 1}], "c": {"d": [1, 2]}}
