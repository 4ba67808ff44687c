"""``scimcore serve``: a SCIM 2.0 server on uvicorn, with the event dispatcher beside it.

Owns: the server's options, building the service and the ASGI app from them (the app's lifespan runs the
webhook dispatcher of a database's outbox: the one dispatcher of the process), and the start-up banner
(the endpoint, the Entra tenant URL and a generated token shown once).
Must not: hold SCIM rules (the service does) or import uvicorn before the command runs.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click

from scimcore import __version__
from scimcore.adapters.common import normalise_public_url
from scimcore.auth import BearerTokens, generate_token
from scimcore.cli.runtime import (
    DEFAULT_DATABASE,
    SCIM_PREFIX,
    _redact,
    check_database_url,
    check_port_free,
    open_store,
)
from scimcore.directories import (
    DirectoryAuthenticator,
    DirectoryManager,
    DirectoryStore,
    ServerAuthenticator,
    entra_tenant_url,
)
from scimcore.dispatch import DispatchConfig
from scimcore.limits import RateLimit
from scimcore.service import ScimService, ServiceConfig
from scimcore.store.memory import MemoryStore
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.store.ports import AdminStore, Recorder
from scimcore.transport import ScimRequest


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
    help="Bearer token clients of the default directory send (or set SCIMCORE_TOKEN). If absent, one is "
    "generated at the first start, shown once and kept (hashed) in the database.",
)
@click.option(
    "--database",
    default=DEFAULT_DATABASE,
    show_default=True,
    envvar="SCIMCORE_DATABASE",
    help="Where resources are kept: sqlite:///path, postgresql://user@host:5432/db, or memory "
    "(or set SCIMCORE_DATABASE).",
)
@click.option(
    "--public-url",
    default=None,
    envvar="SCIMCORE_PUBLIC_URL",
    help="The URL clients reach the server at, behind a proxy (https://host): the base of Location, "
    "meta.location and the printed endpoints (or set SCIMCORE_PUBLIC_URL).",
)
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
@click.option(
    "--record",
    "record_keep",
    default=200,
    show_default=True,
    type=click.IntRange(min=0),
    help="Keep each directory's last N requests, redacted, in the flight recorder (scimcore recorder); 0 keeps none.",
)
@click.option(
    "--record-days",
    default=7.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Forget recorded requests older than this many days.",
)
@click.option(
    "--console-secret",
    envvar="SCIMCORE_CONSOLE_SECRET",
    default=None,
    help="Secret (32 characters or more) signing the admin console's sessions (or set SCIMCORE_CONSOLE_SECRET); "
    "give every server behind one load balancer the same one. Random per process if absent: a restart signs "
    "everyone out.",
)
@click.option(
    "--set-issuer",
    default=None,
    envvar="SCIMCORE_SET_ISSUER",
    help="The 'iss' of the Security Event Tokens this server signs (or set SCIMCORE_SET_ISSUER); "
    "defaults to the public URL's root.",
)
@click.option(
    "--metrics-token",
    envvar="SCIMCORE_METRICS_TOKEN",
    default=None,
    help="Bearer token for Prometheus metrics at /metrics (or set SCIMCORE_METRICS_TOKEN; at least 16 "
    "characters). /metrics is not served without one; /healthz and /readyz always are.",
)
@click.option(
    "--log-format", default="text", show_default=True, type=click.Choice(["text", "json"]),
    help="text: uvicorn's format; json: one JSON object a line, with the access log's fields.",
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
    record_keep: int,
    record_days: float,
    console_secret: str | None,
    set_issuer: str | None,
    metrics_token: str | None,
    log_format: str,
) -> None:
    """Run a SCIM 2.0 server at http://HOST:PORT/scim/v2 on uvicorn, with /healthz, /readyz and /metrics."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the installation
        raise click.ClickException("scimcore serve needs uvicorn: pip install 'scimcore[server]'") from None
    from scimcore.adapters.operations import OperationsASGI
    from scimcore.adapters.recorder import FlightRecorder
    from scimcore.asgi import ScimASGI

    check_database_url(database)
    token = _checked_token(token)
    if metrics_token is not None and len(metrics_token) < 16:
        raise click.BadParameter("needs at least 16 characters", param_hint="--metrics-token")
    if console_secret is not None and len(console_secret) < 32:
        raise click.BadParameter("needs at least 32 characters", param_hint="--console-secret")
    public_url = public_url or None  # an empty SCIMCORE_PUBLIC_URL means none
    root = _public_root(public_url, host, port)
    check_port_free(host, port)
    store = open_store(database)
    directory_store = store if isinstance(store, DirectoryStore) else None
    kept = None if isinstance(store, MemoryStore) else directory_store  # memory keeps no token across restarts
    default_auth, token_line = _default_directory(kept, token)
    authenticator = ServerAuthenticator(directory_store, default_auth, DEFAULT_DIRECTORY)
    limits = ServiceConfig(cursor_secret=cursor_secret.encode("utf-8") if cursor_secret else None)
    if rate_limit is not None:
        limits = replace(limits, rate_limit_requests=rate_limit.requests, rate_limit_seconds=rate_limit.seconds)
    # In memory, nothing outside this process could ever read the event log: keep no events there.
    emit_events = not isinstance(store, MemoryStore)
    service = ScimService(store, authenticator=authenticator, config=limits, emit_events=emit_events)
    issuer = set_issuer or root
    # The app's lifespan (uvicorn runs it: lifespan="on") starts and stops the webhook dispatcher.
    app = ScimASGI(
        service,
        prefix=SCIM_PREFIX,
        trust_forwarded=trust_forwarded,
        directories=True,
        log_bodies=log_bodies,
        public_url=root + SCIM_PREFIX if public_url else None,
        recorder=FlightRecorder(store, keep=record_keep, max_age=record_days * 86400.0)
        if record_keep and isinstance(store, Recorder) else None,
        dispatch_config=DispatchConfig(set_issuer=issuer),
    )
    operations: Any = OperationsASGI(app, metrics_token=metrics_token)
    sets_served = _serves_sets(store)
    if sets_served:
        from scimcore.adapters.sets import SetEndpointsASGI

        operations = SetEndpointsASGI(store, operations, issuer=issuer, authenticator=authenticator)
    if isinstance(store, AdminStore) and isinstance(store, DirectoryStore) and not isinstance(store, MemoryStore):
        from scimcore.console import ConsoleASGI

        secret = console_secret.encode("utf-8") if console_secret else secrets.token_bytes(32)
        console = ConsoleASGI(store, secret=secret, scim_base=root + SCIM_PREFIX, public_url=root,
                              secure_cookies=True if root.startswith("https://") else None)
        operations = _WithConsole(console, operations)
    base = root + SCIM_PREFIX
    click.echo(f"scimcore {__version__} serving SCIM 2.0 at {base}  (database: {_redact(database)})")
    click.echo("Microsoft Entra ID provisioning settings:")
    click.echo(f"  Tenant URL:   {entra_tenant_url(base)}")
    click.echo(f"  Secret Token: {token_line}")
    if directory_store is not None:
        for directory in directory_store.list_directories():
            if directory.id == DEFAULT_DIRECTORY:
                continue
            state = "" if directory.active else "  (deactivated)"
            url = f"{base}/{directory.id}"
            shown = entra_tenant_url(url) if directory.provider == "entra" else url
            click.echo(f"  directory {directory.name!r}: {shown}{state}")
    metrics = f"; metrics: {root}/metrics" if metrics_token else ""
    click.echo(f"  Health: {root}/healthz and {root}/readyz{metrics}")
    if sets_served:
        click.echo(f"  Security Event Tokens: keys at {root}/sets/<directory>/jwks.json, polling at "
                   f"{root}/sets/<directory>/poll (issuer {issuer})")
    if not isinstance(store, MemoryStore):
        click.echo(f"  Admin console: {root}/admin (accounts: scimcore admin create NAME)")
    sys.stdout.flush()
    config = uvicorn.Config(
        operations,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,  # scimcore.access replaces it: uvicorn's would log query values
        lifespan="on",
        server_header=False,
        proxy_headers=False,
        # A request head up to 1 MiB reaches the adapter, which answers 414 or 431 beyond its own bounds
        # (scimcore.adapters.common.check_head); h11's default of 16 KiB would close the connection instead.
        h11_max_incomplete_event_size=1024 * 1024,
    )
    _log_to_stderr(log_level, log_format)
    uvicorn.Server(config).run()



