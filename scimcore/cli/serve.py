"""``scimcore serve``: a SCIM 2.0 server on uvicorn, with the event dispatcher beside it.

Owns: the server's options, building the service, the ASGI app and the dispatcher from them, and the
start-up banner (the endpoint, the Entra tenant URL and a generated token shown once).
Must not: hold SCIM rules (the service does) or import uvicorn before the command runs.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace

import click

from scimcore import __version__
from scimcore.auth import BearerTokens, generate_token
from scimcore.cli.runtime import (
    DEFAULT_DATABASE,
    SCIM_PREFIX,
    _redact,
    check_port_free,
    open_store,
)
from scimcore.directories import DirectoryStore, ServerAuthenticator, entra_tenant_url
from scimcore.limits import RateLimit
from scimcore.service import ScimService, ServiceConfig
from scimcore.store.memory import MemoryStore
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.store.ports import Outbox


def _rate_limit(value: str | None) -> RateLimit | None:
    """``--rate-limit N/S`` as a :class:`~scimcore.limits.RateLimit`."""
    if value is None:
        return None
    try:
        return RateLimit.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate-limit") from None



@click.command()
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
@click.option(
    "--rate-limit",
    default=None,
    metavar="N/S",
    callback=lambda _ctx, _param, value: _rate_limit(value),
    help="Per-directory limit of N requests per S seconds, answered 429 with Retry-After (e.g. 100/1). Off if absent.",
)
@click.option("--log-bodies", is_flag=True, help="With --log-level debug, log request bodies (secrets redacted).")
@click.option(
    "--cursor-secret",
    envvar="SCIMCORE_CURSOR_SECRET",
    default=None,
    help="Secret signing paging cursors (or set SCIMCORE_CURSOR_SECRET); give every server behind one load "
    "balancer the same one. Random per process if absent.",
)
def serve(
    host: str,
    port: int,
    token: str | None,
    database: str,
    public_url: str | None,
    trust_forwarded: bool,
    log_level: str,
    rate_limit: RateLimit | None,
    log_bodies: bool,
    cursor_secret: str | None,
) -> None:
    """Run a SCIM 2.0 server at http://HOST:PORT/scim/v2 on uvicorn."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the installation
        raise click.ClickException("scimcore serve needs uvicorn: pip install 'scimcore[server]'") from None
    from scimcore.asgi import ScimASGI

    check_port_free(host, port)
    store = open_store(database)
    generated = token is None
    secret = token or generate_token()
    directory_store = store if isinstance(store, DirectoryStore) else None
    authenticator = ServerAuthenticator(directory_store, BearerTokens([secret]), DEFAULT_DIRECTORY)
    limits = ServiceConfig(cursor_secret=cursor_secret.encode("utf-8") if cursor_secret else None)
    if rate_limit is not None:
        limits = replace(limits, rate_limit_requests=rate_limit.requests, rate_limit_seconds=rate_limit.seconds)
    # In memory, nothing outside this process could ever read the event log: keep no events there.
    emit_events = not isinstance(store, MemoryStore)
    service = ScimService(store, authenticator=authenticator, config=limits, emit_events=emit_events)
    startup: list[Callable[[], Awaitable[None]]] = []
    shutdown: list[Callable[[], Awaitable[None]]] = []
    if directory_store is not None and isinstance(store, Outbox):
        from scimcore.dispatch import Dispatcher

        dispatcher = Dispatcher(store, directory_store)
        service.subscribers.append(lambda _event: dispatcher.wake())
        tasks: list[asyncio.Task[None]] = []

        async def start_dispatcher() -> None:
            tasks.append(asyncio.get_running_loop().create_task(dispatcher.run()))

        async def stop_dispatcher() -> None:
            dispatcher.stop()
            for task in tasks:
                await task

        startup.append(start_dispatcher)
        shutdown.append(stop_dispatcher)
    app = ScimASGI(
        service,
        prefix=SCIM_PREFIX,
        trust_forwarded=trust_forwarded,
        directories=True,
        on_startup=startup,
        on_shutdown=shutdown,
        log_bodies=log_bodies,
    )
    shown_host = f"[{host}]" if ":" in host else host
    root = public_url.rstrip("/") if public_url else f"http://{shown_host}:{port}"
    base = root + SCIM_PREFIX
    click.echo(f"scimcore {__version__} serving SCIM 2.0 at {base}  (database: {_redact(database)})")
    click.echo("Microsoft Entra ID provisioning settings:")
    click.echo(f"  Tenant URL:   {entra_tenant_url(base)}")
    if generated:
        click.echo(f"  Secret Token: {secret}   (generated now and shown only once)")
    else:
        click.echo("  Secret Token: the token given with --token / SCIMCORE_TOKEN")
    if directory_store is not None:
        for directory in directory_store.list_directories():
            state = "" if directory.active else "  (deactivated)"
            click.echo(f"  directory {directory.name!r}: {base}/{directory.id}{state}")
    sys.stdout.flush()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,  # scimcore.access replaces it: uvicorn's would log query values
        lifespan="on",
        server_header=False,
        proxy_headers=False,
    )
    _log_to_stderr(log_level)
    uvicorn.Server(config).run()



def _log_to_stderr(level: str) -> None:
    """Show scimcore's own log (the access log among it) beside uvicorn's, in uvicorn's format."""
    from uvicorn.logging import DefaultFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(DefaultFormatter("%(levelprefix)s %(name)s: %(message)s"))
    scimcore_logger = logging.getLogger("scimcore")
    scimcore_logger.addHandler(handler)
    scimcore_logger.setLevel(level.upper())
    scimcore_logger.propagate = False
