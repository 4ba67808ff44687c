"""A mapping that cannot work is refused when the store opens, with a message naming what is wrong."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

from sqlalchemy import JSON, Boolean, Column, MetaData, String, Table  # noqa: E402

from scimcore.store.mapped import Field, MappedStore, MappingError, ResourceMap  # noqa: E402
from tests.store.mapped.tables import GROUPS, USERS, accounts  # noqa: E402


def _open(tmp_path: Path, users: ResourceMap, groups: ResourceMap = GROUPS) -> MappedStore:
    return MappedStore(f"sqlite:///{tmp_path / 'app.db'}", [users, groups])


def _users(**changes: Any) -> ResourceMap:
    return dataclasses.replace(USERS, **changes)


def test_an_unknown_attribute_is_named(tmp_path: Path) -> None:
    """A mapping key that names no attribute of the resource type is refused, naming it."""
    with pytest.raises(MappingError, match="'nickname.first'"):
        _open(tmp_path, _users(attributes={**USERS.attributes, "nickname.first": accounts.c.title}))


def test_a_required_attribute_needs_a_place(tmp_path: Path) -> None:
    """userName with no column and no overflow column is refused at startup."""
    attributes = {k: v for k, v in USERS.attributes.items() if k != "userName"}
    with pytest.raises(MappingError, match="'userName' has nowhere to go"):
        _open(tmp_path, _users(attributes=attributes, overflow=None))


def test_the_unique_attribute_needs_a_folded_key_column(tmp_path: Path) -> None:
    """userName is compared folded, so the mapping must name a unique_key column for it."""
    with pytest.raises(MappingError, match="unique_key"):
        _open(tmp_path, _users(unique_key=None))


def test_a_boolean_in_a_text_column_needs_converters(tmp_path: Path) -> None:
    """active mapped to a text column without converters is refused, suggesting Field."""
    with pytest.raises(MappingError, match="Field"):
        _open(tmp_path, _users(attributes={**USERS.attributes, "active": accounts.c.title}))


def test_a_converted_boolean_is_accepted(tmp_path: Path) -> None:
    """active in a text column with both converters opens."""
    status = Field(accounts.c.title, dump=lambda on: "on" if on else "off", load=lambda text: text == "on")
    _open(tmp_path, _users(attributes={**USERS.attributes, "active": status})).close()


def test_a_column_of_another_table_is_refused(tmp_path: Path) -> None:
    """A column that is not in the resource's table is refused, naming the attribute."""
    other = Table("other", MetaData(), Column("x", String))
    with pytest.raises(MappingError, match="'title'"):
        _open(tmp_path, _users(attributes={**USERS.attributes, "title": other.c.x}))


def test_a_multi_valued_attribute_needs_a_table_or_json(tmp_path: Path) -> None:
    """emails mapped to one text column is refused."""
    with pytest.raises(MappingError, match="'emails'"):
        _open(tmp_path, _users(attributes={**USERS.attributes, "emails": accounts.c.title}))


def test_group_members_need_a_member_table(tmp_path: Path) -> None:
    """A Group mapping without members is refused: they must go somewhere."""
    groups = dataclasses.replace(GROUPS, attributes={k: v for k, v in GROUPS.attributes.items() if k != "members"})
    with pytest.raises(MappingError, match="'members'"):
        _open(tmp_path, USERS, groups)


def test_every_resource_type_needs_a_mapping(tmp_path: Path) -> None:
    """A store without a Group mapping is refused: the service serves Groups."""
    with pytest.raises(MappingError, match="Group has no mapping"):
        MappedStore(f"sqlite:///{tmp_path / 'app.db'}", [USERS])


def test_the_overflow_must_be_json(tmp_path: Path) -> None:
    """An overflow column that is not JSON is refused."""
    table = Table("plain", MetaData(), *[Column(c.name, c.type) for c in accounts.columns if c.name != "scim_extra"],
                  Column("scim_extra", String), Column("flag", Boolean), Column("doc", JSON))
    users = _users(table=table, overflow=table.c.scim_extra, id=table.c.id, directory=table.c.tenant,
                   version=table.c.scim_version, created=table.c.scim_created, last_modified=table.c.scim_modified,
                   unique_key=table.c.login_key, attributes={"userName": table.c.login})
    with pytest.raises(MappingError, match="overflow"):
        _open(tmp_path, users)
