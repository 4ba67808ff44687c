"""The SQL store passes the store contract on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from scimcore.store.sql import SqlStore  # noqa: E402
from scimcore.testing import StoreContract  # noqa: E402


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'scim.db'}")
        yield store
        store.close()


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()
