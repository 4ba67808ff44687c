"""``scimcore admin``: the accounts of the admin console (``/admin`` of ``scimcore serve``).

Owns: creating, listing and deleting console accounts; the password is read without echo (or from standard
input with ``--password-stdin``) and kept only as a salted scrypt hash.
Must not: print or log a password, or keep it in clear anywhere.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from scimcore.auth import hash_password
from scimcore.cli.runtime import _directory_store, _emit, database_option
from scimcore.store.ports import AdminAccount, AdminStore

MIN_PASSWORD_LENGTH = 12


@click.group()
def admin() -> None:
    """The accounts that sign in to the admin console."""


def _admins(database: str) -> AdminStore:
    store = _directory_store(database)
    if not isinstance(store, AdminStore):
        raise click.ClickException("this store keeps no admin accounts")
    return store


@admin.command("create")
@database_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def admin_create(database: str, name: str, password_stdin: bool) -> None:
    """Create (or reset the password of) the console account NAME; every session of it ends."""
    if not name.strip() or len(name) > 200:
        raise click.BadParameter("give a name of 1 to 200 characters", param_hint="NAME")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _admins(database).save_admin(AdminAccount(name.strip(), hash_password(password), created))
    _emit({"name": name.strip(), "created": created})


@admin.command("list")
@database_option
def admin_list(database: str) -> None:
    """List the console accounts (names and creation times) as JSON."""
    _emit([{"name": a.name, "created": a.created} for a in _admins(database).list_admins()])


@admin.command("delete")
@database_option
@click.argument("name")
def admin_delete(database: str, name: str) -> None:
    """Delete the console account NAME; its sessions end at once."""
    if not _admins(database).delete_admin(name):
        raise click.ClickException(f"no admin {name}")
    _emit({"name": name, "deleted": True})
