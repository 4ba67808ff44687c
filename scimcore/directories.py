"""Directories and their tokens: one SCIM endpoint per customer directory.

A directory is one identity provider's connection: its own base path (``/scim/v2/<id>``), its own bearer
tokens, its own resources (uniqueness is per directory) and its own webhook.  Tokens are generated from the
operating system's CSPRNG, shown once, kept only as SHA-256 digests and checked in constant time; rotation
adds a token and keeps the old ones valid until :meth:`DirectoryManager.revoke_tokens`.

:class:`DirectoryAuthenticator` is the authentication hook for a multi-directory service: the token must
belong to the directory the request addresses; a deactivated directory answers 403, an unknown one 404.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from scimcore.auth import bearer_token, generate_token, hash_token
from scimcore.errors import Forbidden, NotFound
from scimcore.profiles import PROFILES
from scimcore.sets import AUDIENCE_OPTION
from scimcore.store.ports import EVENT_DELIVERIES
from scimcore.store.ports import Directory as Directory
from scimcore.store.ports import DirectoryStore as DirectoryStore
from scimcore.store.ports import TokenRecord as TokenRecord
from scimcore.transport import ScimRequest
from scimcore.webhook_targets import check_webhook_url

PROVIDERS = tuple(PROFILES)
"""The provider labels a directory can carry: the names of :data:`scimcore.profiles.PROFILES`."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UNKNOWN_MEMBERS = "unknown_members"
"""The directory option that says what a member naming no resource of the directory gets (RFC 7644 §3.5.2
leaves it to the service provider): ``"drop"`` (the default: dropped, and reported in the
``Scimcore-Dropped-Members`` response header and the log) or ``"refuse"`` (400 ``invalidValue``)."""

UNKNOWN_MEMBER_RULES = ("drop", "refuse")

