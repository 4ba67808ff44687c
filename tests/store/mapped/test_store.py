"""What the mapped store writes into the application's tables, and what it refuses."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

from sqlalchemy import Column, MetaData, String, Table, create_engine, select  # noqa: E402

from scimcore import BearerTokens, ScimService  # noqa: E402
from scimcore.errors import InvalidValue, NotFound  # noqa: E402
from scimcore.filter import parse_filter  # noqa: E402
from scimcore.store.mapped import Field, MappedStore  # noqa: E402
from scimcore.store.ports import Query  # noqa: E402
from scimcore.testing import GROUP, USER, group_doc, user_doc  # noqa: E402
from tests.conftest import TOKEN, Client, StepClock  # noqa: E402
from tests.store.mapped.tables import (  # noqa: E402
    ENTERPRISE,
    GROUPS,
    USERS,
    account_emails,
    accounts,
    metadata,
    opened,
    team_members,
)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def store(url: str) -> Iterator[MappedStore]:
    with opened(url) as store:
        yield store


def _rows(store: MappedStore, table: Table) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]


def test_a_user_lands_in_the_application_columns(store: MappedStore) -> None:
    """userName, the folded key, name parts, active, the enterprise attributes and e-mails go to their columns."""
    doc = user_doc(
        "u1", "Straße", name={"givenName": "Barbara", "familyName": "Jensen"}, active=True,
        emails=[{"value": "b@corp.local", "type": "work", "primary": True}],
        **{ENTERPRISE: {"employeeNumber": "42", "manager": {"value": "u9"}}},
    )
    store.create(USER, doc, directory="d1")
    (row,) = _rows(store, accounts)
    assert (row["tenant"], row["login"], row["login_key"], row["given_name"], row["family_name"]) == (
        "d1", "Straße", "strasse", "Barbara", "Jensen")
    assert (row["enabled"], row["employee_number"], row["manager_id"]) == (True, "42", "u9")
    assert row["scim_version"] == 'W/"1"'
    assert row["scim_extra"] is None
    assert [(e["account_id"], e["address"], e["kind"], e["is_primary"]) for e in _rows(store, account_emails)] == [
        ("u1", "b@corp.local", "work", True)]
    assert store.get(USER, "u1", directory="d1") == doc


def test_what_the_app_does_not_model_goes_to_the_overflow(store: MappedStore) -> None:
    """An attribute without a column (nickName, name.formatted) is kept in the overflow column and read back."""
    doc = user_doc("u1", "a", nickName="Babs", name={"givenName": "B", "formatted": "B J"})
    store.create(USER, doc)
    (row,) = _rows(store, accounts)
    assert row["scim_extra"] == {"nickName": "Babs", "name": {"formatted": "B J"}} and row["given_name"] == "B"
    assert store.get(USER, "u1") == doc


def test_group_members_land_in_the_member_table(store: MappedStore) -> None:
    """A group's members are rows of the association table, one per member."""
    store.create(USER, user_doc("u1", "a"))
    store.create(USER, user_doc("u2", "b"))
    store.create(GROUP, group_doc("g1", "Sales", ["u1", "u2"]))
    assert [(m["team_id"], m["member_id"], m["member_type"]) for m in _rows(store, team_members)] == [
        ("g1", "u1", "User"), ("g1", "u2", "User")]


@pytest.fixture
def strict(url: str) -> Iterator[MappedStore]:
    """A store whose User mapping has no overflow column."""
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    store = MappedStore(url, [dataclasses.replace(USERS, overflow=None), GROUPS])
    yield store
    store.close()


def test_without_overflow_an_unmapped_attribute_is_refused(strict: MappedStore) -> None:
    """A write carrying an attribute with no place is InvalidValue naming it, and nothing is written."""
    with pytest.raises(InvalidValue, match="'nickName'"):
        strict.create(USER, user_doc("u1", "a", nickName="Babs"))
    with pytest.raises(InvalidValue, match="'name.formatted'"):
        strict.create(USER, user_doc("u1", "a", name={"formatted": "A"}))
    with pytest.raises(InvalidValue, match=f"'{ENTERPRISE}:department'"):
        strict.create(USER, user_doc("u1", "a", **{ENTERPRISE: {"department": "Sales"}}))
    assert _rows(strict, accounts) == []


