"""The one error tree of scimcore (RFC 7644 §3.12).

Every failure the protocol can report is a subclass of :class:`ScimError` carrying its HTTP status and,
where RFC 7644 §3.12 Table 9 defines one, its ``scimType`` as class attributes.  The service converts an
error into a response in exactly one place (:func:`scimcore.service.error_response`); nothing else
builds error bodies.

::

    ScimError (400)
    ├── BadRequest (400)
    │   ├── InvalidFilter      scimType invalidFilter
    │   ├── TooMany            scimType tooMany
    │   ├── InvalidSyntax      scimType invalidSyntax
    │   ├── InvalidPath        scimType invalidPath
    │   ├── NoTarget           scimType noTarget
    │   ├── InvalidValue       scimType invalidValue
    │   ├── Mutability         scimType mutability
    │   ├── InvalidVersion     scimType invalidVers
    │   ├── Sensitive          scimType sensitive
    │   └── InvalidCursor      scimType invalidCursor (RFC 9865)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── MethodNotAllowed (405)
    ├── Conflict (409)
    │   └── Uniqueness         scimType uniqueness
    ├── PreconditionFailed (412)
    ├── PayloadTooLarge (413)
    ├── UriTooLong (414)       the query string is over the adapter's bound (RFC 9110 §15.5.15)
    ├── UnsupportedMediaType (415)
    ├── TooManyRequests (429)
    ├── HeadersTooLarge (431)  the request's header fields are over the adapter's bound (RFC 6585 §5)
    ├── InternalError (500)    detail never carries internal text
    ├── NotImplementedYet (501)
    ├── ServiceUnavailable (503)   Retry-After: the database cannot be reached now
    └── InsufficientStorage (507)  the database has no room to store the request (RFC 4918 §11.5)

This module must not import anything outside the standard library.
"""

from __future__ import annotations

import math
from typing import ClassVar

from scimcore import urns


class ScimError(Exception):
    """A protocol error that becomes a SCIM Error response (RFC 7644 §3.12)."""

    status: ClassVar[int] = 400
    scim_type: ClassVar[str | None] = None

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, object]:
        """The SCIM Error document; ``status`` is a string as RFC 7644 §3.12 requires."""
        doc: dict[str, object] = {
            "schemas": [urns.ERROR],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            doc["scimType"] = self.scim_type
        return doc


class BadRequest(ScimError):
    """400 without a more specific ``scimType``."""


class InvalidFilter(BadRequest):
    """The filter syntax or an attribute it names is invalid (RFC 7644 §3.4.2.2)."""

    scim_type = "invalidFilter"


class TooMany(BadRequest):
    """The query would return more results than the server allows."""

    scim_type = "tooMany"


class InvalidSyntax(BadRequest):
    """The request body could not be parsed or does not follow the message schema."""

    scim_type = "invalidSyntax"


class InvalidPath(BadRequest):
    """A PATCH path is malformed or names no attribute (RFC 7644 §3.5.2)."""

    scim_type = "invalidPath"


class NoTarget(BadRequest):
    """A PATCH path matched nothing where a target is required (RFC 7644 §3.5.2)."""

    scim_type = "noTarget"


class InvalidValue(BadRequest):
    """A required value is missing or a value has the wrong type (RFC 7644 §3.12)."""

    scim_type = "invalidValue"


class Mutability(BadRequest):
    """An attempt to change a readOnly or immutable attribute (RFC 7643 §2.2)."""

    scim_type = "mutability"


class InvalidVersion(BadRequest):
    """The requested protocol version is not supported."""

    scim_type = "invalidVers"


class Sensitive(BadRequest):
    """Sensitive information was sent in the request URI."""

    scim_type = "sensitive"


class InvalidCursor(BadRequest):
    """A pagination cursor is unknown, malformed or expired (RFC 9865 §3)."""

    scim_type = "invalidCursor"


class Unauthorized(ScimError):
    """Missing or wrong credentials (RFC 7644 §2)."""

    status = 401

    def __init__(self, detail: str = "Authorization failure: a valid bearer token is required.") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="scim"'})


class Forbidden(ScimError):
    """Authenticated, but the directory does not allow the operation."""

    status = 403


class NotFound(ScimError):
    """The resource or endpoint does not exist."""

    status = 404


class MethodNotAllowed(ScimError):
    """The endpoint exists but does not support the HTTP method."""

    status = 405

    def __init__(self, detail: str, allow: list[str]) -> None:
        super().__init__(detail, headers={"Allow": ", ".join(allow)})


class Conflict(ScimError):
    """The request conflicts with the state of the service, e.g. circular bulkId references (RFC 7644 §3.7.1)."""

    status = 409


class Uniqueness(Conflict):
    """A unique attribute value is already taken (RFC 7644 §3.3)."""

    scim_type = "uniqueness"


class PreconditionFailed(ScimError):
    """``If-Match`` named a version that is not the current one (RFC 7644 §3.14)."""

    status = 412


class PayloadTooLarge(ScimError):
    """The request body exceeds the configured limit."""

    status = 413


class UriTooLong(ScimError):
    """The request target is longer than the service is willing to read (RFC 9110 §15.5.15)."""

    status = 414


class UnsupportedMediaType(ScimError):
    """The request body is not JSON."""

    status = 415


class TooManyRequests(ScimError):
    """Rate limit exceeded; ``Retry-After`` says when to come back."""

    status = 429


class HeadersTooLarge(ScimError):
    """The request's header fields are larger than the service is willing to read (RFC 6585 §5)."""

    status = 431


class InternalError(ScimError):
    """An unexpected failure; the detail never reveals internals."""

    status = 500

    def __init__(self, detail: str = "Internal server error.") -> None:
        super().__init__(detail)


class NotImplementedYet(ScimError):
    """An endpoint defined by RFC 7644 that this server does not provide."""

    status = 501


class ServiceUnavailable(ScimError):
    """The service cannot serve the request now, e.g. its database is unreachable; ``Retry-After`` says when to retry.

    ``retry_after`` is in seconds, rounded up to a whole number of at least 1 (``Retry-After`` of RFC 9110
    §10.2.3, as :class:`TooManyRequests` carries it).  Identity providers retry a 503 (RFC 9110 §15.6.4).
    """

    status = 503

    def __init__(self, detail: str, *, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(detail, headers={"Retry-After": str(self.retry_after)})


class InsufficientStorage(ScimError):
    """The request could not be stored because the database is out of space (507, RFC 4918 §11.5)."""

    status = 507
