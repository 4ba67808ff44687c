"""The SQL store's directory records: its own changes are seen at once, another process's within a second."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from scimcore.store.ports import Directory  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402

# The module, not the table of the same name that scimcore.store.sql exports.
sql_directories = importlib.import_module("scimcore.store.sql.directories")


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[SqlStore, SqlStore]]:
    url = f"sqlite:///{tmp_path / 'dirs.db'}"
    first, second = SqlStore(url), SqlStore(url)
    first.save_directory(Directory("d1", "Acme", created="2026-12-01T00:00:00Z"))
    yield first, second
    first.close()
    second.close()


def test_a_store_sees_its_own_changes_at_once(two: tuple[SqlStore, SqlStore]) -> None:
    """Saving or deleting a directory through a store drops the record it kept."""
    first, _ = two
    assert first.get_directory("d1").active is True  # type: ignore[union-attr]
    first.save_directory(replace(first.get_directory("d1"), active=False))  # type: ignore[arg-type]
    assert first.get_directory("d1").active is False  # type: ignore[union-attr]
    first.delete_directory("d1")
    assert first.get_directory("d1") is None


def test_another_store_s_change_is_seen_after_the_cache_time(
    two: tuple[SqlStore, SqlStore], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A record kept by one store is read again once DIRECTORY_CACHE_SECONDS have passed."""
    first, second = two
    clock = [1000.0]
    monkeypatch.setattr(sql_directories.time, "monotonic", lambda: clock[0])
    assert second.get_directory("d1").active is True  # type: ignore[union-attr]
    first.save_directory(replace(first.get_directory("d1"), active=False))  # type: ignore[arg-type]
    assert second.get_directory("d1").active is True  # type: ignore[union-attr]
    clock[0] += sql_directories.DIRECTORY_CACHE_SECONDS
    assert second.get_directory("d1").active is False  # type: ignore[union-attr]


def test_a_kept_record_cannot_be_changed_by_its_reader(two: tuple[SqlStore, SqlStore]) -> None:
    """Each read hands out its own options, so a caller that changes them changes nothing kept."""
    first, _ = two
    first.get_directory("d1").options["unknown_members"] = "refuse"  # type: ignore[union-attr]
    assert first.get_directory("d1").options == {}  # type: ignore[union-attr]


def test_a_miss_is_kept_for_the_cache_time(two: tuple[SqlStore, SqlStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory another store creates right after a miss is found once DIRECTORY_CACHE_SECONDS have passed."""
    first, second = two
    clock = [1000.0]
    monkeypatch.setattr(sql_directories.time, "monotonic", lambda: clock[0])
    assert second.get_directory("d2") is None
    first.save_directory(Directory("d2", "Globex", created="2026-12-01T00:00:00Z"))
    assert second.get_directory("d2") is None
    clock[0] += sql_directories.DIRECTORY_CACHE_SECONDS
    assert second.get_directory("d2") is not None


def test_a_store_finds_a_directory_it_saved_after_a_miss(two: tuple[SqlStore, SqlStore]) -> None:
    """Saving a directory forgets that its id had no record."""
    first, _ = two
    assert first.get_directory("d2") is None
    first.save_directory(Directory("d2", "Globex", created="2026-12-01T00:00:00Z"))
    assert first.get_directory("d2") is not None


def test_misses_kept_are_bounded(two: tuple[SqlStore, SqlStore]) -> None:
    """Ids that name nothing never hold more than ABSENT_KEPT entries."""
    first, _ = two
    for n in range(sql_directories.ABSENT_KEPT * 3):
        assert first.get_directory(f"nothing-{n}") is None
    assert len(first._lookups.absent) <= sql_directories.ABSENT_KEPT
