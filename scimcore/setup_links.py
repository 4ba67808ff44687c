"""Setup links: an expiring, revocable page address for the IT admin who connects a customer's identity provider.

A setup link is ``<root>/setup/<secret>``: 32 random bytes from the operating system's CSPRNG, kept only as
a SHA-256 digest (as bearer tokens are, :mod:`scimcore.auth`), so the address is shown once, when it is made.
It expires (seven days unless told otherwise, thirty at most) and can be revoked at any time.  The page may
hand out one new SCIM token for its directory, once: the first "reveal" claims it atomically in the store
(:meth:`~scimcore.store.ports.SetupLinks.claim_setup_token`), issues the token through the
:class:`~scimcore.directories.DirectoryManager` and shows it; every later attempt is refused.

Owns: making, finding, expiring, revoking links and the one-time token.  Must not: render pages or read
requests (:mod:`scimcore.console.setup` does), or keep a secret in clear.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scimcore.auth import hash_token
from scimcore.directories import DirectoryManager
from scimcore.store.ports import DirectoryStore, SetupLink, SetupLinks

DEFAULT_LIFETIME = timedelta(days=7)
MAX_LIFETIME = timedelta(days=30)
MIN_LIFETIME = timedelta(minutes=5)
SETUP_PATH = "/setup"
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class LinkNotFound(LookupError):
    """No setup link has this secret (404): it never existed, or its directory was deleted."""


class LinkGone(LookupError):
    """The setup link expired or was revoked (410); the page shows no secret."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_lifetime(text: str) -> timedelta:
    """A lifetime written as ``30m``, ``12h``, ``7d`` or ``2w``, between 5 minutes and 30 days."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a lifetime: write a number and m, h, d or w (for example 7d)")
    lifetime = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise ValueError("a setup link lives between 5 minutes and 30 days")
    return lifetime


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LinkState:
    """A link as the console lists it: the record and whether it still opens."""

    link: SetupLink
    state: str  # "live", "expired" or "revoked"


class SetupLinkManager:
    """Makes and checks the setup links of ``store``.

    The store implements :class:`~scimcore.store.ports.SetupLinks` and
    :class:`~scimcore.store.ports.DirectoryStore`.
    """

    def __init__(self, store: Any, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if not isinstance(store, SetupLinks) or not isinstance(store, DirectoryStore):
            raise TypeError("this store keeps no setup links")
        self.store: Any = store
        self.directories = DirectoryManager(store)
        self.clock = clock

    def create(self, directory_id: str, lifetime: timedelta = DEFAULT_LIFETIME) -> tuple[SetupLink, str]:
        """A new link for the directory and its secret (shown once; only its digest is kept)."""
        if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
            raise ValueError("a setup link lives between 5 minutes and 30 days")
        self.directories.get(directory_id)  # KeyError for an unknown directory
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        link = SetupLink(secrets.token_hex(8), directory_id, hash_token(secret), _stamp(now), _stamp(now + lifetime))
        self.store.save_setup_link(link)
        return link, secret

    def open(self, secret: str) -> SetupLink:
        """The live link of ``secret``; :class:`LinkNotFound` or :class:`LinkGone` otherwise."""
        if not secret or len(secret) > 128:
            raise LinkNotFound("no such setup link")
        link: SetupLink | None = self.store.find_setup_link(hash_token(secret))
        if link is None or self.store.get_directory(link.directory) is None:
            raise LinkNotFound("no such setup link")
        state = self.state(link)
        if state != "live":
            raise LinkGone(state)
        return link

    def state(self, link: SetupLink) -> str:
        """``revoked``, ``expired`` or ``live``."""
        if link.revoked:
            return "revoked"
        return "expired" if _parse(link.expires) <= self.clock() else "live"

    def list(self, directory_id: str) -> list[LinkState]:
        """The directory's links with their state, oldest first."""
        return [LinkState(link, self.state(link)) for link in self.store.list_setup_links(directory_id)]

    def revoke(self, directory_id: str, link_id: str) -> bool:
        """Revoke a link of this directory; whether a live one was revoked."""
        return bool(self.store.revoke_setup_link(directory_id, link_id))

    def reveal_token(self, secret: str) -> str | None:
        """A new SCIM token for the link's directory, the first time only; ``None`` once it was revealed."""
        link = self.open(secret)
        if not self.store.claim_setup_token(link.digest):
            return None
        return self.directories.rotate_token(link.directory)
