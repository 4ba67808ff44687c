"""What every command of the ``scimcore`` command line shares: opening stores, ports, messages.

Owns: ``--database`` URLs to stores, the one clear message for a database that cannot be opened, the port
check before a server starts, password redaction in URLs, and JSON output.
Must not: define commands, or import a server or database driver before a command needs it.
"""

from __future__ import annotations

import errno
import json
import socket
from typing import Any

import click

from scimcore.store.memory import MemoryStore
from scimcore.store.port import Store

SCIM_PREFIX = "/scim/v2"


DEFAULT_DATABASE = "sqlite:///./scimcore.db"


def check_database_url(database: str) -> None:
    """Refuse a ``--database`` value that is no database URL, before anything else is tried."""
    if database == "memory":
        return
    if not database.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+psycopg:")):
        raise click.BadParameter(
            f"{database!r} is not a database URL: use memory, sqlite:///path or postgresql://user@host:5432/db",
            param_hint="--database",
        )


def open_store(database: str, *, migrate: bool = True) -> Store:
    """The store for a ``--database`` value: ``memory``, ``sqlite:///path`` or ``postgresql://...``."""
    check_database_url(database)
    if database == "memory":
        return MemoryStore()
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
