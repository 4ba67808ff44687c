"""``scimcore directories``: customer directories, each with its own endpoint, token, data and webhook.

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
