"""Which URLs a webhook may be delivered to: the rules against server-side request forgery.

Owns: the check of a webhook URL when a directory is given one (:func:`check_webhook_url`), the check of the
addresses its host resolves to at each delivery (:func:`resolve_webhook_target`), and the opt-in for private
receivers (:func:`private_webhooks_allowed`).

The rules, by default:

- the scheme is ``http`` or ``https``; the URL has a host; it carries no user name or password (a
  credential in a URL ends up in logs and listings);
- the host is not a loopback, private, link-local (the cloud metadata address ``169.254.169.254`` among
  them), shared, multicast, reserved or unspecified address, nor ``localhost`` — whether it is written as an
  address (``http://[::ffff:169.254.169.254]/``, ``http://2852039166/``) or is a name that resolves to one;
- at each delivery the name is resolved again and every address it resolves to must pass; the request then
  goes to the address that was checked (the ``Host`` header and TLS server name stay the URL's), so a DNS
  answer that changes between the check and the connection cannot redirect it.  Redirects are never followed.

``SCIMCORE_ALLOW_PRIVATE_WEBHOOKS=1`` (or ``allow_private=True`` where a setting is offered) lifts the
address rules for receivers on private networks (tests, internal services); scheme, host and credential
rules always hold.

Must not: send anything.  Name resolution is the one piece of I/O, passed in as ``resolver``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

ALLOW_PRIVATE_ENV = "SCIMCORE_ALLOW_PRIVATE_WEBHOOKS"
MAX_URL_LENGTH = 2048
_TRUE = frozenset({"1", "true", "yes", "on"})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., Sequence[tuple[Any, ...]]]


class WebhookTargetError(ValueError):
    """A webhook URL or the address it resolves to is refused; the message says which rule and why."""


def private_webhooks_allowed(setting: bool | None = None) -> bool:
    """Whether private receivers are allowed: ``setting`` when given, else ``SCIMCORE_ALLOW_PRIVATE_WEBHOOKS``."""
    if setting is not None:
        return setting
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in _TRUE


def address_refusal(address: Address) -> str | None:
    """Why ``address`` may not receive webhooks, or ``None`` when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return address_refusal(mapped)
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_private or not address.is_global:
        return "a private or reserved address"
    return None


def _literal_address(host: str) -> Address | None:
    """The address ``host`` spells, including IPv4 shorthand forms (``2852039166``, ``0x7f.1``), or ``None``."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if ":" not in host and host.replace(".", "").replace("x", "").replace("X", "").isalnum():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))  # what the C resolver would read it as
        except OSError:
            return None
    return None


def check_webhook_url(url: str, *, allow_private: bool | None = None) -> SplitResult:
    """Check ``url`` as a webhook target; return its parts or raise :class:`WebhookTargetError`."""
    if not isinstance(url, str) or not url.strip():
        raise WebhookTargetError("The webhook URL is empty.")
    if len(url) > MAX_URL_LENGTH:
        raise WebhookTargetError(f"The webhook URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise WebhookTargetError("The webhook URL contains white space or control characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"'{parts.scheme}'" if parts.scheme else "none"
        raise WebhookTargetError(f"The webhook URL must use http or https (scheme: {shown}).")
    if parts.username is not None or parts.password is not None:
        raise WebhookTargetError(
            "The webhook URL must not carry a user name or password; use the webhook secret to authenticate."
        )
    host = parts.hostname
    if not host:
        raise WebhookTargetError("The webhook URL has no host.")
    try:
        parts.port  # noqa: B018 - raises on a port out of range or not a number
    except ValueError:
        raise WebhookTargetError("The webhook URL has an invalid port.") from None
    if private_webhooks_allowed(allow_private):
        return parts
    if host == "localhost" or host.endswith(".localhost"):
        raise WebhookTargetError(
            f"The webhook host '{host}' is this machine; set {ALLOW_PRIVATE_ENV}=1 to allow private receivers."
        )
    address = _literal_address(host)
    if address is not None:
        reason = address_refusal(address)
        if reason is not None:
            raise WebhookTargetError(
                f"The webhook host {host} is {reason}; set {ALLOW_PRIVATE_ENV}=1 to allow private receivers."
            )
    return parts


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """Where one delivery goes: the URL to connect to, and the ``Host`` and TLS server name to present.

    ``url`` names the checked address in place of the host name when the address rules apply; ``host`` and
    ``server_name`` are then the URL's own, so the receiver sees its name and TLS verifies its certificate.
    """

    url: str
    host: str | None = None
    server_name: str | None = None


def resolve_webhook_target(
    url: str, *, allow_private: bool | None = None, resolver: Resolver = socket.getaddrinfo
) -> WebhookTarget:
    """Check ``url`` and the addresses its host resolves to now; the target pinned to a checked address.

    Raise :class:`WebhookTargetError` when a rule refuses the URL or any address; name-resolution failures
    (``OSError``) pass through, for the caller to retry later.
    """
    parts = check_webhook_url(url, allow_private=allow_private)
    if private_webhooks_allowed(allow_private):
        return WebhookTarget(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    if _literal_address(host) is not None:
        return WebhookTarget(url)  # an address already, and check_webhook_url passed it
    addresses: list[Address] = []
    for info in resolver(host, port, type=socket.SOCK_STREAM):
        addresses.append(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
    if not addresses:
        raise OSError(f"{host} resolved to no address")
    for address in addresses:
        reason = address_refusal(address)
        if reason is not None:
            raise WebhookTargetError(
                f"The webhook host {host} resolves to {address}, {reason}; set {ALLOW_PRIVATE_ENV}=1 to allow "
                "private receivers."
            )
    chosen = addresses[0]
    shown = f"[{chosen}]" if isinstance(chosen, ipaddress.IPv6Address) else str(chosen)
    pinned = urlunsplit((parts.scheme, f"{shown}:{parts.port}" if parts.port else shown, parts.path or "/",
                         parts.query, ""))
    host_header = f"{host}:{parts.port}" if parts.port else host
    return WebhookTarget(pinned, host_header, host if parts.scheme.lower() == "https" else None)


def redact_webhook_url(url: str | None) -> str | None:
    """``url`` without any user name or password it carries, for listings of records stored before the rules."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, f"***@{netloc}", parts.path, parts.query, parts.fragment))
