"""Provider profiles: per-identity-provider *response preferences* for a directory.

Owns: the profile of each provider a directory can be labelled with (``Directory.provider``, the same names
as :data:`scimcore.directories.PROVIDERS`), and the choice of profile for a request's directory.

Must not: change which requests are accepted or how they are read.  Every directory accepts every identity
provider's traffic (that is :mod:`scimcore.compat`, on for all); a profile only picks between answers the
RFC already allows, so no profile can turn one IdP's valid request into an error.

Today one preference differs: a successful group PATCH.  RFC 7644 §3.5.2 lets the server answer either 200
with the resource (subject to ``attributes``/``excludedAttributes``) or 204 No Content.  Microsoft recommends
204 for Entra ID's group PATCHes (returning every member is neither needed nor wise on large groups); every
other profile answers 200 with the group.  A request that names ``attributes`` still gets the body it asked
for, and ``ServiceConfig(group_patch_returns_body=False)`` still forces 204 for every directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

GENERIC = "generic"


@dataclass(frozen=True, slots=True)
class Profile:
    """The response preferences of one identity provider.

    ``group_patch_returns_body``: answer a successful group PATCH with 200 and the group (True) or with 204
    No Content (False); both are RFC 7644 §3.5.2 answers.
    """

    name: str
    group_patch_returns_body: bool = True


PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        "entra": Profile("entra", group_patch_returns_body=False),
        "okta": Profile("okta"),
        "onelogin": Profile("onelogin"),
        "jumpcloud": Profile("jumpcloud"),
        "google": Profile("google"),
        GENERIC: Profile(GENERIC),
    }
)


def profile(provider: str | None) -> Profile:
    """The profile called ``provider``; an unknown or missing name gets the generic profile, never an error."""
    return PROFILES.get(provider or GENERIC) or PROFILES[GENERIC]


def for_record(directory: object | None, default: str = GENERIC) -> Profile:
    """The profile of the directory a request addresses, from its record.

    The record's own ``provider`` when there is a record with one; otherwise ``default``
    (``ServiceConfig.provider``, ``generic`` unless configured), as for the default directory of a
    single-directory service or a store that keeps no directories.
    """
    provider = getattr(directory, "provider", None) if directory is not None else None
    return profile(provider if isinstance(provider, str) else default)
