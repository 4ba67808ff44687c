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


def open_store(database: str) -> Store:
    """The store for a ``--database`` value."""
    if database == "memory":
        return MemoryStore()
    raise click.BadParameter(
        f"unsupported database {database!r}: this version of scimcore serves 'memory' only", param_hint="--database"
    )


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
@click.option("--database", default="memory", show_default=True, help="Where resources are kept: 'memory'.")
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
    click.echo(f"scimcore {__version__} serving SCIM 2.0 at {base}  (database: {database})")
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


if __name__ == "__main__":  # pragma: no cover
    main()
