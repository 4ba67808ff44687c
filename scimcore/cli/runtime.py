"""What every command of the ``scimcore`` command line shares: opening stores, ports, messages.

Owns: ``--database`` URLs to stores, the one clear message for a database that cannot be opened, the port
check before a server starts, password redaction in URLs, and JSON output.
Must not: define commands, or import a server or database driver before a command needs it.
"""

from __future__ import annotations

import errno
import json
import os
import re
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
    """One line for a database that cannot be opened: what went wrong, what to fix, the URL (password masked).

    The driver's own first line is kept as the reason; SQLAlchemy's traceback and its "Background on this
    error" link never are.  The cases a first run meets each get their own advice: a SQLite file whose folder
    does not exist, a PostgreSQL host that is not found, a server refusing the connection, a user it does not
    accept (an unknown role, a wrong password) and a database it does not have.
    """
    shown = _redact(database)
    reason = _reason(exc)
    text = str(getattr(exc, "orig", None) or exc).lower()  # every line: libpq lists each address it tried
    fix = f"correct --database / SCIMCORE_DATABASE ({shown})"
    if database.startswith("sqlite:"):
        folder = _sqlite_folder(database)
        if folder is not None and not os.path.isdir(folder):
            return click.ClickException(
                f"cannot open the SQLite database: its folder {folder} does not exist. "
                f"Create it (`mkdir -p {folder}`) or {fix}."
            )
        return click.ClickException(f"cannot open the SQLite database {shown}: {reason}. Check the path, or {fix}.")
    if not _is_connection_error(exc):
        return click.ClickException(f"cannot open database {shown}: {reason}")
    where, user, name = _postgres_parts(database)
    host, port = where.rsplit(":", 1)
    if "failed to resolve host" in text or "could not translate host name" in text or "name or service" in text:
        return click.ClickException(
            f"cannot find the PostgreSQL host {host}: no such name. Correct the host in --database / "
            f"SCIMCORE_DATABASE ({shown})."
        )
    if "password authentication failed" in text or ("role" in text and "does not exist" in text):
        what = "a wrong password" if "password" in text else "no such role"
        return click.ClickException(
            f"PostgreSQL at {where} refused user {user!r} ({what}). Correct the user or password in "
            f"--database / SCIMCORE_DATABASE ({shown}), or create the role (`createuser --pwprompt {user}`)."
        )
    if "database" in text and "does not exist" in text:
        return click.ClickException(
            f"PostgreSQL at {where} has no database {name!r}. Create it (`createdb -h {host} -p {port} -U {user} "
            f"{name}`) or {fix}."
        )
    if "connection refused" in text:
        return click.ClickException(
            f"cannot reach PostgreSQL at {where}: connection refused (nothing listens there). Start it (for example "
            f"`systemctl start postgresql`, or `docker run -d -p {port}:5432 -e POSTGRES_PASSWORD=... postgres:16`)"
            f", or correct the host and port in --database / SCIMCORE_DATABASE ({shown})."
        )
    return click.ClickException(
        f"cannot reach PostgreSQL at {where} ({reason}). Start it, or correct --database / SCIMCORE_DATABASE ({shown})."
    )


def _reason(exc: Exception) -> str:
    """The driver's message without SQLAlchemy's wrapping: its first line, or the most telling line after it."""
    lines = [line.strip() for line in str(getattr(exc, "orig", None) or exc).splitlines() if line.strip()]
    lines = [line for line in lines if "sqlalche.me" not in line]
    if not lines:
        return type(exc).__name__
    for line in lines:  # libpq's server message ("FATAL:  role ... does not exist") says more than its preamble
        if "FATAL:" in line:
            return re.sub(r"\s+", " ", line.split("FATAL:", 1)[1]).strip()
    return lines[0]


def _sqlite_folder(database: str) -> str | None:
    """The folder of a ``sqlite:///path`` file (``None`` for an in-memory SQLite database)."""
    path = database.split(":///", 1)[1].split("?", 1)[0] if ":///" in database else ""
    if not path or path == ":memory:":
        return None
    return os.path.dirname(os.path.abspath(path))


def _postgres_parts(database: str) -> tuple[str, str, str]:
    """``host:port``, the user and the database name a PostgreSQL URL names (libpq's defaults where absent)."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(database.replace("postgres://", "postgresql://", 1))
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot read still gets a message
        return "localhost:5432", "postgres", "postgres"
    user = url.username or os.environ.get("PGUSER") or os.environ.get("USER") or "postgres"
    host = (url.host or "localhost").rpartition("@")[2]  # an unescaped "@" in a password leaves a piece here
    return f"{host}:{url.port or 5432}", user, url.database or user


def _is_connection_error(exc: Exception) -> bool:
    """Whether ``exc`` says no connection was made (not a wrong query or schema)."""
    try:
        from sqlalchemy.exc import OperationalError
    except ImportError:  # pragma: no cover - SqlStore needs SQLAlchemy anyway
        return False
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and any(
        word in text for word in ("connect", "resolve host", "translate host name")
    )


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
    """A database URL with any password hidden: in the user part (up to its last ``@``) and in ``password=``."""
    head, sep, tail = url.partition("://")
    location, qmark, query = tail.partition("?")
    userinfo, at, rest = location.rpartition("@")
    if at and ":" in userinfo:
        location = f"{userinfo.split(':', 1)[0]}:***@{rest}"
    if qmark:
        query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", query)
    return f"{head}{sep}{location}{qmark}{query}"



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
