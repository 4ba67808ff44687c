"""The engine under :class:`~scimcore.store.sql.SqlStore`: URLs, connections, transactions and migrations.

Every port call is one transaction.  Writers on SQLite take the write lock at ``BEGIN IMMEDIATE`` (WAL mode,
a busy timeout and foreign keys on), so two writers never deadlock upgrading a read lock; on PostgreSQL the
row being changed is locked with ``SELECT ... FOR UPDATE`` by the writer.  PostgreSQL reads at READ COMMITTED
run in autocommit.

Owns: :func:`normalise_url`, engine options, the SQLite connection settings and :meth:`SqlEngine._tx`.
Must not: know any port; the resources, outbox and directories parts build on it.
"""


from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url

from scimcore.store.sql import schema
from scimcore.store.sql.compile import Dialect


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and point them at psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _scim_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value



class SqlEngine:
    """The connection and transaction layer every part of :class:`~scimcore.store.sql.SqlStore` shares.

    ``SqlStore("sqlite:///scimcore.db")`` or ``SqlStore("postgresql://user@host/db")``; the schema is
    created or upgraded on open unless ``migrate=False`` (then run ``scimcore db upgrade``).

    SQL parameters are kept out of SQLAlchemy's log lines and error messages (``hide_parameters``): they hold
    webhook secrets and users' data.  Pass ``hide_parameters=False`` to see them while debugging.
    """

    blocking = True

    def __init__(self, url: str, *, migrate: bool = True, echo: bool = False, **engine_options: Any) -> None:
        self.url = normalise_url(url)
        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
        self.dialect = Dialect(backend)
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True, **engine_options}
        if backend == "sqlite":
            options.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        else:
            options.setdefault("pool_pre_ping", True)
            options.setdefault("pool_size", 10)
        self.engine: Engine = create_engine(self.url, **options)
        self._read_committed: bool | None = None
        if backend == "sqlite":
            self._configure_sqlite(self.engine)
        if migrate:
            self.upgrade()

    @staticmethod
    def _configure_sqlite(engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # transactions are begun below, explicitly
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            dbapi_conn.create_function("scim_lower", 1, _scim_lower, deterministic=True)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = "IMMEDIATE" if conn.get_execution_options().get("scim_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

    def upgrade(self) -> tuple[int, int]:
        """Create or upgrade the schema; return (from, to) versions."""
        with self._tx(write=True) as conn:
            return schema.upgrade(conn)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def _autocommit_reads(self, conn: Connection) -> bool:
        """Whether reads may skip their transaction: asked of the first connection, then remembered."""
        if self._read_committed is None:
            self._read_committed = str(conn.get_isolation_level()).upper() == "READ COMMITTED"
        return self._read_committed

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        """A connection for one unit of work: a transaction for writes (and all of SQLite's reads).

        PostgreSQL reads run in autocommit instead when the connections' isolation level is READ COMMITTED
        (PostgreSQL's default), which spares the ``BEGIN`` and ``COMMIT`` round trips and changes nothing a
        reader sees: at that level every statement takes its own snapshot, in a transaction or not.  Under a
        stricter level (an ``isolation_level`` engine option, or the server's ``default_transaction_isolation``)
        reads keep their transaction and its single snapshot.
        """
        with self.engine.connect() as conn:
            if not write and self.dialect.pg and self._autocommit_reads(conn):
                yield conn.execution_options(isolation_level="AUTOCOMMIT")
                return
            if write:
                conn = conn.execution_options(scim_write=True)
            with conn.begin():
                yield conn
