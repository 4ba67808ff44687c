"""Webhook target rules: schemes, credentials and private addresses refused, checked again after resolution."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from scimcore.webhook_targets import (
    ALLOW_PRIVATE_ENV,
    WebhookTargetError,
    check_webhook_url,
    private_webhooks_allowed,
    redact_webhook_url,
    resolve_webhook_target,
)


def resolver_for(*addresses: str) -> Any:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.1/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://2852039166/",
        "http://0x7f.1/",
        "http://localhost/hook",
        "http://api.localhost/hook",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
    ],
)
def test_private_and_metadata_addresses_are_refused(url: str) -> None:
    """Loopback, private, link-local, shared and metadata hosts are refused by default."""
    with pytest.raises(WebhookTargetError, match=ALLOW_PRIVATE_ENV):
        check_webhook_url(url, allow_private=False)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "http or https"),
        ("gopher://example.com/", "http or https"),
        ("not a url", "white space"),
        ("example.com/hook", "http or https"),
        ("https://user:pw@example.com/", "user name or password"),
        ("https://token@example.com/", "user name or password"),
        ("http:///path", "no host"),
        ("https://example.com:99999/", "invalid port"),
        ("", "empty"),
    ],
)
def test_malformed_urls_are_refused_even_when_private_is_allowed(url: str, why: str) -> None:
    """Scheme, host, port and credential rules hold whatever the private-address opt-in says."""
    with pytest.raises(WebhookTargetError, match=why):
        check_webhook_url(url, allow_private=True)


def test_public_https_url_passes() -> None:
    """A public https URL is accepted as it is."""
    assert check_webhook_url("https://hooks.example.com/scim?x=1", allow_private=False).hostname == "hooks.example.com"


def test_private_receivers_pass_with_the_opt_in() -> None:
    """``allow_private=True`` accepts a loopback receiver."""
    assert check_webhook_url("http://127.0.0.1:9000/hook", allow_private=True).port == 9000


def test_environment_variable_opts_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """``SCIMCORE_ALLOW_PRIVATE_WEBHOOKS=1`` is the opt-in when no setting is given; an explicit setting wins."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    assert private_webhooks_allowed() is True
    assert private_webhooks_allowed(False) is False
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "0")
    assert private_webhooks_allowed() is False


def test_a_name_resolving_to_a_private_address_is_refused_at_delivery() -> None:
    """A public-looking name whose DNS answer is the metadata address is refused after resolution."""
    with pytest.raises(WebhookTargetError, match="169.254.169.254"):
        resolve_webhook_target(
            "https://hooks.example.com/x", allow_private=False, resolver=resolver_for("169.254.169.254")
        )


def test_one_private_address_among_public_ones_is_refused() -> None:
    """Every address a name resolves to must pass, not just the first."""
    with pytest.raises(WebhookTargetError):
        resolve_webhook_target(
            "https://hooks.example.com/x", allow_private=False, resolver=resolver_for("93.184.216.34", "10.0.0.1")
        )


def test_delivery_is_pinned_to_the_checked_address() -> None:
    """The delivery connects to the checked address and presents the URL's host name for Host and TLS."""
    target = resolve_webhook_target(
        "https://hooks.example.com:8443/scim?a=1", allow_private=False, resolver=resolver_for("93.184.216.34")
    )
    assert target.url == "https://93.184.216.34:8443/scim?a=1"
    assert target.host == "hooks.example.com:8443"
    assert target.server_name == "hooks.example.com"


def test_ipv6_answer_is_bracketed() -> None:
    """An IPv6 answer becomes a bracketed host in the pinned URL."""
    target = resolve_webhook_target(
        "http://hooks.example.com/", allow_private=False, resolver=resolver_for("2606:2800:220:1::1")
    )
    assert target.url == "http://[2606:2800:220:1::1]/"
    assert target.server_name is None


def test_with_the_opt_in_nothing_is_resolved() -> None:
    """With private receivers allowed the URL is used as given and no name is looked up."""

    def refuse(*_: Any, **__: Any) -> list[tuple[Any, ...]]:
        raise AssertionError("resolved")

    assert resolve_webhook_target("http://hooks.test/x", allow_private=True, resolver=refuse).url == "http://hooks.test/x"


def test_credentials_are_redacted_from_listings() -> None:
    """A stored URL with credentials is listed without them."""
    assert redact_webhook_url("https://user:pw@example.com/x") == "https://***@example.com/x"
    assert redact_webhook_url("https://example.com/x") == "https://example.com/x"
