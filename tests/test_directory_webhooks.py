"""Directories refuse webhook URLs that the target rules refuse, at creation and on update."""

from __future__ import annotations

import pytest

from scimcore import MemoryStore
from scimcore.directories import DirectoryManager
from scimcore.webhook_targets import ALLOW_PRIVATE_ENV, WebhookTargetError


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "file:///etc/passwd",
     "gopher://example.com/", "not a url", "https://user:pw@example.com/"],
)
def test_create_refuses_unsafe_webhook_urls(url: str) -> None:
    """``create`` refuses metadata, private, non-http and credential-carrying URLs by default."""
    manager = DirectoryManager(MemoryStore(), allow_private_webhooks=False)
    with pytest.raises(WebhookTargetError):
        manager.create("Acme", webhook_url=url)
    assert manager.list() == []


def test_update_refuses_an_unsafe_webhook_url() -> None:
    """``update`` checks a new webhook URL the same way and keeps the old one."""
    manager = DirectoryManager(MemoryStore(), allow_private_webhooks=False)
    directory, _ = manager.create("Acme", webhook_url="https://hooks.example.com/scim")
    with pytest.raises(WebhookTargetError):
        manager.update(directory.id, webhook_url="http://10.1.2.3/")
    assert manager.get(directory.id).webhook_url == "https://hooks.example.com/scim"


def test_environment_opt_in_allows_a_private_receiver(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``SCIMCORE_ALLOW_PRIVATE_WEBHOOKS=1`` and no explicit setting, a loopback receiver is accepted."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    directory, _ = DirectoryManager(MemoryStore()).create("Acme", webhook_url="http://127.0.0.1:9000/hook")
    assert directory.webhook_url == "http://127.0.0.1:9000/hook"


def test_without_the_opt_in_a_private_receiver_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the environment variable, the library refuses a loopback receiver by default."""
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    with pytest.raises(WebhookTargetError, match=ALLOW_PRIVATE_ENV):
        DirectoryManager(MemoryStore()).create("Acme", webhook_url="http://127.0.0.1:9000/hook")


def test_listing_never_shows_credentials_of_a_stored_url() -> None:
    """A record stored with credentials in its webhook URL is listed without them."""
    from scimcore.directories import Directory

    record = Directory(id="d", name="D", webhook_url="https://user:pw@hooks.example.com/x")
    assert record.public()["webhook_url"] == "https://***@hooks.example.com/x"