def test_a_sub_attribute_the_child_table_lacks_is_refused(store: MappedStore) -> None:
    """emails.display has no column in the child table: refused naming it, never dropped."""
    with pytest.raises(InvalidValue, match="'emails.display'"):
        store.create(USER, user_doc("u1", "a", emails=[{"value": "a@corp.local", "display": "A"}]))


def test_an_unrepresentable_write_is_a_scim_400(strict: MappedStore) -> None:
    """Over HTTP, such a write answers 400 invalidValue with a detail naming the attribute (RFC 7644 §3.12)."""
    client = Client(ScimService(strict, authenticator=BearerTokens([TOKEN]), clock=StepClock()))
    result = client.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a",
                                    "nickName": "Babs"})
    assert result.status == 400
    assert (result.json["status"], result.json["scimType"]) == ("400", "invalidValue")
    assert "nickName" in result.json["detail"]


def test_an_application_constraint_is_a_scim_400(url: str) -> None:
    """A NOT NULL column the mapping leaves empty makes the write a 400 invalidValue, not a 500."""
    extra = MetaData()
    table = Table("people", extra, *[Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                                     for c in accounts.columns], Column("badge", String(20), nullable=False))
    engine = create_engine(url)
    metadata.create_all(engine)
    extra.create_all(engine)
    engine.dispose()
    columns = {c.name: table.c[c.name] for c in accounts.columns}
    users = dataclasses.replace(
        USERS, table=table, id=columns["id"], directory=columns["tenant"], version=columns["scim_version"],
        created=columns["scim_created"], last_modified=columns["scim_modified"], unique_key=columns["login_key"],
        overflow=columns["scim_extra"], attributes={"userName": columns["login"]},
    )
    store = MappedStore(url, [users, GROUPS])
    try:
        client = Client(ScimService(store, authenticator=BearerTokens([TOKEN]), clock=StepClock()))
        result = client.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"})
        assert (result.status, result.json["scimType"]) == (400, "invalidValue")
        assert "people" in result.json["detail"]
    finally:
        store.close()


def test_a_directory_never_sees_another_directorys_rows(store: MappedStore) -> None:
    """Reads, searches, look-ups and writes in directory b never reach directory a's rows."""
    store.create(USER, user_doc("u1", "a"), directory="a")
    store.create(GROUP, group_doc("g1", "G", ["u1"]), directory="a")
    assert store.get(USER, "u1", directory="b") is None
    assert store.search(USER, Query(), directory="b").total == 0
    assert store.search(USER, Query(filter=parse_filter('userName eq "a"', USER)), directory="b").total == 0
    assert store.search(GROUP, Query(filter=parse_filter('members[value eq "u1"]', GROUP)), directory="b").total == 0
    assert store.groups_of("u1", directory="b") == []
    assert store.resource_types_of(["u1", "g1"], directory="b") == {}
    with pytest.raises(NotFound):
        store.change_members(GROUP, "g1", [], ["u1"], lambda meta: meta, None, directory="b")
    with pytest.raises(NotFound):
        store.delete(USER, "u1", None, directory="b")
    with pytest.raises(NotFound):
        store.replace(USER, user_doc("u1", "z"), 'W/"1"', directory="b")
    store.delete_directory("b")
    assert store.get(USER, "u1", directory="a") is not None and len(_rows(store, team_members)) == 1


def test_deleting_a_directory_deletes_its_rows(store: MappedStore) -> None:
    """delete_directory removes the directory's accounts, e-mails and memberships, and only those."""
    store.create(USER, user_doc("u1", "a", emails=[{"value": "a@x"}]), directory="a")
    store.create(GROUP, group_doc("g1", "G", ["u1"]), directory="a")
    store.create(USER, user_doc("u2", "a"), directory="b")
    store.delete_directory("a")
    assert [r["id"] for r in _rows(store, accounts)] == ["u2"]
    assert _rows(store, account_emails) == [] and _rows(store, team_members) == []


