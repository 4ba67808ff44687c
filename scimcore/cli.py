"""The ``scimcore`` command line: ``scimcore serve`` runs a SCIM 2.0 server on uvicorn.

The server pieces (uvicorn) are imported only when a command needs them, so ``import scimcore`` stays free
of them; they come with the ``server`` extra (``pip install 'scimcore[server]'``).
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import click

from scimcore import __version__
from scimcore.auth import BearerTokens, generate_token
from scimcore.check import check as check_command
from scimcore.directories import PROVIDERS, DirectoryManager, DirectoryStore, ServerAuthenticator, entra_tenant_url
from scimcore.limits import RateLimit
from scimcore.schema.registry import SchemaRegistry
from scimcore.service import ScimService, ServiceConfig
from scimcore.store.memory import MemoryStore
from scimcore.store.port import DEFAULT_DIRECTORY, Store
from scimcore.store.ports import Outbox

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
        raise database_error(database, exc) from None


def database_error(database: str, exc: Exception) -> click.ClickException:
    """One clear message for a database that cannot be opened; for PostgreSQL, where it was looked for."""
    if database.startswith(("postgresql:", "postgres:", "postgresql+psycopg:")) and _is_connection_error(exc):
        from sqlalchemy.engine import make_url

        url = make_url(database.replace("postgres://", "postgresql://", 1))
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return click.ClickException(
            f"cannot reach PostgreSQL at {where} ({reason}).\n"
            f"Start it (for example `pg_ctlcluster <version> main start`, `systemctl start postgresql`, or "
            f"`docker run -d -p {url.port or 5432}:5432 -e POSTGRES_PASSWORD=... postgres:16`), "
            f"or correct --database / SCIMCORE_DATABASE ({_redact(database)})."
        )
    return click.ClickException(f"cannot open database {_redact(database)}: {type(exc).__name__}: {exc}")


def _is_connection_error(exc: Exception) -> bool:
    """Whether ``exc`` says the server could not be reached (not a wrong query or schema)."""
    try:
        from sqlalchemy.exc import OperationalError
    except ImportError:  # pragma: no cover - SqlStore needs SQLAlchemy anyway
        return False
    return isinstance(exc, OperationalError) and "connect" in str(exc).lower()


def check_port_free(host: str, port: int) -> None:
    """Refuse to start when ``host:port`` cannot be bound, before uvicorn tries (and logs a traceback).

    The probe binds with ``SO_REUSEADDR`` as uvicorn does, so a port left in ``TIME_WAIT`` is not reported.
    """
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise click.ClickException(f"cannot listen on {host!r}: {exc.strerror}; pass --host an address") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"port {port} on {host} is already in use: stop the program listening there "
                    f"(`ss -ltnp 'sport = :{port}'` shows it) or choose another port with --port"
                ) from None
            if exc.errno == errno.EACCES:
                raise click.ClickException(
                    f"no permission to listen on port {port}: ports below 1024 need privileges; use --port 8000"
                ) from None
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


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


def _rate_limit(value: str | None) -> RateLimit | None:
    """``--rate-limit N/S`` as a :class:`~scimcore.limits.RateLimit`."""
    if value is None:
        return None
    try:
        return RateLimit.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate-limit") from None


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
    try:
        before, after = store.upgrade()
    except Exception as exc:  # noqa: BLE001 - the connection is made here, not in open_store
        raise database_error(database, exc) from None
    store.close()
    click.echo(f"database schema at version {after} (was {before})")


def _directory_store(database: str) -> Any:
    """The SQL store behind the directory commands (directories in memory would vanish at exit)."""
    if database == "memory":
        raise click.ClickException("directories live in a database: use --database sqlite:///... or postgresql://...")
    return open_store(database)


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


database_option = click.option(
    "--database", default=DEFAULT_DATABASE, show_default=True, envvar="SCIMCORE_DATABASE", help="The database URL."
)


@main.group()
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
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True, help="The server's public URL.")
def directories_create(
    database: str,
    name: str,
    tenant: str | None,
    product: str | None,
    provider: str,
    webhook_url: str | None,
    webhook_secret: str | None,
    base_url: str,
) -> None:
    """Create a directory; prints its id, token (shown once) and SCIM path as JSON."""
    manager = DirectoryManager(_directory_store(database))
    try:
        directory, token = manager.create(
            name, provider=provider, tenant=tenant, product=product, webhook_url=webhook_url,
            webhook_secret=webhook_secret,
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


@main.group()
def events() -> None:
    """The event log of a directory."""


@events.command("list")
@database_option
@click.option("--directory", "directory_id", default=DEFAULT_DIRECTORY, show_default=True)
@click.option("--since", default=0, show_default=True, help="Only events after this sequence number.")
@click.option("--limit", default=100, show_default=True)
def events_list(database: str, directory_id: str, since: int, limit: int) -> None:
    """Print events as JSON lines: seq, status, attempts and the event."""
    store = _directory_store(database)
    for stored in store.list_events(directory_id, since=since, limit=limit):
        line = {"seq": stored.seq, "status": stored.status, "attempts": stored.attempts,
                "last_error": stored.last_error, "event": stored.event.payload()}
        click.echo(json.dumps(line, ensure_ascii=False))


@events.command("replay")
@database_option
@click.option("--directory", "directory_id", required=True)
@click.option("--since", "since_time", required=True, help="An ISO time: every event from then on is sent again.")
def events_replay(database: str, directory_id: str, since_time: str) -> None:
    """Deliver a directory's events again from a point in time (the running server sends them)."""
    store = _directory_store(database)
    _emit({"directory": directory_id, "requeued": store.requeue_events(directory_id, since_time=since_time)})


