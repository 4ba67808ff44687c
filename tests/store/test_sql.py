"""The SQL store passes the contract of each of its ports on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from scimcore.store.sql import SqlStore  # noqa: E402
from scimcore.testing import (  # noqa: E402
    USER,
    AdminStoreContract,
    DirectoryStoreContract,
    OutboxContract,
    RecorderContract,
    StoreContract,
    user_doc,
)


class TestSqliteStore(StoreContract):
    reads_page_groups = True

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'scim.db'}")
        yield store
        store.close()


class TestPostgresStore(StoreContract):
    reads_page_groups = True

    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()


class TestSqliteOutbox(OutboxContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'outbox.db'}")
        yield store
        store.close()


class TestPostgresOutbox(OutboxContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()


class TestSqliteDirectories(DirectoryStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'directories.db'}")
        yield store
        store.close()


class TestPostgresDirectories(DirectoryStoreContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()


def test_two_dispatchers_share_the_outbox_on_postgres(postgres_url: str) -> None:
    """Two processes' claims on one PostgreSQL outbox never hand out the same event (SKIP LOCKED)."""
    import threading

    from scimcore.directories import Directory
    from scimcore.events import Event

    first, second = SqlStore(postgres_url), SqlStore(postgres_url)
    try:
        first.save_directory(Directory(id="d1", name="D", created="2026-01-01T00:00:00Z", webhook_url="http://x"))
        for n in range(200):
            event = Event(f"e{n}", "user.created", "d1", "2026-01-01T00:00:00Z", {}, f"u{n}")
            first.create(USER, user_doc(f"u{n}", f"user{n}"), directory="d1", events=[event])
        claimed: list[list[str]] = [[], []]

        def drain(store: SqlStore, out: list[str]) -> None:
            while batch := store.claim_events(10.0, 7, 60.0):
                out.extend(s.event.id for s in batch)
                for s in batch:
                    store.mark_delivered(s.seq)

        pairs = zip((first, second), claimed, strict=True)
        threads = [threading.Thread(target=drain, args=(s, out)) for s, out in pairs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not set(claimed[0]) & set(claimed[1])
        assert len(claimed[0]) + len(claimed[1]) == 200
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize(("configured", "autocommit"), [(None, True), ("REPEATABLE READ", False)])
def test_postgres_reads_skip_their_transaction_only_under_read_committed(
    postgres_url: str, configured: str | None, autocommit: bool
) -> None:
    """Reads run in autocommit at PostgreSQL's default level, and keep one snapshot under a stricter one."""
    options = {"isolation_level": configured} if configured else {}
    store = SqlStore(postgres_url, **options)
    try:
        with store._tx() as conn:
            assert conn.connection.driver_connection.autocommit is autocommit
        with store._tx(write=True) as conn:
            assert conn.connection.driver_connection.autocommit is False
    finally:
        store.close()


class TestSqliteRecorder(RecorderContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'recorder.db'}")
        yield store
        store.close()


class TestPostgresRecorder(RecorderContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()


class TestSqliteAdmins(AdminStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'admins.db'}")
        yield store
        store.close()


class TestPostgresAdmins(AdminStoreContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()
