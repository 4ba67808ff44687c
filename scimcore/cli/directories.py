"""``scimcore directories``: customer directories, each with its own endpoint, token, data and webhook.

Also how each directory's events are delivered (``events``: webhook JSON or RFC 9967 SETs pushed or
polled) and the keys that sign SETs (``set-keys``, ``rotate-set-key``, ``retire-set-key``).

Owns: the directory commands and what they print (a token is shown once, when it is made).
Must not: check or store tokens itself (:class:`~scimcore.directories.DirectoryManager` does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from scimcore.cli.runtime import (
    SCIM_PREFIX,
    _directory_store,
    _emit,
    database_option,
)
from scimcore.directories import PROVIDERS, UNKNOWN_MEMBER_RULES, DirectoryManager, entra_tenant_url
from scimcore.store.ports import EVENT_DELIVERIES, SERVER_KEYS, SigningKey, SigningKeys

_UNKNOWN_MEMBERS_HELP = (
    "What a group member naming no user or group of this directory gets: dropped (and named in the "
    "Scimcore-Dropped-Members response header) or refused with 400."
)


@click.group()
def directories() -> None:
    """Customer directories: each has its own SCIM endpoint, token, data and webhook."""


@directories.command("create")
@database_option
@click.option("--name", required=True, help="A name people recognise.")
@click.option("--tenant", default=None, help="Your tenant (customer) id, copied into events.")
@click.option("--product", default=None, help="Your product id, copied into events.")
@click.option("--provider", default="generic", show_default=True, type=click.Choice(list(PROVIDERS)))
@click.option("--webhook-url", default=None, help="Where events are POSTed.")
@click.option("--webhook-secret", default=None, help="HMAC secret for webhook signatures (generated if absent).")
@click.option("--unknown-members", default="drop", show_default=True, type=click.Choice(UNKNOWN_MEMBER_RULES),
              help=_UNKNOWN_MEMBERS_HELP)
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True, help="The server's public URL.")
def directories_create(
    database: str,
    name: str,
    tenant: str | None,
    product: str | None,
    provider: str,
    webhook_url: str | None,
    webhook_secret: str | None,
    unknown_members: str,
    base_url: str,
) -> None:
    """Create a directory; prints its id, token (shown once) and SCIM path as JSON."""
    manager = DirectoryManager(_directory_store(database))
    try:
        directory, token = manager.create(
            name, provider=provider, tenant=tenant, product=product, webhook_url=webhook_url,
            webhook_secret=webhook_secret, unknown_members=unknown_members,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    scim_path = f"{SCIM_PREFIX}/{directory.id}"
    out = {**directory.public(), "token": token, "scim_path": scim_path,
           "scim_url": base_url.rstrip("/") + scim_path}
    if directory.webhook_secret and not webhook_secret:
        out["webhook_secret"] = directory.webhook_secret
    if provider == "entra":
        out["tenant_url"] = entra_tenant_url(out["scim_url"])
    _emit(out)


@directories.command("list")
@database_option
def directories_list(database: str) -> None:
    """List directories as JSON (never with secrets)."""
    manager = DirectoryManager(_directory_store(database))
    _emit([d.public() | {"scim_path": f"{SCIM_PREFIX}/{d.id}"} for d in manager.list()])


def _directory_action(name: str, help_text: str) -> Callable[[Callable[[DirectoryManager, str], Any]], Any]:
    def wrap(action: Callable[[DirectoryManager, str], Any]) -> Any:
        @directories.command(name, help=help_text)
        @database_option
        @click.argument("directory_id")
        def command(database: str, directory_id: str) -> None:
            try:
                _emit(action(DirectoryManager(_directory_store(database)), directory_id))
            except KeyError:
                raise click.ClickException(f"no directory {directory_id}") from None

        return command

    return wrap


@_directory_action("rotate-token", "Issue a new token; old tokens stay valid until revoke-tokens.")
def _rotate(manager: DirectoryManager, directory_id: str) -> Any:
    return {"id": directory_id, "token": manager.rotate_token(directory_id)}


@_directory_action("revoke-tokens", "Revoke every token of a directory (issue a new one with rotate-token).")
def _revoke(manager: DirectoryManager, directory_id: str) -> Any:
    return {"id": directory_id, "revoked": manager.revoke_tokens(directory_id)}


@_directory_action("deactivate", "Answer every request to the directory with 403 until activated.")
def _deactivate(manager: DirectoryManager, directory_id: str) -> Any:
    return manager.set_active(directory_id, False).public()


@_directory_action("activate", "Serve a deactivated directory again.")
def _activate(manager: DirectoryManager, directory_id: str) -> Any:
    return manager.set_active(directory_id, True).public()


@_directory_action("delete", "Delete a directory with all of its users, groups, tokens and events.")
def _delete(manager: DirectoryManager, directory_id: str) -> Any:
    manager.delete(directory_id)
    return {"id": directory_id, "deleted": True}


@directories.command("unknown-members", help=_UNKNOWN_MEMBERS_HELP)
@database_option
@click.argument("directory_id")
@click.argument("rule", type=click.Choice(UNKNOWN_MEMBER_RULES))
def directories_unknown_members(database: str, directory_id: str, rule: str) -> None:
    """Choose what members naming nothing in the directory get; prints the directory as JSON."""
    try:
        _emit(DirectoryManager(_directory_store(database)).set_unknown_members(directory_id, rule).public())
    except KeyError:
        raise click.ClickException(f"no directory {directory_id}") from None


def _links(database: str) -> Any:
    from scimcore.setup_links import SetupLinkManager

    return SetupLinkManager(_directory_store(database))


@directories.command("setup-link")
@database_option
@click.argument("directory_id")
@click.option("--expires", default="7d", show_default=True,
              help="How long the link works: 30m, 12h, 7d or 2w (5 minutes to 30 days).")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True, help="The server's public URL.")
def directories_setup_link(database: str, directory_id: str, expires: str, base_url: str) -> None:
    """Make a setup link for the customer's IT admin; prints its address (shown once) as JSON."""
    from scimcore.setup_links import SETUP_PATH, parse_lifetime

    try:
        lifetime = parse_lifetime(expires)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expires") from None
    try:
        link, secret = _links(database).create(directory_id, lifetime)
    except KeyError:
        raise click.ClickException(f"no directory {directory_id}") from None
    _emit({"id": link.id, "directory": directory_id, "url": f"{base_url.rstrip('/')}{SETUP_PATH}/{secret}",
           "expires": link.expires})


