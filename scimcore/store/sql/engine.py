"""The engine under :class:`~scimcore.store.sql.SqlStore`: URLs, connections, transactions and migrations.

Every port call is one transaction.  Writers on SQLite take the write lock at ``BEGIN IMMEDIATE`` (WAL mode,
foreign keys on, a busy timeout of ``connect_args["timeout"]`` seconds, 30 by default), so two writers never
deadlock upgrading a read lock; on PostgreSQL the row being changed is locked with ``SELECT ... FOR UPDATE`` by
the writer.  PostgreSQL reads at READ COMMITTED run in autocommit, and so do SQLite reads of one statement.

Owns: :func:`normalise_url`, engine options, the SQLite connection settings and :meth:`SqlEngine._tx`, where
database faults become 507 and 503 (:mod:`~scimcore.store.sql.faults`).
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
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from scimcore.store.sql import faults, schema, text_index
from scimcore.store.sql.compile import Dialect


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and point them at psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


SYNCHRONOUS_LEVELS = ("NORMAL", "FULL", "EXTRA")
"""SQLite's durability settings a URL may ask for with ``?synchronous=``.

In WAL mode ``NORMAL`` (the default) syncs the write-ahead log at checkpoints, not at every commit: a commit
survives the process being killed (``kill -9``, a crash of scimcore), but the last commits before a power
loss or an operating-system crash may be rolled back (the database stays consistent).  ``FULL`` syncs the log
at every commit, so an acknowledged write survives a power loss too, at the cost of one ``fsync`` per write.
"""

SYNCHRONOUS_DEFAULT = "NORMAL"


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
        parsed = make_url(self.url)
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
        synchronous = SYNCHRONOUS_DEFAULT
        if backend == "sqlite" and "synchronous" in parsed.query:
            synchronous = str(parsed.query["synchronous"]).upper()
            if synchronous not in SYNCHRONOUS_LEVELS:
                raise ValueError(f"synchronous={synchronous.lower()} is not one of normal, full or extra")
            parsed = parsed.difference_update_query(["synchronous"])
        self.dialect = Dialect(backend)
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True, **engine_options}
        if backend == "sqlite":
            options.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        else:
            options.setdefault("pool_pre_ping", True)
            options.setdefault("pool_size", 10)
        self.engine: Engine = create_engine(parsed, **options)
        self._read_committed: bool | None = None
        if backend == "sqlite":
            busy_seconds = float(options["connect_args"].get("timeout", 30))
            self._configure_sqlite(self.engine, busy_timeout_ms=round(busy_seconds * 1000), synchronous=synchronous)
        if migrate:
            self.upgrade()
        if backend == "sqlite":
            with self._connection(write=False, single=True) as conn:
                self.dialect.text_index = text_index.present(conn)

    @staticmethod
    def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int, synchronous: str) -> None:
        """WAL, the busy timeout (``connect_args["timeout"]``, 30 s by default), foreign keys, explicit BEGIN.

        ``synchronous`` is SQLite's ``PRAGMA synchronous`` (:data:`SYNCHRONOUS_LEVELS`).
        """

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # transactions are begun below, explicitly
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()
            dbapi_conn.create_function("scim_lower", 1, _scim_lower, deterministic=True)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            options = conn.get_execution_options()
            if options.get("scim_single"):
                return  # one statement: SQLite runs it in a transaction of its own
            mode = "IMMEDIATE" if options.get("scim_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

    def upgrade(self) -> tuple[int, int]:
        """Create or upgrade the schema; return (from, to) versions.

        A database that cannot be reached raises the driver's own error here (``scimcore serve`` and
        ``scimcore db upgrade`` turn it into a message naming the server), not a 503.
        """
        with self._connection(write=True) as conn:
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
    def _tx(self, write: bool = False, *, single: bool = False) -> Iterator[Connection]:
        """A connection for one unit of work: a transaction for writes and for SQLite's reads of many statements.

        PostgreSQL reads run in autocommit instead when the connections' isolation level is READ COMMITTED
        (PostgreSQL's default), which spares the ``BEGIN`` and ``COMMIT`` round trips and changes nothing a
        reader sees: at that level every statement takes its own snapshot, in a transaction or not.  Under a
        stricter level (an ``isolation_level`` engine option, or the server's ``default_transaction_isolation``)
        reads keep their transaction and its single snapshot.

        A SQLite read that says it is ``single`` (it runs one statement) runs without ``BEGIN`` and ``COMMIT``:
        SQLite gives a lone statement a read transaction of its own, with the same snapshot an explicit one
        would hold for it.

        This is the store's boundary for database faults (:mod:`~scimcore.store.sql.faults`): a full disk
        leaves it as :class:`~scimcore.errors.InsufficientStorage` (507), an unreachable or locked database as
        :class:`~scimcore.errors.ServiceUnavailable` (503 with ``Retry-After``); every other exception as it was.
        """
        try:
            with self._connection(write, single) as conn:
                yield conn
        except (DBAPIError, PoolTimeout) as exc:
            error = faults.classify(exc)
            if error is None:
                raise
            faults.log(error, exc)
            raise error from exc

    @contextmanager
    def _connection(self, write: bool, single: bool = False) -> Iterator[Connection]:
        """:meth:`_tx` without the fault mapping: the driver's exceptions as they are (opening, migrating)."""
        with self.engine.connect() as conn:
            if not write and self.dialect.pg and self._autocommit_reads(conn):
                yield conn.execution_options(isolation_level="AUTOCOMMIT")
                return
            if single and not write and not self.dialect.pg:
                yield conn.execution_options(scim_single=True)
                return
            if write:
                conn = conn.execution_options(scim_write=True)
            with conn.begin():
                yield conn
