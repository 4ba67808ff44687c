"""Schema migrations keep data; the database survives a restart of the store."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from click.testing import CliRunner  # noqa: E402
from sqlalchemy import create_engine, insert  # noqa: E402

from scimcore.cli import main  # noqa: E402
from scimcore.errors import Uniqueness  # noqa: E402
from scimcore.filter.parser import parse_filter  # noqa: E402
from scimcore.store.ports import Query  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402
from scimcore.store.sql import schema as sql_schema  # noqa: E402
from scimcore.testing import GROUP, USER, group_doc, user_doc  # noqa: E402


def _version_one_database(url: str) -> None:
    """A database as the first release of the schema left it, holding a user."""
    engine = create_engine(url)
    with engine.begin() as conn:
        sql_schema.schema_version.create(conn)
        sql_schema.MIGRATIONS[0](conn)
        conn.execute(insert(sql_schema.schema_version).values(version=1))
        doc = user_doc("u1", "bjensen")
        conn.execute(insert(sql_schema.resources).values(
            directory="default", resource_type="User", id="u1", unique_value="bjensen", external_id=None,
            version=doc["meta"]["version"], created=doc["meta"]["created"],
            last_modified=doc["meta"]["lastModified"], doc=doc,
        ))
    engine.dispose()


def test_upgrade_from_the_first_schema_keeps_data(tmp_path: Path) -> None:
    """Opening a version-1 database upgrades it to the latest version with its data intact."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _version_one_database(url)
    store = SqlStore(url)
    try:
        assert store.upgrade() == (sql_schema.LATEST, sql_schema.LATEST)
        got = store.get(USER, "u1")
        assert got is not None and got["userName"] == "bjensen"
        assert store.list_directories() == []
    finally:
        store.close()


def test_db_upgrade_command(tmp_path: Path) -> None:
    """`scimcore db upgrade` brings an old database to the latest schema and says so."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _version_one_database(url)
    result = CliRunner().invoke(main, ["db", "upgrade", "--database", url])
    assert result.exit_code == 0, result.output
    assert f"version {sql_schema.LATEST} (was 1)" in result.output


def test_data_survives_reopening(tmp_path: Path) -> None:
    """Resources and memberships written before a restart are there after it."""
    url = f"sqlite:///{tmp_path / 'keep.db'}"
    first = SqlStore(url)
    first.create(USER, user_doc("u1", "a"))
    first.create(GROUP, group_doc("g1", "G", ["u1"]))
    first.close()
    second = SqlStore(url)
    try:
        group = second.get(GROUP, "g1")
        assert group is not None and [m["value"] for m in group["members"]] == ["u1"]
        assert [ref.group_id for ref in second.groups_of("u1")] == ["g1"]
    finally:
        second.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A database from a newer scimcore is not touched."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    SqlStore(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(sql_schema.schema_version).values(version=sql_schema.LATEST + 1))
    engine.dispose()
    with pytest.raises(RuntimeError, match="newer than this scimcore"):
        SqlStore(url)


def _version_three_database(url: str, names: list[str]) -> None:
    """A database at schema version 3, whose unique_value is the lower-cased userName."""
    engine = create_engine(url)
    with engine.begin() as conn:
        sql_schema.schema_version.create(conn)
        for number in (1, 2, 3):
            sql_schema.MIGRATIONS[number - 1](conn)
            conn.execute(insert(sql_schema.schema_version).values(version=number))
        for index, name in enumerate(names, start=1):
            doc = user_doc(f"u{index}", name)
            conn.execute(insert(sql_schema.resources).values(
                directory="default", resource_type="User", id=f"u{index}", unique_value=name.lower(),
                external_id=None, version=doc["meta"]["version"], created=doc["meta"]["created"],
                last_modified=doc["meta"]["lastModified"], doc=doc,
            ))
    engine.dispose()


def test_upgrade_folds_the_unique_keys_of_existing_users(tmp_path: Path) -> None:
    """Step 4 re-keys a full-width userName, so its ASCII look-alike is then refused and found by it."""
    url = f"sqlite:///{tmp_path / 'fold.db'}"
    _version_three_database(url, ["ＪＯＥ"])
    store = SqlStore(url)
    try:
        with pytest.raises(Uniqueness):
            store.create(USER, user_doc("u9", "joe"))
        found = store.search(USER, Query(filter=parse_filter('userName eq "joe"', USER)))
        assert [d["id"] for d in found.resources] == ["u1"]
    finally:
        store.close()


def test_upgrade_keeps_look_alikes_that_existed_apart(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Two users that fold to one name both survive step 4; the older keeps the key; the other is named."""
    url = f"sqlite:///{tmp_path / 'twins.db'}"
    _version_three_database(url, ["straße", "STRASSE"])
    with caplog.at_level(logging.WARNING, logger="scimcore"):
        store = SqlStore(url)
    try:
        assert store.get(USER, "u1") is not None and store.get(USER, "u2") is not None
        found = store.search(USER, Query(filter=parse_filter('userName eq "Strasse"', USER)))
        assert [d["id"] for d in found.resources] == ["u1"]
        assert any("u2" in r.getMessage() and "u1" in r.getMessage() for r in caplog.records)
        with pytest.raises(Uniqueness):
            store.create(USER, user_doc("u3", "strasse"))
    finally:
        store.close()


def _version_seven_database(url: str) -> None:
    """A database at schema version 7 (no event delivery columns, no changed lists), holding a directory and event."""
    from sqlalchemy import MetaData, Table

    new = ("event_delivery", "set_form", "changed")
    old_meta = MetaData()
    old = Table(
        sql_schema.directories.name, old_meta,
        *[c._copy() for c in sql_schema.directories.columns if c.name not in new],
    )
    old_events = Table(
        sql_schema.events.name, old_meta, *[c._copy() for c in sql_schema.events.columns if c.name not in new],
    )
    engine = create_engine(url)
    with engine.begin() as conn:
        sql_schema.schema_version.create(conn)
        old.create(conn)
        old_events.create(conn)
        for number in range(1, 8):
            sql_schema.MIGRATIONS[number - 1](conn)
            conn.execute(insert(sql_schema.schema_version).values(version=number))
        conn.execute(insert(old).values(
            id="d1", name="Acme", provider="okta", active=True, created="2026-01-01T00:00:00Z",
            webhook_url="https://hooks.example/x", options={},
        ))
        payload = {"id": "e1", "type": "user.updated", "directory_id": "d1", "tenant": None, "product": None,
                   "occurred_at": "2026-01-01T00:00:00Z", "data": {"id": "u1"}}
        conn.execute(insert(old_events).values(
            id="e1", directory="d1", type="user.updated", resource_key="u1", occurred_at="2026-01-01T00:00:00Z",
            payload=payload, status="stored", attempts=0, retry_at=0.0, locked_until=0.0,
        ))
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_gives_existing_directories_webhook_events(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Step 8: existing directories keep scimcore's webhook events (full form); existing events have no changed list."""
    url = f"sqlite:///{tmp_path / 'v7.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    _version_seven_database(url)
    store = SqlStore(url)
    try:
        found = store.get_directory("d1")
        assert found is not None
        assert (found.event_delivery, found.set_form, found.webhook_url) == ("webhook", "full", "https://hooks.example/x")
        assert store.signing_keys("") == []
        (event,) = store.list_events("d1")
        assert event.event.id == "e1" and event.event.changed == ()
    finally:
        store.close()