@directories.command("setup-links")
@database_option
@click.argument("directory_id")
def directories_setup_links(database: str, directory_id: str) -> None:
    """List a directory's setup links and their state as JSON (never their addresses)."""
    _emit([{"id": item.link.id, "created": item.link.created, "expires": item.link.expires, "state": item.state,
            "token_revealed": item.link.token_revealed} for item in _links(database).list(directory_id)])


@directories.command("revoke-setup-link")
@database_option
@click.argument("directory_id")
@click.argument("link_id")
def directories_revoke_setup_link(database: str, directory_id: str, link_id: str) -> None:
    """Revoke a setup link: its page answers 410 from now on."""
    if not _links(database).revoke(directory_id, link_id):
        raise click.ClickException(f"no live setup link {link_id} in directory {directory_id}")
    _emit({"id": link_id, "directory": directory_id, "revoked": True})


@directories.command("events")
@database_option
@click.argument("directory_id")
@click.option("--delivery", required=True, type=click.Choice(EVENT_DELIVERIES),
              help="webhook: scimcore's own event JSON to the webhook URL; set-push: RFC 9967 Security Event "
              "Tokens pushed to the webhook URL (RFC 8935); set-poll: SETs the receiver polls for (RFC 8936).")
@click.option("--form", default=None, type=click.Choice(["full", "notice"]),
              help="SETs carry the resource (full) or the names of its attributes (notice); kept if absent.")
@click.option("--audience", default=None,
              help="The 'aud' of the directory's SETs (the directory's id if never set; '' goes back to it).")
def directories_events(
    database: str, directory_id: str, delivery: str, form: str | None, audience: str | None
) -> None:
    """Choose how the directory's events are delivered; prints the directory as JSON."""
    try:
        _emit(DirectoryManager(_directory_store(database)).set_event_delivery(
            directory_id, delivery, form=form, audience=audience).public())
    except KeyError:
        raise click.ClickException(f"no directory {directory_id}") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _key_store(database: str, directory_id: str | None) -> Any:
    store = _directory_store(database)
    if directory_id is not None and store.get_directory(directory_id) is None:
        raise click.ClickException(f"no directory {directory_id}")
    if not isinstance(store, SigningKeys):
        raise click.ClickException("this store keeps no SET signing keys")
    return store


def _key_view(key: SigningKey) -> dict[str, Any]:
    """A key as the commands print it: never its private part."""
    return {"kid": key.kid, "scope": key.scope or "server", "created": key.created, "retired": key.retired}


@directories.command("set-keys")
@database_option
@click.argument("directory_id", required=False)
def directories_set_keys(database: str, directory_id: str | None) -> None:
    """List the SET signing keys of a directory (or, without one, the server's), newest first."""
    store = _key_store(database, directory_id)
    _emit([_key_view(k) for k in store.signing_keys(directory_id or SERVER_KEYS)])


@directories.command("rotate-set-key")
@database_option
@click.argument("directory_id", required=False)
def directories_rotate_set_key(database: str, directory_id: str | None) -> None:
    """Add a SET signing key to a directory (or the server); it signs from now on, older keys stay published.

    Retire an older key with retire-set-key once receivers have fetched the JWKS again.
    """
    try:
        from scimcore import set_tokens
    except ImportError:  # pragma: no cover - depends on the installation
        raise click.ClickException("SET keys need joserfc: pip install 'scimcore[sets]'") from None
    from datetime import UTC, datetime

    store = _key_store(database, directory_id)
    key = set_tokens.generate_signing_key(directory_id or SERVER_KEYS, set_tokens.utc_stamp(
        datetime.now(UTC).timestamp()))
    store.add_signing_key(key)
    _emit(_key_view(key))


@directories.command("retire-set-key")
@database_option
@click.argument("kid")
@click.argument("directory_id", required=False)
def directories_retire_set_key(database: str, kid: str, directory_id: str | None) -> None:
    """Retire a SET signing key of a directory (or the server): it signs nothing and leaves the JWKS."""
    store = _key_store(database, directory_id)
    if not store.retire_signing_key(directory_id or SERVER_KEYS, kid):
        raise click.ClickException(f"no live key {kid}")
    _emit({"kid": kid, "scope": directory_id or "server", "retired": True})
