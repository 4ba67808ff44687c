"""Compact JSON encoding (scimcore.codec), with and without orjson."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import pytest

from scimcore import codec

USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "userName": "zoë.müller@corp.local",
    "active": True,
    "name": {"givenName": "Zoë", "familyName": "Müller"},
    "emails": [{"value": "zoë.müller@corp.local", "type": "work", "primary": True}],
    "x-count": 3,
    "x-null": None,
}


def test_dumps_is_compact_utf8_json() -> None:
    """dumps writes JSON without spaces, and non-ASCII characters as UTF-8 rather than escapes."""
    encoded = codec.dumps(USER)
    assert b", " not in encoded and b": " not in encoded
    assert "zoë".encode() in encoded
    assert json.loads(encoded) == USER


def test_dumps_agrees_with_the_standard_library() -> None:
    """The fast encoder, when installed, writes the same JSON as the standard library."""
    assert codec.dumps(USER) == codec.dumps_std(USER)


def test_dumps_agrees_with_the_standard_library_on_numbers() -> None:
    """Floats, negative and 64-bit integers come out as the standard library writes them."""
    value = {"f": 0.5, "g": -12.25, "i": -(2**63), "j": 2**63 - 1, "z": 0}
    assert codec.dumps(value) == codec.dumps_std(value)


def test_dumps_falls_back_for_integers_beyond_64_bits() -> None:
    """An integer orjson cannot encode is still written, exactly."""
    value = {"big": 2**70}
    assert json.loads(codec.dumps(value)) == value


def test_pack_and_unpack_keep_integers_beyond_64_bits() -> None:
    """A kept row with a huge integer reads back as that integer, not as a float."""
    value = {"big": 2**70 + 1, "negative": -(2**80) - 1}
    restored = codec.unpack(codec.pack(value))
    assert restored == value and isinstance(restored["big"], int)


def test_dumps_refuses_what_is_not_json() -> None:
    """A datetime is refused as by the standard library, whichever encoder is installed."""
    with pytest.raises(TypeError):
        codec.dumps({"when": datetime(2026, 1, 1, tzinfo=UTC)})


def test_pack_has_no_spare_capacity() -> None:
    """pack returns an object no larger than its JSON needs."""
    packed = codec.pack(USER)
    assert packed == codec.dumps(USER)
    assert sys.getsizeof(packed) <= sys.getsizeof(bytes(len(packed)))


def test_unpack_reads_what_pack_wrote() -> None:
    """unpack returns a value equal to the one packed; loads_std reads dumps' output."""
    assert codec.unpack(codec.pack(USER)) == USER
    assert codec.loads_std(codec.dumps(USER)) == USER
