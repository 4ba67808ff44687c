"""Database faults at the store boundary: a full disk is 507, an unreachable database is 503 with ``Retry-After``.

:func:`classify` looks at an exception raised by SQLAlchemy or its driver and says which SCIM error it is, or
``None`` for every other failure (which keeps its behaviour: ``IntegrityError`` becomes ``409 uniqueness``
where the writes catch it, anything unexpected a ``500``).

- **507** (:class:`~scimcore.errors.InsufficientStorage`, RFC 4918 §11.5): SQLite ``SQLITE_FULL``
  (``database or disk is full``); PostgreSQL SQLSTATE class 53, *insufficient resources* (``53100`` disk_full,
  ``53200`` out_of_memory, ``53400`` configuration_limit_exceeded), except ``53300``.
- **503** with ``Retry-After:`` :data:`RETRY_AFTER_SECONDS` (:class:`~scimcore.errors.ServiceUnavailable`):
  PostgreSQL connection exceptions (SQLSTATE class 08), ``57P01`` admin_shutdown, ``57P02`` crash_shutdown,
  ``57P03`` cannot_connect_now and ``53300`` too_many_connections; a psycopg ``OperationalError`` without a
  SQLSTATE (libpq's own: connection refused, timed out, closed by the server); any driver error SQLAlchemy
  reports as a disconnect; SQLite ``SQLITE_BUSY`` (``database is locked`` once its busy timeout ran out); and
  a pool that had no connection to give within its timeout.

A 507 stores nothing: SQLite and PostgreSQL roll the transaction back.  A 503 is never retried here: a write
whose connection dropped during ``COMMIT`` may or may not have been committed, and only the client can decide
to send it again.  A pooled connection that died while idle is not a fault at all: ``pool_pre_ping`` (on for
PostgreSQL) replaces it before it is used.

Owns: the mapping above and :data:`RETRY_AFTER_SECONDS`.
Must not: retry, sleep, or put any driver text in an answer (the detail is fixed; the log line names only the
exception's type and code).
"""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from scimcore.errors import InsufficientStorage, ScimError, ServiceUnavailable

logger = logging.getLogger("scimcore.store")

RETRY_AFTER_SECONDS = 5
"""The ``Retry-After`` of a 503: long enough for a database restart or a lock holder to finish, short enough
that an identity provider's retry comes back while the outage is still fresh."""

_SQLITE_BUSY = 5
_SQLITE_FULL = 13
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def classify(exc: BaseException) -> ScimError | None:
    """The SCIM error for a database fault (507 or 503, see the module), or ``None`` for any other exception.

    ``exc`` is SQLAlchemy's wrapper (its ``orig`` is the driver's exception) or the driver's exception itself.
    """
    if isinstance(exc, PoolTimeout):
        return _unavailable()
    orig = _driver_error(exc)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        if sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES:
            return _unavailable()
        if sqlstate.startswith("53"):
            return _full()
        return None
    if isinstance(orig, sqlite3.Error):
        return _classify_sqlite(orig)
    if _is_psycopg_operational(orig):
        return _unavailable()
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return _unavailable()
    return None


def log(error: ScimError, exc: BaseException) -> None:
    """One WARNING for a fault answered ``error``: the driver exception's type and code, never its text."""
    orig = _driver_error(exc)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    logger.warning(
        "database fault answered %d: %s%s", error.status, type(orig).__name__, f" ({code})" if code else ""
    )
    logger.debug("database fault", exc_info=exc)


def _driver_error(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def _classify_sqlite(orig: sqlite3.Error) -> ScimError | None:
    """``SQLITE_FULL`` and ``SQLITE_BUSY``, by result code where the driver gives one, else by SQLite's message."""
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    message = str(orig).lower()
    if primary == _SQLITE_FULL or (primary is None and "database or disk is full" in message):
        return _full()
    if primary == _SQLITE_BUSY or (primary is None and "database is locked" in message):
        return _unavailable()
    return None


def _is_psycopg_operational(orig: BaseException) -> bool:
    """A psycopg ``OperationalError`` (without SQLSTATE: libpq's own failures), without importing psycopg."""
    return any(
        cls.__module__.split(".")[0] == "psycopg" and cls.__name__ == "OperationalError" for cls in type(orig).__mro__
    )


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        f"The database is unavailable; retry after {RETRY_AFTER_SECONDS} s.", retry_after=RETRY_AFTER_SECONDS
    )


def _full() -> InsufficientStorage:
    return InsufficientStorage("The database has no space left; nothing was stored.")
