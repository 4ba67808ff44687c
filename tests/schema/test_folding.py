"""Folding of unique case-insensitive values (RFC 8265 §3.3 in spirit): look-alikes share one key."""

from __future__ import annotations

import unicodedata

import pytest

from scimcore.schema.folding import fold, folds, text_key
from scimcore.schema.registry import SchemaRegistry

REGISTRY = SchemaRegistry.default()
USER = REGISTRY.resource_type("User")
GROUP = REGISTRY.resource_type("Group")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("straße", "STRASSE"),
        ("ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "joe@example.com"),
        (unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")),
        ("ıvan", "IVAN"),
        ("ǅemal", "džemal"),
        ("ﬁnance", "FINANCE"),
    ],
    ids=["sharp-s", "full-width", "nfc-nfd", "dotless-i", "titlecase-digraph", "ligature"],
)
def test_look_alikes_fold_to_one_key(one: str, other: str) -> None:
    """Values that look the same once case, width and composition are set aside have one key."""
    assert fold(one) == fold(other)


def test_different_names_keep_different_keys() -> None:
    """Folding does not merge names that differ in letters."""
    assert fold("anna") != fold("anne")
    assert fold("müller") != fold("muller")


def test_ascii_folds_to_its_lower_case() -> None:
    """For ASCII, the key is the lower-case text, as before."""
    assert fold("BJensen@Example.COM") == "bjensen@example.com"


def test_username_and_group_display_name_fold() -> None:
    """The unique case-insensitive attributes fold; other attributes compare lower-cased or exactly."""
    assert folds(USER.attr("userName"))  # type: ignore[arg-type]
    assert folds(GROUP.attr("displayName"))  # type: ignore[arg-type]
    assert text_key(USER.attr("displayName")) is str.lower  # type: ignore[arg-type]
    assert text_key(USER.attr("externalId")) is None  # type: ignore[arg-type]