class DirectoryManager:
    """The Python API behind ``scimcore directories``: create, list, rotate tokens, (de)activate, delete."""

    def __init__(
        self, store: DirectoryStore, *, clock: Callable[[], str] = _now, allow_private_webhooks: bool | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        # None reads SCIMCORE_ALLOW_PRIVATE_WEBHOOKS at each check (scimcore.webhook_targets).
        self.allow_private_webhooks = allow_private_webhooks

    def _check_webhook(self, url: str | None) -> None:
        """Refuse a webhook URL the target rules refuse (:mod:`scimcore.webhook_targets`); ``ValueError``."""
        if url is not None:
            check_webhook_url(url, allow_private=self.allow_private_webhooks)

    def create(
        self,
        name: str,
        *,
        provider: str = "generic",
        tenant: str | None = None,
        product: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        directory_id: str | None = None,
        token: str | None = None,
        unknown_members: str = "drop",
    ) -> tuple[Directory, str]:
        """A new directory and its first token (shown once; only its digest is kept)."""
        _check_unknown_members(unknown_members)
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}, got {provider!r}")
        if webhook_secret and not webhook_url:
            raise ValueError("a webhook secret needs a webhook URL")
        self._check_webhook(webhook_url)
        directory = Directory(
            id=directory_id or uuid.uuid4().hex,
            name=name,
            provider=provider,
            tenant=tenant,
            product=product,
            created=self.clock(),
            webhook_url=webhook_url,
            webhook_secret=webhook_secret or (generate_token() if webhook_url else None),
            options={UNKNOWN_MEMBERS: unknown_members} if unknown_members != "drop" else {},
        )
        if self.store.get_directory(directory.id) is not None:
            raise ValueError(f"directory {directory.id} already exists")
        self.store.save_directory(directory)
        secret = token or generate_token()
        self.store.add_token(TokenRecord(hash_token(secret), directory.id, self.clock()))
        return directory, secret

    def get(self, directory_id: str) -> Directory:
        """The directory, or ``KeyError``."""
        found = self.store.get_directory(directory_id)
        if found is None:
            raise KeyError(directory_id)
        return found

    def list(self) -> list[Directory]:
        """Every directory."""
        return self.store.list_directories()

    def rotate_token(self, directory_id: str) -> str:
        """A new token for the directory; old ones stay valid until :meth:`revoke_tokens`."""
        self.get(directory_id)
        secret = generate_token()
        self.store.add_token(TokenRecord(hash_token(secret), directory_id, self.clock()))
        return secret

    def revoke_tokens(self, directory_id: str, keep_token: str | None = None) -> int:
        """Revoke every token but ``keep_token``; return how many were revoked."""
        self.get(directory_id)
        return self.store.revoke_tokens(directory_id, hash_token(keep_token) if keep_token else None)

    def set_active(self, directory_id: str, active: bool) -> Directory:
        """Activate or deactivate; a deactivated directory answers every request with 403."""
        updated = replace(self.get(directory_id), active=active)
        self.store.save_directory(updated)
        return updated

    def update(self, directory_id: str, **changes: Any) -> Directory:
        """Change name, tenant, product, provider, webhook URL/secret or options."""
        allowed = {"name", "tenant", "product", "provider", "webhook_url", "webhook_secret", "options"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
        if changes.get("webhook_url"):
            self._check_webhook(changes["webhook_url"])
        updated = replace(self.get(directory_id), **changes)
        self.store.save_directory(updated)
        return updated

    def set_unknown_members(self, directory_id: str, rule: str) -> Directory:
        """Choose what members naming no resource of the directory get: ``"drop"`` or ``"refuse"``."""
        _check_unknown_members(rule)
        current = self.get(directory_id)
        options = {k: v for k, v in current.options.items() if k != UNKNOWN_MEMBERS}
        if rule != "drop":
            options[UNKNOWN_MEMBERS] = rule
        return self.update(directory_id, options=options)

    def set_event_delivery(
        self, directory_id: str, delivery: str, *, form: str | None = None, audience: str | None = None
    ) -> Directory:
        """Choose how the directory's events are delivered (:data:`~scimcore.store.ports.EVENT_DELIVERIES`).

        ``form`` (``full`` or ``notice``) and ``audience`` (the SETs' ``aud``; ``""`` goes back to the
        directory's id) are kept when not given.  ``set-push`` needs the directory's webhook URL.
        """
        if delivery not in EVENT_DELIVERIES:
            raise ValueError(f"event delivery must be one of {', '.join(EVENT_DELIVERIES)}, got {delivery!r}")
        if form is not None and form not in ("full", "notice"):
            raise ValueError(f"the SET form must be full or notice, got {form!r}")
        current = self.get(directory_id)
        if delivery == "set-push" and not current.webhook_url:
            raise ValueError("set-push delivers to the directory's webhook URL: set one first (--webhook-url)")
        options = dict(current.options)
        if audience is not None:
            options.pop(AUDIENCE_OPTION, None)
            if audience:
                options[AUDIENCE_OPTION] = audience
        updated = replace(current, event_delivery=delivery, set_form=form or current.set_form, options=options)
        self.store.save_directory(updated)
        return updated

    def delete(self, directory_id: str) -> None:
        """Delete the directory and all of its data."""
        self.get(directory_id)
        self.store.delete_directory(directory_id)


def _check_unknown_members(rule: str) -> None:
    if rule not in UNKNOWN_MEMBER_RULES:
        raise ValueError(f"unknown_members must be one of {', '.join(UNKNOWN_MEMBER_RULES)}, got {rule!r}")


def unknown_directory(name: str) -> NotFound:
    """404 for a first path segment that names neither a resource type nor a directory.

    Only a caller holding a valid token gets it; anyone else gets the same 401 whether the directory exists
    or not, so directory ids cannot be probed without a token.
    """
    return NotFound(
        f"No resource type or SCIM directory named '{name}' here: resource types are served at /Users, "
        f"/Groups… of the SCIM root, and a directory's at /<directory id>/Users."
    )


class DirectoryAuthenticator:
    """Authenticate a request against the directory it addresses (``ScimRequest.directory``)."""

    def __init__(self, store: DirectoryStore) -> None:
        self.store = store

    def __call__(self, request: ScimRequest) -> str | None:
        """The directory id as subject; ``None`` (401) for a missing or wrong token, the directory known or not.

        An unknown directory is a 404 (:func:`unknown_directory`) only for a caller with a valid token of
        another directory; an inactive one is a 403 for a caller with its own token.
        """
        directory_id = request.directory
        if directory_id is None:
            return None
        directory = self.store.get_directory(directory_id)
        token = bearer_token(request.headers)
        if token is None:
            return None
        digest = hash_token(token)
        record = self.store.find_token(digest)
        if record is None or not hmac.compare_digest(record.digest.encode(), digest.encode()):
            return None
        if directory is None:
            raise unknown_directory(directory_id)
        if not hmac.compare_digest(record.directory_id.encode(), directory_id.encode()):
            return None
        if not directory.active:
            raise Forbidden(f"Directory '{directory_id}' is deactivated.")
        return directory_id


def entra_tenant_url(base_url: str) -> str:
    """The Tenant URL to paste into Microsoft Entra ID: the SCIM base with ``?aadOptscim062020``."""
    return f"{base_url.rstrip('/')}?aadOptscim062020"



class ServerAuthenticator:
    """Authentication of ``scimcore serve``: static tokens for the default directory, stored ones for the rest.

    Requests to ``default_directory`` (served at the SCIM root itself) are checked by ``default``; requests to
    ``/<directory id>/...`` by :class:`DirectoryAuthenticator` over ``store``.
    """

    def __init__(
        self,
        store: DirectoryStore | None,
        default: Callable[[ScimRequest], str | None] | None,
        default_directory: str,
    ) -> None:
        self.default = default
        self.default_directory = default_directory
        self.directories = DirectoryAuthenticator(store) if store is not None else None

    def __call__(self, request: ScimRequest) -> str | None:
        """The subject, or ``None`` (401) for a wrong token.

        An authenticated caller gets 404 / 403 for unknown or inactive directories (:func:`unknown_directory`).
        """
        if request.directory in (None, self.default_directory):
            if self.default is None:
                raise NotFound("No default SCIM directory is served here; address a directory by its id.")
            return self.default(request)
        if self.directories is None:
            if self.default is not None and self.default(request) is not None:
                raise unknown_directory(request.directory)
            return None
        subject = self.directories(request)
        if subject is None and self.default is not None and self.default(request) is not None:
            if self.directories.store.get_directory(request.directory) is None:
                raise unknown_directory(request.directory)  # the default directory's caller mistyped a path
        return subject