def test_a_group_member_needs_a_type_column(url: str) -> None:
    """Without a member type column only Users can be members; a Group member is refused naming members."""
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    members = dataclasses.replace(GROUPS.attributes["members"], type=None)
    store = MappedStore(url, [USERS, dataclasses.replace(GROUPS, attributes={**GROUPS.attributes, "members": members})])
    try:
        store.create(GROUP, group_doc("g0", "Inner"))
        with pytest.raises(InvalidValue, match="'members'"):
            store.create(GROUP, {**group_doc("g1", "Outer"), "members": [{"value": "g0", "type": "Group"}]})
    finally:
        store.close()


def test_a_converted_column_is_written_and_filtered(url: str) -> None:
    """active kept as text through converters is written converted, read back as a boolean and filtered."""
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    status = Field(accounts.c.title, dump=lambda on: "on" if on else "off", load=lambda text: text == "on")
    attributes = {k: v for k, v in USERS.attributes.items() if k != "title"}
    store = MappedStore(url, [dataclasses.replace(USERS, attributes={**attributes, "active": status}), GROUPS])
    try:
        store.create(USER, user_doc("u1", "a", active=True))
        store.create(USER, user_doc("u2", "b", active=False))
        assert [r["title"] for r in _rows(store, accounts)] == ["on", "off"]
        assert store.get(USER, "u2") == user_doc("u2", "b", active=False)
        page = store.search(USER, Query(filter=parse_filter("active eq false", USER)))
        assert [d["id"] for d in page.resources] == ["u2"]
    finally:
        store.close()


def test_a_member_change_writes_its_events_with_the_groups_new_document(store: MappedStore) -> None:
    """change_members builds its events from the group's document at its new version, in the same transaction."""
    from scimcore.events import Event
    from scimcore.testing.documents import meta

    store.create(USER, user_doc("u1", "a"))
    store.create(GROUP, group_doc("g1", "G"))
    seen: list[tuple[list[str], list[str], dict[str, Any]]] = []

    def events(added: list[str], removed: list[str], doc: dict[str, Any]) -> list[Event]:
        seen.append((added, removed, doc))
        return [Event("e1", "group.user_added", "default", "2026-01-01T00:00:00Z", {}, "g1")]

    store.change_members(GROUP, "g1", [{"value": "u1", "type": "User"}], [], lambda m: meta(GROUP, 2), None,
                         events=events)
    assert seen == [(["u1"], [], group_doc("g1", "G", meta=meta(GROUP, 2)))]
    assert [stored.event.id for stored in store.list_events("default")] == ["e1"]


@pytest.fixture(params=["sqlite", "postgresql"])
def either(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MappedStore]:
    """A mapped store on SQLite and on PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'race.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    with opened(url) as store:
        yield store


def test_concurrent_creates_of_one_user_name_give_one_winner(either: MappedStore) -> None:
    """Eight threads creating one userName in different cases: exactly one row, seven Uniqueness errors."""
    import threading

    from scimcore.errors import Uniqueness

    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def create(n: int) -> None:
        barrier.wait()
        try:
            either.create(USER, user_doc(f"u{n}", "Ana" if n % 2 else "ANA"))
            outcomes.append("created")
        except Uniqueness:
            outcomes.append("taken")

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["taken"] * 7
    assert len(_rows(either, accounts)) == 1


def test_readiness_names_missing_application_tables(url: str) -> None:
    """The store is ready once the application's tables exist, and says which are missing before."""
    store = MappedStore(url, [USERS, GROUPS])
    try:
        assert store.readiness() == [
            "the application's tables account_emails, accounts, team_members, teams do not exist"]
        engine = create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        assert store.readiness() == []
    finally:
        store.close()