MIN_TOKEN_LENGTH = 20


def _checked_token(token: str | None) -> str | None:
    """``--token`` / ``SCIMCORE_TOKEN``: an empty one is refused (nothing could authenticate), a short one warned of.

    An empty ``SCIMCORE_TOKEN`` counts as given, as ``--token ''`` does.
    """
    if token is None and os.environ.get("SCIMCORE_TOKEN") == "":
        token = ""
    if token is None:
        return None
    if not token.strip():
        raise click.BadParameter(
            "an empty token would let no client authenticate; omit --token (and SCIMCORE_TOKEN) to have one "
            "generated and kept, or give a long random one",
            param_hint="--token / SCIMCORE_TOKEN",
        )
    if len(token) < MIN_TOKEN_LENGTH:
        click.echo(
            f"warning: the token is {len(token)} characters long; anyone who guesses it can provision this "
            f"server. Use at least {MIN_TOKEN_LENGTH} random characters (generated ones have 43).",
            err=True,
        )
    return token


def _public_root(public_url: str | None, host: str, port: int) -> str:
    """The server's URL as clients see it: ``--public-url`` (checked) or ``http://HOST:PORT``."""
    if public_url is None:
        shown_host = f"[{host}]" if ":" in host else host
        return f"http://{shown_host}:{port}"
    try:
        url = normalise_public_url(public_url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--public-url") from None
    assert url is not None
    return url[: -len(SCIM_PREFIX)] if url.endswith(SCIM_PREFIX) else url


def _default_directory(
    store: DirectoryStore | None, token: str | None
) -> tuple[Callable[[ScimRequest], str | None], str]:
    """How the default directory authenticates, and the banner's line about its token.

    ``--token`` is checked as given.  Without it, a database keeps the default directory's token: generated
    at the first start and shown that once, its SHA-256 digest stored like any directory's, so restarts keep
    the identity provider working and a new token comes only from ``directories rotate-token default``.  A
    memory database keeps nothing, so each start makes a new token.
    """
    if token is not None:
        return BearerTokens([token]), "the token given with --token / SCIMCORE_TOKEN"
    if store is None:
        secret = generate_token()
        return BearerTokens([secret]), f"{secret}   (generated now: a memory database keeps no token across restarts)"
    directories = DirectoryAuthenticator(store)

    def stored(request: ScimRequest) -> str | None:
        return directories(replace(request, directory=DEFAULT_DIRECTORY))

    if store.get_directory(DEFAULT_DIRECTORY) is None:
        _, secret = DirectoryManager(store).create("default", directory_id=DEFAULT_DIRECTORY)
        return stored, (
            f"{secret}\n                (shown only this once and kept, hashed, in the database: restarts keep it; "
            f"`scimcore directories rotate-token {DEFAULT_DIRECTORY}` issues a new one)"
        )
    return stored, (
        "the one shown at the first start (kept, hashed, in the database; "
        f"`scimcore directories rotate-token {DEFAULT_DIRECTORY}` issues a new one)"
    )


def _serves_sets(store: Any) -> bool:
    """Whether ``store`` keeps what the SET endpoints need and joserfc (the ``sets`` extra) is installed."""
    from scimcore.store.ports import PolledOutbox, SigningKeys

    if isinstance(store, MemoryStore) or not (isinstance(store, SigningKeys) and isinstance(store, PolledOutbox)):
        return False
    try:
        import joserfc  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the installation
        return False
    return True


class _WithConsole:
    """An ASGI app sending the console's paths to ``console`` and everything else to ``app``."""

    def __init__(self, console: Any, app: Any) -> None:
        self.console, self.app = console, app
        self.service = app.service

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.console.handles(scope.get("path", "")):
            await self.console(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _log_to_stderr(level: str, log_format: str = "text") -> None:
    """Show scimcore's own log (the access log among it) beside uvicorn's: in uvicorn's format, or as JSON."""
    from uvicorn.logging import DefaultFormatter

    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(DefaultFormatter("%(levelprefix)s %(name)s: %(message)s"))
    scimcore_logger = logging.getLogger("scimcore")
    scimcore_logger.addHandler(handler)
    scimcore_logger.setLevel(level.upper())
    scimcore_logger.propagate = False


_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, and the fields a record carries (``extra=``)."""

    def converter(self, seconds: float | None = None) -> time.struct_time:
        """Times in UTC."""
        return time.gmtime(seconds)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        out: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_") and key not in out:
                out[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)
