"""Compact JSON encoding of documents, with orjson when it is installed (the ``fast`` extra).

Responses (RFC 7644 §3.1 ``application/scim+json``) and the in-memory store's rows are compact UTF-8 JSON.
orjson encodes the same JSON as the standard library for JSON-shaped values, several times faster (only the
spelling of some floats differs, such as ``1e16`` for ``1e+16``); values it cannot encode (integers beyond 64
bits, non-string keys) fall back to the standard library.  Request bodies are not decoded here: the service
parses them with the standard library, which lets it refuse ``NaN``, ``Infinity`` and out-of-range numbers by
name.

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


def dumps_std(value: Any) -> bytes:
    """Compact UTF-8 JSON by the standard library."""
    return _encoder.encode(value).encode("utf-8")


def loads_std(data: bytes) -> Any:
    """Decode JSON bytes by the standard library."""
    return _decoder.decode(data.decode("utf-8"))


if _orjson is not None:
    _fast_dumps = _orjson.dumps
    _fast_loads = _orjson.loads

    def dumps(value: Any) -> bytes:
        """Compact UTF-8 JSON of a JSON-shaped value."""
        try:
            encoded: bytes = _fast_dumps(value)
            return encoded
        except TypeError:
            return dumps_std(value)

    def loads(data: bytes) -> Any:
        """Decode JSON bytes written by :func:`dumps`."""
        return _fast_loads(data)

    def dumps_tight(value: Any) -> bytes:
        """:func:`dumps` in an object of exactly its size, for bytes kept a long time.

        orjson returns its working buffer, which may be several times larger than the JSON in it.
        """
        return bytes(memoryview(dumps(value)))

    FAST = True
else:  # pragma: no cover - exercised by the tests through dumps_std/loads_std
    dumps = dumps_std
    dumps_tight = dumps_std
    loads = loads_std
    FAST = False
