"""Setup links: made with a secret shown once, expiring, revocable, revealing one token once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scimcore.auth import hash_token
from scimcore.directories import DirectoryAuthenticator, DirectoryManager
from scimcore.setup_links import LinkGone, LinkNotFound, SetupLinkManager, parse_lifetime
from scimcore.store.memory import MemoryStore
from scimcore.transport import ScimRequest

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def links(store: MemoryStore, clock: Clock) -> SetupLinkManager:
    return SetupLinkManager(store, clock=clock)


@pytest.fixture
def directory_id(store: MemoryStore) -> str:
    directory, _ = DirectoryManager(store).create("Acme", provider="entra")
    return directory.id


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)), ("7d", timedelta(days=7)),
    ("2w", timedelta(weeks=2)), (" 1d ", timedelta(days=1)),
])
def test_lifetimes_are_read_in_minutes_hours_days_and_weeks(text: str, expected: timedelta) -> None:
    """`--expires` takes a number and a unit."""
    assert parse_lifetime(text) == expected


@pytest.mark.parametrize("text", ["", "7", "7y", "-1d", "1m", "31d", "5w", "d"])
def test_lifetimes_outside_5_minutes_to_30_days_are_refused(text: str) -> None:
    """A malformed lifetime, or one outside the bounds, is a ValueError."""
    with pytest.raises(ValueError):
        parse_lifetime(text)


def test_only_the_digest_of_the_secret_is_kept(links: SetupLinkManager, store: MemoryStore, directory_id: str) -> None:
    """The store holds the SHA-256 digest of the link's secret, never the secret."""
    link, secret = links.create(directory_id)
    assert link.digest == hash_token(secret) and secret not in repr(store.list_setup_links(directory_id))
    assert len(secret) >= 43  # 32 random bytes


def test_a_link_expires_after_its_lifetime(links: SetupLinkManager, clock: Clock, directory_id: str) -> None:
    """A link opens until its lifetime has passed, then is gone as expired."""
    link, secret = links.create(directory_id, timedelta(hours=1))
    assert links.open(secret) == link and link.expires == "2026-12-01T13:00:00Z"
    clock.now = START + timedelta(hours=1)
    with pytest.raises(LinkGone) as gone:
        links.open(secret)
    assert gone.value.reason == "expired"


def test_a_revoked_link_is_gone(links: SetupLinkManager, directory_id: str) -> None:
    """Revoking a link makes it gone as revoked."""
    link, secret = links.create(directory_id)
    assert links.revoke(directory_id, link.id) is True
    with pytest.raises(LinkGone) as gone:
        links.open(secret)
    assert gone.value.reason == "revoked"


def test_a_link_is_revoked_only_through_its_own_directory(
    links: SetupLinkManager, store: MemoryStore, directory_id: str,
) -> None:
    """Another directory's id cannot revoke the link."""
    other, _ = DirectoryManager(store).create("Other")
    link, secret = links.create(directory_id)
    assert links.revoke(other.id, link.id) is False
    assert links.open(secret) == link


@pytest.mark.parametrize("secret", ["", "nope", "x" * 500])
def test_an_unknown_secret_is_not_found(links: SetupLinkManager, secret: str) -> None:
    """An unknown, empty or oversized secret is LinkNotFound."""
    with pytest.raises(LinkNotFound):
        links.open(secret)


def test_a_deleted_directory_takes_its_links_along(
    links: SetupLinkManager, store: MemoryStore, directory_id: str,
) -> None:
    """After the directory is deleted its link is not found."""
    _, secret = links.create(directory_id)
    DirectoryManager(store).delete(directory_id)
    with pytest.raises(LinkNotFound):
        links.open(secret)


def test_a_link_of_an_unknown_directory_cannot_be_made(links: SetupLinkManager) -> None:
    """create names an existing directory."""
    with pytest.raises(KeyError):
        links.create("nope")


def test_the_token_is_revealed_once_and_authenticates(
    links: SetupLinkManager, store: MemoryStore, directory_id: str,
) -> None:
    """The first reveal issues a working token of the link's directory; the second reveals nothing."""
    _, secret = links.create(directory_id)
    token = links.reveal_token(secret)
    assert token is not None and links.reveal_token(secret) is None
    request = ScimRequest("GET", "/Users", headers={"authorization": f"Bearer {token}"}, directory=directory_id)
    assert DirectoryAuthenticator(store)(request) == directory_id


def test_an_expired_link_reveals_no_token(links: SetupLinkManager, clock: Clock, directory_id: str) -> None:
    """After expiry the token cannot be revealed."""
    _, secret = links.create(directory_id, timedelta(minutes=5))
    clock.now = START + timedelta(minutes=6)
    with pytest.raises(LinkGone):
        links.reveal_token(secret)
