"""Filter push-down agrees with in-memory evaluation, and common filters really run in SQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("sqlalchemy")

from scimcore.filter.parser import parse_filter  # noqa: E402
from scimcore.store.memory import MemoryStore  # noqa: E402
from scimcore.store.port import Query  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402
from scimcore.store.sql.compile import Dialect, FilterCompiler  # noqa: E402
from scimcore.testing import GROUP, USER, group_doc, user_doc  # noqa: E402

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WORDS = ["alpha", "Beta", "gamma", "ÉCOLE", "école", "delta", ""]
# displayName values whose lower-casing or folding changes their length or leaves ASCII: the trigram index must
# hold them in the form the filter compares, or a substring filter would miss a match.
NAMES = ["Straße Müller", "İstanbul Ofis", "\u212aelvin Ware", 'say "hi" now', "Ωmega ΣΙΣΥΦΟΣ"]


def _users() -> list[dict[str, Any]]:
    docs = []
    for i in range(24):
        word = WORDS[i % len(WORDS)]
        attrs: dict[str, Any] = {"active": i % 3 != 0, "externalId": f"ext-{i % 5}"}
        if i % 4:
            attrs["title"] = f"{word} title"
        if i % 2:
            attrs["emails"] = [
                {"value": f"{word}{i}@corp.local", "type": "work", "primary": True},
                {"value": f"home{i}@example.org", "type": "home"},
            ]
        if i % 5 == 1:
            attrs[ENTERPRISE] = {"employeeNumber": str(i), "manager": {"value": f"u{(i + 1) % 24:02d}"}}
        if i % 3 != 2:
            attrs["displayName"] = NAMES[i % len(NAMES)]
        if i % 6 == 2:
            attrs["name"] = {"givenName": word, "familyName": f"Fam{i}"}
        docs.append(user_doc(f"u{i:02d}", f"{word}.user{i}", **attrs))
    return docs


ATOMS = [
    'userName eq "alpha.user0"',
    'userName sw "BETA"',
    'userName co "cole"',
    'userName ew "user3"',
    'userName gt "c"',
    'userName le "beta.user8"',
    "title pr",
    'title eq "école title"',
    'title co "ÉCOLE"',
    'title ne "alpha title"',
    "active eq true",
    "active eq false",
    'externalId eq "ext-1"',
    'externalId eq "EXT-1"',
    'emails[type eq "work" and value co "alpha"]',
    'emails[type eq "home"]',
    'emails.value ew "example.org"',
    'emails co "beta"',
    "emails pr",
    'name.givenName eq "gamma"',
    "name.familyName pr",
    f'{ENTERPRISE}:employeeNumber eq "6"',
    'manager eq "u02"',
    'id eq "u03"',
    'meta.created ge "2026-01-01T00:00:00Z"',
    'meta.resourceType eq "User"',
    "title eq null",
    'displayName co "STRASSE"',
    'displayName co "straße"',
    'displayName co "İSTAN"',
    'displayName sw "istan"',
    'displayName co "kelvin"',
    'displayName ew "ware"',
    'displayName co "y \\"hi"',
    'displayName co "σισ"',
    'displayName co "ΣΊ"',
    'userName co "COLE.US"',
    'userName ew "USER21"',
    'externalId co "xt-"',
    'externalId sw "EXT"',
    'emails.value co "CORP.LOC"',
    'emails.value sw "home1"',
]

filters = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        inner.map(lambda f: f"not ({f})"),
    ),
    max_leaves=5,
)


@pytest.fixture(scope="module")
def memory() -> MemoryStore:
    store = MemoryStore()
    for doc in _users():
        store.create(USER, doc)
    return store


@pytest.fixture(scope="module")
def sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    path: Path = tmp_path_factory.mktemp("pushdown") / "scim.db"
    store = SqlStore(f"sqlite:///{path}")
    for doc in _users():
        store.create(USER, doc)
    yield store
    store.close()


def _ids(store: Any, text: str) -> tuple[int, list[str]]:
    page = store.search(USER, Query(filter=parse_filter(text, USER)))
    return page.total, sorted(d["id"] for d in page.resources)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=filters)
def test_sqlite_pushdown_matches_memory(memory: MemoryStore, sqlite: SqlStore, text: str) -> None:
    """SQLite returns exactly the documents the in-memory evaluator matches."""
    assert _ids(sqlite, text) == _ids(memory, text)


@pytest.mark.parametrize("text", ATOMS)
def test_atoms_compile_to_sql(text: str) -> None:
    """Every filter term above runs in SQL, never in the Python fallback."""
    expr = parse_filter(text, USER)
    for dialect in ("sqlite", "postgresql"):
        FilterCompiler(Dialect(dialect), USER, "default").compile(expr)


def test_member_filters_compile_to_sql() -> None:
    """Group lookups by member and user lookups by group run in SQL."""
    for text in ('members[value eq "u1"]', 'members.value eq "u1"', "members pr"):
        FilterCompiler(Dialect("sqlite"), GROUP, "default").compile(parse_filter(text, GROUP))
    FilterCompiler(Dialect("sqlite"), USER, "default").compile(parse_filter('groups.value eq "g1"', USER))


def test_postgres_pushdown_matches_memory(memory: MemoryStore, postgres_url: str) -> None:
    """PostgreSQL returns exactly the documents the in-memory evaluator matches, for every term and pairs."""
    store = SqlStore(postgres_url)
    try:
        for doc in _users():
            store.create(USER, doc)
        texts = ATOMS + [f"({a}) or ({b})" for a, b in zip(ATOMS, reversed(ATOMS), strict=True)]
        texts += [f"not ({a}) and ({b})" for a, b in zip(ATOMS, ATOMS[1:], strict=False)]
        for text in texts:
            assert _ids(store, text) == _ids(memory, text), text
    finally:
        store.close()


def test_group_members_filter_on_sql(tmp_path: Path) -> None:
    """Groups are found by member through the membership table."""
    store = SqlStore(f"sqlite:///{tmp_path / 'g.db'}")
    try:
        store.create(USER, user_doc("u1", "a"))
        store.create(GROUP, group_doc("g1", "One", ["u1"]))
        store.create(GROUP, group_doc("g2", "Two"))
        page = store.search(GROUP, Query(filter=parse_filter('members[value eq "u1"]', GROUP)))
        assert [d["id"] for d in page.resources] == ["g1"]
        users = store.search(USER, Query(filter=parse_filter('groups.value eq "g1"', USER)))
        assert [d["id"] for d in users.resources] == ["u1"]
    finally:
        store.close()
