"""SQL stores on SQLAlchemy 2 Core: SQLite (embedded default of ``scimcore serve``) and PostgreSQL.

Needs the ``sql`` extra (SQLAlchemy) and, for PostgreSQL, the ``postgres`` extra (psycopg 3).  Never imported
by ``import scimcore``.
"""

from scimcore.store.sql.store import SqlStore, normalise_url

__all__ = ["SqlStore", "normalise_url"]