def _transfer_store(database: str, directory_id: str, *, create: bool) -> tuple[Store, bool]:
    """The store for export/import, and whether ``directory_id`` is a directory that import must create."""
    if database == "memory":
        raise click.ClickException("a memory database is empty at start: use --database sqlite:///... or postgresql://")
    store = open_store(database)
    if directory_id == DEFAULT_DIRECTORY or not isinstance(store, DirectoryStore):
        return store, False
    if store.get_directory(directory_id) is not None:
        return store, False
    if not create:
        raise click.ClickException(f"no directory {directory_id} (see `scimcore directories list`)")
    return store, True


@main.command("export")
@database_option
@click.option("--directory", "directory_id", default=DEFAULT_DIRECTORY, show_default=True, help="The directory id.")
@click.option(
    "--output", "output", type=click.File("w", encoding="utf-8", lazy=True), default="-",
    help="The file to write (default: standard output).",
)
def export_command(database: str, directory_id: str, output: Any) -> None:
    """Write a directory's users, then its groups with members, as JSON lines (ids and versions kept)."""
    from scimcore.transfer import count_resources, export_lines

    store, _ = _transfer_store(database, directory_id, create=False)
    registry = SchemaRegistry.default()
    total = sum(count_resources(store, directory_id, registry).values())
    with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
        for line in export_lines(store, directory_id, registry=registry, progress=bar.update):
            output.write(line)
    output.flush()
    click.echo(f"exported {total} resources of directory {directory_id}", err=True)


@main.command("import")
@database_option
@click.option("--directory", "directory_id", default=DEFAULT_DIRECTORY, show_default=True, help="The directory id.")
@click.option("--name", default=None, help="Name of the directory when the import creates it (default: its id).")
@click.option("--allow-partial", is_flag=True, help="Accept an export holding fewer resources than its header says.")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def import_command(database: str, directory_id: str, name: str | None, allow_partial: bool, source: Any) -> None:
    """Load an export (FILE, or - for standard input) into an empty or new directory; prints a JSON summary.

    A directory id that does not exist yet is created, and its first token is printed once.  An export cut
    short (fewer resources than its header announces) fails unless --allow-partial accepts it.
    """
    from scimcore.transfer import IncompleteImport, TransferError, ensure_empty, import_lines, read_header

    store, created = _transfer_store(database, directory_id, create=True)
    first = source.readline()
    try:
        header = read_header(first)
        ensure_empty(store, directory_id)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from None
    counts = header.get("counts") or {}
    total = sum(n for n in counts.values() if isinstance(n, int))

    def rest() -> Iterator[str]:
        yield first
        yield from source

    token: str | None = None
    if created and isinstance(store, DirectoryStore):
        _, token = DirectoryManager(store).create(name or directory_id, directory_id=directory_id)
    try:
        with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
            result = import_lines(store, rest(), directory_id, progress=bar.update, allow_partial=allow_partial)
    except IncompleteImport as exc:
        _emit(_import_summary(directory_id, exc.result.counts, token))  # the token is shown even so, once
        raise click.ClickException(str(exc)) from None
    except TransferError as exc:
        raise click.ClickException(str(exc)) from None
    _emit(_import_summary(directory_id, result.counts, token))


def _import_summary(directory_id: str, counts: dict[str, int], token: str | None) -> dict[str, Any]:
    summary: dict[str, Any] = {"directory": directory_id, "imported": counts}
    if token is not None:
        summary |= {"created": True, "token": token, "scim_path": f"{SCIM_PREFIX}/{directory_id}"}
    return summary


main.add_command(check_command)


if __name__ == "__main__":  # pragma: no cover
    main()
