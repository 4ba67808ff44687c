"""Request bodies: JSON as RFC 8259 defines it, and the message rules the service checks before any work.

Owns: media-type negotiation (RFC 7644 §3.1), strict JSON parsing (no ``NaN``, no out-of-range numbers, no
NUL or unpaired surrogates), the SearchRequest message (RFC 7644 §3.4.3) and the PATCH operation bound.
Must not: interpret resources; schema rules live in :mod:`scimcore.schema`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from scimcore import urns
from scimcore.errors import BadRequest, InvalidSyntax, InvalidValue, UnsupportedMediaType
from scimcore.transport import ScimRequest

JSON_TYPES = ("application/scim+json", "application/json")


def _refuse_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259 §6), though Python's parser takes them."""
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    """A JSON number as a float, refusing one too large for a float (``1e400``) instead of making it infinite."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def refuse_unstorable(doc: Any) -> None:
    """No string of a request body may hold U+0000 or an unpaired surrogate (U+D800 to U+DFFF).

    JSON can escape both, but neither is text a store can keep (PostgreSQL refuses NUL; UTF-8 has no
    surrogates) or a response can carry, and no identity provider sends them.
    """
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise InvalidValue("The request body holds a NUL character (U+0000), which SCIM values cannot hold.")
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise InvalidValue(
                        "The request body holds an unpaired surrogate escape (such as \\ud800), which is not text."
                    ) from None
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def json_body(request: ScimRequest) -> Any:
    """The request body as JSON, or the SCIM error that says what is wrong with it."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media and media not in JSON_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type '{media}' is not supported; send application/scim+json or application/json."
        )
    if not request.body.strip():
        raise InvalidSyntax("The request body is empty.")
    try:
        doc = json.loads(request.body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise InvalidSyntax("The request body is not valid JSON: it is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        why = f": {exc}" if type(exc) is ValueError else ""  # NaN, Infinity, 1e400, a 5,000-digit integer
        raise InvalidSyntax(f"The request body is not valid JSON{where}{why}.") from None
    refuse_unstorable(doc)
    return doc


def search_body(request: ScimRequest) -> dict[str, Any]:
    """A SearchRequest message (RFC 7644 §3.4.3): a JSON object whose ``schemas``, if sent, lists its URN."""
    body = json_body(request)
    if not isinstance(body, dict):
        raise InvalidSyntax("The search request must be a JSON object.")
    schemas = body.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or urns.SEARCH_REQUEST not in schemas):
        raise InvalidSyntax(f"A search request must list '{urns.SEARCH_REQUEST}' in 'schemas'.")
    return body


def admit_patch(body: Any, limit: int) -> None:
    """At most ``limit`` operations in one PATCH (RFC 7644 §3.5.2), checked before any runs."""
    operations = body.get("Operations", body.get("operations")) if isinstance(body, Mapping) else None
    if isinstance(operations, list) and len(operations) > limit:
        raise BadRequest(
            f"The PATCH request has {len(operations)} operations; this service provider takes at most "
            f"{limit} in one request. Send the rest in further PATCH requests."
        )
