"""The settings of a :class:`~scimcore.service.ScimService`.

Owns: :class:`ServiceConfig`, every limit and behaviour a deployment may tune.
Must not: read files or the environment (the CLI does), or hold behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

from scimcore.filter.parser import DEFAULT_LIMITS, FilterLimits


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Tunable limits and behaviours of a :class:`~scimcore.service.ScimService`."""

    max_body_bytes: int = 4 * 1024 * 1024
    default_page_size: int = 100
    max_page_size: int = 1000
    filter_limits: FilterLimits = DEFAULT_LIMITS
    group_patch_returns_body: bool = True
    # The provider profile (scimcore.profiles) of a directory the store does not know, such as the default one.
    provider: str = "generic"
    reject_unknown_members: bool = False
    cursor_secret: bytes | None = None
    documentation_uri: str | None = None
    bulk_max_operations: int = 1000
    bulk_max_payload_bytes: int = 1024 * 1024
    # Operations one PATCH may carry (400 above it); RFC 7644 has no field to advertise it in.
    patch_max_operations: int = 1000
    # Per-directory rate limit: rate_limit_requests per rate_limit_seconds, answered 429 with Retry-After
    # (RFC 6585 §4) beyond it; 0 turns it off.  See scimcore.limits.
    rate_limit_requests: int = 0
    rate_limit_seconds: float = 1.0
