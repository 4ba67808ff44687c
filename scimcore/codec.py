"""Compact JSON encoding of documents, with orjson when it is installed (the ``fast`` extra).

Responses (RFC 7644 §3.1 ``application/scim+json``) are compact UTF-8 JSON written by :func:`dumps`; the
in-memory store keeps its rows with :func:`pack` and reads them back with :func:`unpack`, its exact inverse.

orjson writes the same JSON as the standard library for what a SCIM request can carry, several times faster
(only the spelling of some floats differs, such as ``1e16`` for ``1e+16``).  Whatever orjson would encode
differently or not at all (integers beyond 64 bits, non-string keys, datetimes, dataclasses, subclasses of
``str``, ``int``, ``dict`` and ``list``) goes to the standard library instead, and a packed row written that
way is marked so that :func:`unpack` reads it back with the standard library too: orjson would read a large
integer as a float.  One difference remains: orjson writes ``NaN`` and infinities as ``null`` where the standard
library refuses them; the service refuses them in requests, so they only reach here from code that builds
documents itself.  Request bodies are not decoded here: the service parses them with the standard library,
which lets it name ``NaN``, ``Infinity`` and out-of-range numbers in its errors.

This module does no I/O.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

_orjson: ModuleType | None
try:  # pragma: no cover - which branch runs depends on the installation
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_decoder = json.JSONDecoder()
_STD = b"\x00"  # first byte of a packed row the standard library wrote (never the first byte of JSON)


def dumps_std(value: Any) -> bytes:
    """Compact UTF-8 JSON by the standard library."""
    return _encoder.encode(value).encode("utf-8")


def loads_std(data: bytes) -> Any:
    """Decode JSON bytes by the standard library."""
    return _decoder.decode(data.decode("utf-8"))


if _orjson is not None:
    _fast_dumps = _orjson.dumps
    _fast_loads = _orjson.loads
    _OPTIONS = _orjson.OPT_PASSTHROUGH_DATETIME | _orjson.OPT_PASSTHROUGH_DATACLASS | _orjson.OPT_PASSTHROUGH_SUBCLASS

    def _fast(value: Any) -> bytes | None:
        try:
            encoded: bytes = _fast_dumps(value, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: what only the standard library encodes
            return None
        return encoded

    def dumps(value: Any) -> bytes:
        """Compact UTF-8 JSON of a JSON-shaped value."""
        encoded = _fast(value)
        return encoded if encoded is not None else dumps_std(value)

    def pack(value: Any) -> bytes:
        """A document as compact JSON for keeping, in an object of exactly its size.

        orjson returns its working buffer, which may be several times larger than the JSON in it.
        """
        encoded = _fast(value)
        return bytes(memoryview(encoded)) if encoded is not None else _STD + dumps_std(value)

    def unpack(data: bytes) -> Any:
        """The value :func:`pack` kept, exactly."""
        if data[:1] == _STD:
            return loads_std(data[1:])
        return _fast_loads(data)

    FAST = True
else:  # pragma: no cover - exercised by the tests through dumps_std/loads_std
    dumps = dumps_std
    pack = dumps_std

    def unpack(data: bytes) -> Any:
        """The value :func:`pack` kept, exactly."""
        return loads_std(data[1:] if data[:1] == _STD else data)

    FAST = False
