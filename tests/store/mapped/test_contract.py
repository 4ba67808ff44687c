"""The mapped store passes the contract of each of its ports on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from scimcore.store.mapped import MappedStore  # noqa: E402
from scimcore.testing import DirectoryStoreContract, OutboxContract, StoreContract  # noqa: E402
from tests.store.mapped.tables import opened  # noqa: E402


class TestSqliteMappedStore(StoreContract):
    reads_page_groups = True

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[MappedStore]:
        with opened(f"sqlite:///{tmp_path / 'app.db'}") as store:
            yield store


class TestPostgresMappedStore(StoreContract):
    reads_page_groups = True

    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[MappedStore]:
        with opened(postgres_url) as store:
            yield store


class TestSqliteMappedOutbox(OutboxContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[MappedStore]:
        with opened(f"sqlite:///{tmp_path / 'app.db'}") as store:
            yield store


class TestPostgresMappedOutbox(OutboxContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[MappedStore]:
        with opened(postgres_url) as store:
            yield store


class TestSqliteMappedDirectories(DirectoryStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[MappedStore]:
        with opened(f"sqlite:///{tmp_path / 'app.db'}") as store:
            yield store


class TestPostgresMappedDirectories(DirectoryStoreContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[MappedStore]:
        with opened(postgres_url) as store:
            yield store
