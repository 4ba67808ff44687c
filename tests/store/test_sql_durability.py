"""SQLite's durability setting: NORMAL by default, FULL when the URL asks for it, anything else refused."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from scimcore.store.sql import SqlStore  # noqa: E402

_LEVEL = {1: "NORMAL", 2: "FULL", 3: "EXTRA"}  # what PRAGMA synchronous reads back


def _synchronous(store: SqlStore) -> str:
    with store.engine.connect() as conn:
        return _LEVEL[int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())]


def test_the_default_is_normal(tmp_path: Path) -> None:
    """Without ``?synchronous=``, commits are durable across a crash of the process (WAL, NORMAL)."""
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        assert _synchronous(store) == "NORMAL"
    finally:
        store.close()


def test_the_url_asks_for_full(tmp_path: Path) -> None:
    """``?synchronous=full`` syncs at every commit, on every connection of the pool."""
    store = SqlStore(f"sqlite:///{tmp_path / 'b.db'}?synchronous=full")
    try:
        assert _synchronous(store) == "FULL"
        assert (tmp_path / "b.db").exists()  # the parameter is not part of the file name
    finally:
        store.close()


def test_an_unknown_level_is_refused(tmp_path: Path) -> None:
    """A level SQLite does not offer for this purpose is an error naming it, before anything is opened."""
    with pytest.raises(ValueError, match="synchronous=off is not one of normal, full or extra"):
        SqlStore(f"sqlite:///{tmp_path / 'c.db'}?synchronous=off")
