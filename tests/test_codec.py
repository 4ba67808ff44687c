"""Compact JSON encoding (scimcore.codec), with and without orjson."""

from __future__ import annotations

import json
import sys

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


def test_dumps_falls_back_for_integers_beyond_64_bits() -> None:
    """An integer orjson cannot encode is still encoded, exactly."""
    value = {"big": 2**70}
    assert json.loads(codec.dumps(value)) == value


def test_dumps_tight_has_no_spare_capacity() -> None:
    """dumps_tight returns an object no larger than its JSON needs."""
    encoded = codec.dumps_tight(USER)
    assert encoded == codec.dumps(USER)
    assert sys.getsizeof(encoded) <= sys.getsizeof(bytes(len(encoded)))


def test_loads_reads_what_dumps_wrote() -> None:
    """loads and loads_std decode dumps' output to an equal value."""
    encoded = codec.dumps(USER)
    assert codec.loads(encoded) == USER
    assert codec.loads_std(encoded) == USER
