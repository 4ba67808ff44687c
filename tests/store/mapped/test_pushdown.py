"""Filters, sorting and paging through a mapping agree with the in-memory evaluator, and common terms run in SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine  # noqa: E402

from scimcore.filter.parser import parse_filter  # noqa: E402
from scimcore.schema.paths import resolve_path  # noqa: E402
from scimcore.schema.registry import SchemaRegistry  # noqa: E402
from scimcore.store.mapped import JsonColumn, MappedStore  # noqa: E402
from scimcore.store.mapped.compile import MappedCompiler  # noqa: E402
from scimcore.store.mapped.mapping import compile_map  # noqa: E402
from scimcore.store.memory import MemoryStore  # noqa: E402
from scimcore.store.port import Query  # noqa: E402
from scimcore.store.sql.compile import Dialect  # noqa: E402
from scimcore.testing import GROUP, USER, group_doc  # noqa: E402
from tests.store.mapped.tables import GROUPS, USERS, accounts, metadata  # noqa: E402
from tests.store.test_pushdown import ATOMS, _ids, _users, filters  # noqa: E402

# The same users with their e-mails in a JSON column.
JSON_EMAILS = dataclasses.replace(USERS, attributes={**USERS.attributes, "emails": JsonColumn(accounts.c.email_list)})
VARIANTS = {"columns": USERS, "overflow": None, "json": JSON_EMAILS}

# The same users with title, name and e-mails in the overflow column instead of columns of their own.
OVERFLOWING = dataclasses.replace(
    USERS, attributes={k: v for k, v in USERS.attributes.items() if k not in ("title", "emails") and "name." not in k}
)
VARIANTS["overflow"] = OVERFLOWING


def _open(url: str, users: Any = USERS) -> MappedStore:
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    store = MappedStore(url, [users, GROUPS])
    for doc in _users():
        store.create(USER, doc)
    store.create(GROUP, group_doc("g1", "One", ["u01", "u02"]))
    return store


@pytest.fixture(scope="module")
def memory() -> MemoryStore:
    store = MemoryStore()
    for doc in _users():
        store.create(USER, doc)
    store.create(GROUP, group_doc("g1", "One", ["u01", "u02"]))
    return store


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def mapped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MappedStore]:
    path: Path = tmp_path_factory.mktemp("mapped-pushdown") / "app.db"
    store = _open(f"sqlite:///{path}", VARIANTS[request.param])
    yield store
    store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=filters)
def test_mapped_search_matches_memory(memory: MemoryStore, mapped: MappedStore, text: str) -> None:
    """The mapped store returns exactly the documents the in-memory evaluator matches, on random filters."""
    assert _ids(mapped, text) == _ids(memory, text)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("text", ATOMS)
def test_atoms_compile_to_sql(variant: str, text: str) -> None:
    """Every filter term of the SQL store's push-down test runs in SQL through the mapping too."""
    rtype = SchemaRegistry.default().resource_type("User")
    cmap = compile_map(VARIANTS[variant], rtype)
    groups = compile_map(GROUPS, SchemaRegistry.default().resource_type("Group")).members
    for dialect in ("sqlite", "postgresql"):
        MappedCompiler(Dialect(dialect), cmap, "default", groups).compile(parse_filter(text, USER))


def test_member_filters_compile_to_sql() -> None:
    """Groups by member and users by group run in SQL, over the member table."""
    registry = SchemaRegistry.default()
    groups = compile_map(GROUPS, registry.resource_type("Group"))
    users = compile_map(USERS, registry.resource_type("User"))
    for text in ('members[value eq "u1"]', 'members.value eq "u1"', "members pr"):
        MappedCompiler(Dialect("sqlite"), groups, "default", groups.members).compile(parse_filter(text, GROUP))
    by_group = parse_filter('groups.value eq "g1"', USER)
    MappedCompiler(Dialect("sqlite"), users, "default", groups.members).compile(by_group)


@pytest.mark.parametrize("attribute", ["userName", "title", "name.givenName", "emails.value", "id", "meta.created"])
@pytest.mark.parametrize("descending", [False, True])
def test_sorted_pages_match_memory(memory: MemoryStore, mapped: MappedStore, attribute: str, descending: bool) -> None:
    """Sorted pages, in SQL or in Python, come in the in-memory order, page by page."""
    name, _, sub = attribute.partition(".")
    path = resolve_path(USER, None, name, sub or None)
    for start in (1, 6, 21):
        query = Query(sort_by=path, descending=descending, start_index=start, count=5)
        got, want = mapped.search(USER, query), memory.search(USER, query)
        assert (got.total, [d["id"] for d in got.resources]) == (want.total, [d["id"] for d in want.resources])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_postgres_search_matches_memory(memory: MemoryStore, postgres_url: str, variant: str) -> None:
    """On PostgreSQL the mapped store matches the in-memory evaluator for every term and pairs of them."""
    store = _open(postgres_url, VARIANTS[variant])
    try:
        texts = ATOMS + [f"({a}) or ({b})" for a, b in zip(ATOMS, reversed(ATOMS), strict=True)]
        texts += [f"not ({a}) and ({b})" for a, b in zip(ATOMS, ATOMS[1:], strict=False)]
        texts += ['groups.value eq "g1"', 'groups[value eq "g1"] and active eq false']
        for text in texts:
            assert _ids(store, text) == _ids(memory, text), text
    finally:
        store.close()
