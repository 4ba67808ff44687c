"""The table of checks: each one request shape an identity provider sends, replayed and verified with a GET.

Owns: :class:`Check` (a name, the providers whose traffic it replays, the headers style, and the replay),
:data:`CHECKS`, every check in the order a run replays them, and :func:`select_checks`.  The replays live in
the modules of this package, by what they touch:

- :mod:`~scimcore.check.checks.protocol` — Test Connection, authentication (RFC 7644 §2), unknown ids and
  error bodies (§3.12), paging (§3.4.2.4) and the media type of every response (§3.1);
- :mod:`~scimcore.check.checks.users` — creating, finding, replacing and deleting users (§3.3, §3.4.2,
  §3.5.1, §3.6);
- :mod:`~scimcore.check.checks.user_patches` — PATCH of users: Entra's attribute updates, disabling, the
  manager (§3.5.2);
- :mod:`~scimcore.check.checks.groups` — groups and their members (§3.3, §3.5.2, §3.6).

Must not: reorder the table (later checks rely on what earlier ones leave, and the content-type check looks
at every response the run received), or hold a check that expects more than what Entra ID or Okta send and
expect.  A check's title is the first line of its replay's docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scimcore.check.checks import groups, protocol, user_patches, users
from scimcore.check.names import ENTRA, GENERIC, OKTA, Style

if TYPE_CHECKING:
    from scimcore.check.session import Session

__all__ = ["CHECKS", "Check", "Replay", "select_checks"]

#: A check's replay: its requests and the expectations on what comes back; raises CheckFailed when one fails.
Replay = Callable[["Session"], None]


@dataclass(frozen=True)
class Check:
    """One check: a name, the providers whose traffic it replays, the headers style, and the replay itself."""

    name: str
    providers: tuple[str, ...]
    style: Style
    run: Replay

    @classmethod
    def of(cls, name: str, *providers: str, run: Replay, style: Style | None = None) -> Check:
        """A check in Okta's style when only Okta sends it, else in Entra's, unless ``style`` says otherwise."""
        return cls(name, providers, style or (OKTA if providers == (OKTA,) else ENTRA), run)

    @property
    def title(self) -> str:
        """The first line of the replay's docstring."""
        return (self.run.__doc__ or self.name).strip().splitlines()[0].rstrip(".")


#: Every check, in the order a run replays them.
CHECKS: list[Check] = [
    Check.of("connection[entra]", ENTRA, run=protocol.connection_entra),
    Check.of("connection[okta]", OKTA, run=protocol.connection_okta),
    Check.of("unauthorized", OKTA, run=protocol.unauthorized),
    Check.of("create-user[entra]", ENTRA, run=users.create_user_entra),
    Check.of("create-user[okta]", OKTA, run=users.create_user_okta),
    Check.of("duplicate-user[entra]", ENTRA, run=users.duplicate_user_entra),
    Check.of("duplicate-user[okta]", OKTA, run=users.duplicate_user_okta),
    Check.of("filter-username-case[entra]", ENTRA, run=users.filter_username_case_entra),
    Check.of("filter-username-case[okta]", OKTA, run=users.filter_username_case_okta),
    Check.of("filter-externalid", ENTRA, run=users.filter_external_id),
    Check.of("filter-email-work", ENTRA, run=users.filter_email),
    Check.of("unknown-id-404", ENTRA, OKTA, run=protocol.unknown_id),
    Check.of("replace-user-put", OKTA, run=users.replace_user_put),
    Check.of("patch-user-verbose", ENTRA, run=user_patches.patch_user_verbose),
    Check.of("patch-user-verbose[flag]", ENTRA, run=user_patches.patch_user_verbose_flag),
    Check.of("patch-user-pathless", ENTRA, run=user_patches.patch_user_pathless),
    Check.of("patch-user-pathless[flag]", ENTRA, run=user_patches.patch_user_pathless_flag),
    Check.of("disable-user[entra]", ENTRA, run=user_patches.disable_entra),
    Check.of("disable-user[entra-flag]", ENTRA, run=user_patches.disable_entra_flag),
    Check.of("disable-user[okta]", OKTA, run=user_patches.disable_okta),
    Check.of("manager-add-string", ENTRA, run=user_patches.manager_add_string),
    Check.of("manager-replace-object", ENTRA, run=user_patches.manager_replace),
    Check.of("manager-add-short-path", ENTRA, run=user_patches.manager_short_path),
    Check.of("manager-clear-empty-value", ENTRA, run=user_patches.manager_clear),
    Check.of("manager-remove", ENTRA, run=user_patches.manager_remove),
    Check.of("delete-user-twice", ENTRA, run=users.delete_user_twice),
    Check.of("create-group[entra]", ENTRA, run=groups.create_group_entra),
    Check.of("create-group[okta]", OKTA, run=groups.create_group_okta),
    Check.of("duplicate-group", ENTRA, run=groups.duplicate_group),
    Check.of("group-lookup", ENTRA, run=groups.group_lookup),
    Check.of("group-add-members[entra]", ENTRA, run=groups.add_members_entra),
    Check.of("group-add-members[okta]", OKTA, run=groups.add_members_okta),
    Check.of("group-remove-members[entra]", ENTRA, run=groups.remove_members_entra),
    Check.of("group-remove-members[entra-flag]", ENTRA, run=groups.remove_members_entra_flag),
    Check.of("group-remove-add-members[okta]", OKTA, run=groups.remove_add_members_okta),
    Check.of("group-replace-members", ENTRA, OKTA, style=OKTA, run=groups.replace_members),
    Check.of("group-rename[okta]", OKTA, run=groups.rename_okta),
    Check.of("group-rename[entra]", ENTRA, run=groups.rename_entra),
    Check.of("delete-group", ENTRA, OKTA, run=groups.delete_group),
    Check.of("paging-users", ENTRA, OKTA, run=protocol.paging_users),
    Check.of("paging-groups", ENTRA, run=protocol.paging_groups),
    Check.of("content-type", ENTRA, OKTA, run=protocol.content_type),
]


def select_checks(provider: str) -> list[Check]:
    """The checks ``--provider`` selects: one IdP's, or all of them for ``generic``."""
    return [c for c in CHECKS if provider == GENERIC or provider in c.providers]
