"""Columns of the application's own with a default: an attribute the IdP leaves out leaves them to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from sqlalchemy import Column, MetaData, String, Table, create_engine, select  # noqa: E402

from scimcore.store.mapped import Field, MappedStore, ResourceMap  # noqa: E402
from scimcore.store.sql import normalise_url  # noqa: E402
from scimcore.testing import USER, user_doc  # noqa: E402
from tests.store.mapped.tables import GROUPS  # noqa: E402
from tests.store.mapped.tables import metadata as app_tables  # noqa: E402

metadata = MetaData()
people = Table(
    "people",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant", String(200), nullable=False),
    Column("login", String(300), nullable=False),
    Column("login_key", String(300), nullable=False),
    Column("status", String(20), nullable=False, default="active"),  # the app's own default
    Column("scim_version", String(64), nullable=False),
    Column("scim_created", String(40), nullable=False),
    Column("scim_modified", String(40), nullable=False),
)
PEOPLE = ResourceMap(
    "User",
    people,
    id=people.c.id,
    directory=people.c.tenant,
    version=people.c.scim_version,
    created=people.c.scim_created,
    last_modified=people.c.scim_modified,
    unique_key=people.c.login_key,
    attributes={
        "userName": people.c.login,
        "active": Field(people.c.status, dump=lambda active: "active" if active else "suspended",
                        load=lambda status: status == "active"),
    },
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MappedStore]:
    url = f"sqlite:///{tmp_path / 'people.db'}"
    engine = create_engine(normalise_url(url))
    metadata.create_all(engine)
    app_tables.create_all(engine)  # the groups' tables
    engine.dispose()
    opened = MappedStore(url, [PEOPLE, GROUPS])
    yield opened
    opened.close()


def _status(store: MappedStore) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(select(people.c.status)).scalar_one())


def test_a_create_without_the_attribute_takes_the_column_default(store: MappedStore) -> None:
    """OneLogin creates users without ``active``: the row gets the app's default, not a NOT NULL failure."""
    store.create(USER, user_doc("u1", "dana@corp.example"))
    assert _status(store) == "active"


def test_a_put_without_the_attribute_keeps_the_stored_value(store: MappedStore) -> None:
    """A PUT that leaves out ``active`` (Okta's, OneLogin's) keeps a suspended user suspended."""
    store.create(USER, user_doc("u1", "dana@corp.example", active=False))
    current = store.get(USER, "u1")
    assert current is not None
    renamed = {**user_doc("u1", "dana.v@corp.example"), "meta": {**current["meta"], "version": 'W/"2"'}}
    store.replace(USER, renamed, current["meta"]["version"])
    assert _status(store) == "suspended"
    found = store.get(USER, "u1")
    assert found is not None and found["userName"] == "dana.v@corp.example"
