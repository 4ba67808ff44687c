"""The ``scimcore`` command line: ``scimcore serve`` runs a SCIM 2.0 server on uvicorn.

The server pieces (uvicorn) are imported only when a command needs them, so ``import scimcore`` stays free
of them; they come with the ``server`` extra (``pip install 'scimcore[server]'``).
"""

from __future__ import annotations

import sys

import click

from scimcore import __version__
from scimcore.auth import BearerTokens, generate_token
from scimcore.service import ScimService
from scimcore.store.memory import MemoryStore
from scimcore.store.port import Store

SCIM_PREFIX = "/scim/v2"


DEFAULT_DATABASE = "sqlite:///./scimcore.db"


def open_store(database: str, *, migrate: bool = True) -> Store:
    """The store for a ``--database`` value: ``memory``, ``sqlite:///path`` or ``postgresql://...``."""
    if database == "memory":
        return MemoryStore()
    if not database.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+psycopg:")):
        raise click.BadParameter(
            f"{database!r} is not a database URL: use memory, sqlite:///path or postgresql://user@host:5432/db",
            param_hint="--database",
        )
    try:
        from scimcore.store.sql import SqlStore
    except ImportError:
        raise click.ClickException("SQL databases need SQLAlchemy: pip install 'scimcore[server]'") from None
    try:
        return SqlStore(database, migrate=migrate)
    except ImportError as exc:
        raise click.ClickException(
            f"{exc.name or 'a driver'} is missing for {database.split(':', 1)[0]}: pip install 'scimcore[postgres]'"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any driver error becomes one clear message
        raise click.ClickException(f"cannot open database {_redact(database)}: {type(exc).__name__}: {exc}") from None


def _redact(url: str) -> str:
    """A database URL with any password hidden."""
    head, sep, tail = url.partition("://")
    if "@" in tail and ":" in tail.split("@", 1)[0]:
        user = tail.split("@", 1)[0].split(":", 1)[0]
        return f"{head}{sep}{user}:***@{tail.split('@', 1)[1]}"
    return url


@click.group()
@click.version_option(__version__, prog_name="scimcore")
def main() -> None:
    """scimcore: receive user and group provisioning (SCIM 2.0) from any identity provider."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option(
    "--token",
    envvar="SCIMCORE_TOKEN",
    help="Bearer token clients must send (or set SCIMCORE_TOKEN). Generated and printed once if absent.",
)
@click.option(
    "--database",
    default=DEFAULT_DATABASE,
    show_default=True,
    envvar="SCIMCORE_DATABASE",
    help="Where resources are kept: sqlite:///path, postgresql://user@host:5432/db, or memory.",
)
@click.option("--public-url", default=None, help="Base URL clients use, when behind a proxy (for the Entra hint).")
@click.option("--trust-forwarded", is_flag=True, help="Honour X-Forwarded-Proto/Host from a trusted proxy.")
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
def serve(
    host: str,
    port: int,
    token: str | None,
    database: str,
    public_url: str | None,
    trust_forwarded: bool,
    log_level: str,
) -> None:
    """Run a SCIM 2.0 server at http://HOST:PORT/scim/v2 on uvicorn."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the installation
        raise click.ClickException("scimcore serve needs uvicorn: pip install 'scimcore[server]'") from None
    from scimcore.asgi import ScimASGI

    store = open_store(database)
    generated = token is None
    secret = token or generate_token()
    service = ScimService(store, authenticator=BearerTokens([secret]))
    app = ScimASGI(service, prefix=SCIM_PREFIX, trust_forwarded=trust_forwarded)
    shown_host = f"[{host}]" if ":" in host else host
    base = (public_url.rstrip("/") if public_url else f"http://{shown_host}:{port}") + SCIM_PREFIX
    click.echo(f"scimcore {__version__} serving SCIM 2.0 at {base}  (database: {_redact(database)})")
    click.echo("Microsoft Entra ID provisioning settings:")
    click.echo(f"  Tenant URL:   {base}?aadOptscim062020")
    if generated:
        click.echo(f"  Secret Token: {secret}   (generated now and shown only once)")
    else:
        click.echo("  Secret Token: the token given with --token / SCIMCORE_TOKEN")
    sys.stdout.flush()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
        server_header=False,
        proxy_headers=False,
    )
    uvicorn.Server(config).run()


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True, envvar="SCIMCORE_DATABASE")
def db_upgrade(database: str) -> None:
    """Create or upgrade the database schema (also done by serve on start)."""
    from scimcore.store.sql import SqlStore

    store = open_store(database, migrate=False)
    if not isinstance(store, SqlStore):
        raise click.ClickException("only SQL databases have a schema to upgrade")
    before, after = store.upgrade()
    store.close()
    click.echo(f"database schema at version {after} (was {before})")


if __name__ == "__main__":  # pragma: no cover
    main()
