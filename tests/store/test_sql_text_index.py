"""SQLite's trigram index: substring filters read only their candidates, and the index follows every write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from sqlalchemy import select  # noqa: E402

from scimcore.filter.parser import parse_filter  # noqa: E402
from scimcore.schema.registry import ResourceTypeDef  # noqa: E402
from scimcore.store.port import Query  # noqa: E402
from scimcore.store.sql import SqlStore, text_index  # noqa: E402
from scimcore.store.sql.compile import FilterCompiler  # noqa: E402
from scimcore.store.sql.schema import resources  # noqa: E402
from scimcore.testing import GROUP, USER, group_doc, user_doc  # noqa: E402


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = SqlStore(f"sqlite:///{tmp_path / 'text.db'}")
    yield opened
    opened.close()


def _found(store: SqlStore, text: str, rtype: ResourceTypeDef = USER) -> list[str]:
    page = store.search(rtype, Query(filter=parse_filter(text, rtype)))
    return sorted(d["id"] for d in page.resources)


def _plan(store: SqlStore, text: str) -> str:
    condition = FilterCompiler(store.dialect, USER, "default").compile(parse_filter(text, USER))
    statement = select(resources.c.doc).where(resources.c.directory.concat("") == "default", condition)
    sql = str(statement.compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as conn:
        return "\n".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def test_a_new_database_has_the_index(store: SqlStore) -> None:
    """A SQLite store opened on a new file creates the index and says so to its compiler."""
    assert store.dialect.text_index is True
    with store.engine.connect() as conn:
        assert text_index.present(conn)


def test_a_substring_filter_reads_the_index(store: SqlStore) -> None:
    """``userName co`` with three or more characters looks its candidates up in scim_text."""
    assert "scim_text" in _plan(store, 'userName co "xyz"')


def test_a_short_needle_does_not_use_the_index(store: SqlStore) -> None:
    """Two characters hold no trigram: the term compares by scan, as before."""
    assert "scim_text" not in _plan(store, 'userName co "xy"')


def test_each_indexed_attribute_finds_its_matches(store: SqlStore) -> None:
    """userName, displayName, externalId and emails.value are found by substring, case as the schema says."""
    store.create(USER, user_doc("u1", "Alice.Smith@corp.local", displayName="Ärger Team", externalId="EXT-991",
                                emails=[{"value": "first@Example.com"}, {"value": "Second@corp.local"}]))
    store.create(USER, user_doc("u2", "bob@example.com", externalId="ext-992"))
    assert _found(store, 'userName co "SMITH@"') == ["u1"]
    assert _found(store, 'displayName sw "äRG"') == ["u1"]
    assert _found(store, 'externalId co "EXT-99"') == ["u1"]  # externalId is case-exact (RFC 7643 §3.1)
    assert _found(store, 'emails.value ew "D@CORP.LOCAL"') == ["u1"]
    assert _found(store, 'emails.value co "example.com"') == ["u1"]


def test_a_replaced_resource_is_found_by_its_new_values_only(store: SqlStore) -> None:
    """A rename updates the index in the same transaction: the old name no longer matches."""
    store.create(USER, user_doc("u1", "old-name@example.com"))
    current = store.get(USER, "u1")
    assert current is not None
    renamed = {**current, "userName": "new-name@example.com",
               "meta": {**current["meta"], "version": 'W/"2"'}}
    store.replace(USER, renamed, current["meta"]["version"])
    assert _found(store, 'userName co "old-name"') == []
    assert _found(store, 'userName co "new-name"') == ["u1"]


def test_a_deleted_resource_leaves_the_index(store: SqlStore) -> None:
    """Deleting a resource, or its whole directory, removes its index row."""
    store.create(USER, user_doc("u1", "gone@example.com"))
    store.create(USER, user_doc("u2", "gone-too@example.com"), directory="other")
    store.delete(USER, "u1", None)
    store.delete_directory("other")
    assert _found(store, 'userName co "gone"') == []
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM scim_text").scalar() == 0


def test_groups_are_found_by_their_display_name(store: SqlStore) -> None:
    """A Group's displayName (its unique attribute, folded) uses the index too."""
    store.create(GROUP, group_doc("g1", "Engineering Leads"))
    store.create(GROUP, group_doc("g2", "Sales"))
    assert _found(store, 'displayName co "NEERING"', GROUP) == ["g1"]


def test_quotes_in_a_needle_are_searched_literally(store: SqlStore) -> None:
    """A double quote in the needle is part of the text looked for, not FTS5 query syntax."""
    store.create(USER, user_doc("u1", "a", displayName='say "hi" now'))
    store.create(USER, user_doc("u2", "b", displayName="say hi now"))
    assert _found(store, 'displayName co "y \\"hi"') == ["u1"]


def test_directories_stay_apart(store: SqlStore) -> None:
    """Candidates from another directory's rows are never returned."""
    store.create(USER, user_doc("u1", "shared-name@example.com"), directory="d1")
    store.create(USER, user_doc("u2", "shared-name@example.com"), directory="d2")
    page = store.search(USER, Query(filter=parse_filter('userName co "shared"', USER)), directory="d1")
    assert [d["id"] for d in page.resources] == ["u1"]


def test_an_upgrade_indexes_the_rows_already_stored(tmp_path: Path) -> None:
    """A database from before the index gets it on upgrade, with every row it already held."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    first = SqlStore(url)
    first.create(USER, user_doc("u1", "before-index@example.com"))
    with first.engine.begin() as conn:
        for name in ("scim_text_insert", "scim_text_update", "scim_text_delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        conn.exec_driver_sql("DROP TABLE scim_text")
        conn.exec_driver_sql("DELETE FROM scim_schema_version WHERE version = 9")
    first.close()
    second = SqlStore(url)
    try:
        assert second.dialect.text_index is True
        assert _found(second, 'userName co "before-index"') == ["u1"]
    finally:
        second.close()


def test_a_sqlite_without_the_module_keeps_scanning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the virtual-table module is missing, the migration creates nothing and filters scan, exactly."""
    missing = ("CREATE VIRTUAL TABLE scim_text USING no_such_module(uniq)", *text_index.DDL[1:])
    monkeypatch.setattr(text_index, "DDL", missing)
    store = SqlStore(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        assert store.dialect.text_index is False
        store.create(USER, user_doc("u1", "plain@example.com"))
        assert _found(store, 'userName co "plain"') == ["u1"]
    finally:
        store.close()
