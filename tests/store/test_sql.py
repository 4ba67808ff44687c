"""The SQL store passes the contract of each of its ports on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

import scimcore.testing.documents as documents  # noqa: E402
from scimcore.filter import parse_filter  # noqa: E402
from scimcore.store.port import Query  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402
from scimcore.testing import (  # noqa: E402
    USER,
    AdminStoreContract,
    DirectoryStoreContract,
    OutboxContract,
    PolledOutboxContract,
    RecorderContract,
    SessionEndsContract,
    SetupLinksContract,
    SigningKeysContract,
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


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A SQL store on SQLite and on PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'scim.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = SqlStore(url)
    yield store
    store.close()


def test_user_name_eq_reads_the_groups_groups_of_many_gives(sql_store: SqlStore) -> None:
    """A userName eq page read with_groups carries the user's groups in joining order, as groups_of_many does."""
    sql_store.create(USER, user_doc("u1", "a"))
    sql_store.create(USER, user_doc("u2", "b"))
    sql_store.create(documents.GROUP, documents.group_doc("g2", "Two", ["u1"]))
    sql_store.create(documents.GROUP, documents.group_doc("g1", "One", ["u1", "u2"]))
    for name, uid in (("A", "u1"), ("b", "u2")):
        page = sql_store.search(USER, Query(filter=parse_filter(f'userName eq "{name}"', USER), with_groups=True))
        assert [d["id"] for d in page.resources] == [uid]
        assert page.groups == sql_store.groups_of_many([uid])
    assert [r.group_id for r in sql_store.groups_of("u1")] == ["g2", "g1"]


def test_user_name_eq_without_groups_reads_none(sql_store: SqlStore) -> None:
    """A userName eq page of a user in no group carries an empty list for it, and no match carries no groups."""
    sql_store.create(USER, user_doc("u1", "a"))
    page = sql_store.search(USER, Query(filter=parse_filter('userName eq "a"', USER), with_groups=True))
    assert (page.total, page.groups) == (1, {"u1": []})
    missing = sql_store.search(USER, Query(filter=parse_filter('userName eq "zz"', USER), with_groups=True))
    assert (missing.total, missing.resources, missing.groups) == (0, [], {})


def test_user_name_eq_past_its_match_still_counts_it(sql_store: SqlStore) -> None:
    """userName eq from startIndex 2 gives an empty page whose total is still 1 (RFC 7644 §3.4.2.4)."""
    sql_store.create(USER, user_doc("u1", "a"))
    page = sql_store.search(USER, Query(filter=parse_filter('userName eq "a"', USER), start_index=2))
    assert (page.total, page.resources) == (1, [])


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


class TestSqliteSetupLinks(SetupLinksContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'links.db'}")
        yield store
        store.close()


class TestPostgresSetupLinks(SetupLinksContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()


class TestSqliteSessionEnds(SessionEndsContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'sessions.db'}")
        yield store
        store.close()


class TestPostgresSessionEnds(SessionEndsContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()


class TestSqliteSigningKeys(SigningKeysContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'keys.db'}")
        yield store
        store.close()


class TestPostgresSigningKeys(SigningKeysContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()


class TestSqlitePolledOutbox(PolledOutboxContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqlStore]:
        store = SqlStore(f"sqlite:///{tmp_path / 'polled.db'}")
        yield store
        store.close()


class TestPostgresPolledOutbox(PolledOutboxContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SqlStore]:
        store = SqlStore(postgres_url)
        yield store
        store.close()
