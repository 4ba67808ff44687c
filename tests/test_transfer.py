"""Export and import of a directory as JSON lines: the module and the `scimcore export` / `import` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scimcore import MemoryStore, ScimService
from scimcore.schema.registry import SchemaRegistry
from scimcore.store.port import Query, Store
from scimcore.transfer import IncompleteImport, TransferError, export_documents, export_lines, import_lines
from tests.conftest import ENTERPRISE, Client, StepClock

pytest.importorskip("sqlalchemy")

from scimcore.cli import main  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402

REGISTRY = SchemaRegistry.default()
USER = REGISTRY.resource_type("User")
GROUP = REGISTRY.resource_type("Group")


def _populate(store: Store) -> dict[str, Any]:
    """Users, a group of users, a group holding that group, and an emptied group, written through the service."""
    client = Client(ScimService(store, clock=StepClock(), anonymous=True), token=None)
    alice = client.create_user("alice@corp.local", password="s3cret!", **{ENTERPRISE: {"employeeNumber": "7"}})
    bob = client.create_user("bob@corp.local", active=False, emails=[{"value": "bob@corp.local", "primary": True}])
    staff = client.create_group("Staff", members=[{"value": alice["id"]}, {"value": bob["id"]}])
    everyone = client.create_group("Everyone", members=[{"value": staff["id"]}])
    left = client.create_group("Left", members=[{"value": bob["id"]}])
    client.patch(f"/Groups/{left['id']}", [{"op": "remove", "path": f'members[value eq "{bob["id"]}"]'}])
    return {"alice": alice, "bob": bob, "staff": staff, "everyone": everyone, "left": left}


def _all(store: Store, directory: str = "default") -> dict[str, dict[str, Any]]:
    docs = store.search(USER, Query(), directory=directory).resources
    docs += store.search(GROUP, Query(), directory=directory).resources
    return {doc["id"]: doc for doc in docs}


def test_export_puts_the_header_first_then_users_then_groups() -> None:
    """An export is a header line with counts, every user, then every group."""
    store = MemoryStore()
    _populate(store)
    lines = [json.loads(line) for line in export_lines(store)]
    assert lines[0] == {"format": "scimcore-export", "version": 1, "directory": "default",
                        "counts": {"User": 2, "Group": 3}}
    assert [line["meta"]["resourceType"] for line in lines[1:]] == ["User", "User", "Group", "Group", "Group"]


def test_round_trip_from_memory_to_sqlite_keeps_documents(tmp_path: Path) -> None:
    """Memory → export → SQLite import gives the same documents: ids, meta, versions, password hashes."""
    source = MemoryStore()
    _populate(source)
    target = SqlStore(f"sqlite:///{tmp_path / 'target.db'}")
    result = import_lines(target, export_lines(source), "acme")
    assert result.counts == {"User": 2, "Group": 3}
    assert _all(target, "acme") == _all(source)
    target.close()


def test_round_trip_keeps_memberships(tmp_path: Path) -> None:
    """After import, group members (users and nested groups) and each user's groups are as before."""
    source = MemoryStore()
    made = _populate(source)
    target = SqlStore(f"sqlite:///{tmp_path / 'members.db'}")
    import_lines(target, export_lines(source), "acme")
    staff = target.get(GROUP, made["staff"]["id"], directory="acme")
    everyone = target.get(GROUP, made["everyone"]["id"], directory="acme")
    assert staff is not None and everyone is not None
    assert {m["value"] for m in staff["members"]} == {made["alice"]["id"], made["bob"]["id"]}
    assert [(m["value"], m["type"]) for m in everyone["members"]] == [(made["staff"]["id"], "Group")]
    assert [r.group_id for r in target.groups_of(made["alice"]["id"], directory="acme")] == [made["staff"]["id"]]
    assert "members" not in (target.get(GROUP, made["left"]["id"], directory="acme") or {"members": 1})
    target.close()


def test_import_writes_no_events(tmp_path: Path) -> None:
    """Import restores a directory: it adds nothing to the event log."""
    source = MemoryStore()
    _populate(source)
    target = SqlStore(f"sqlite:///{tmp_path / 'quiet.db'}")
    import_lines(target, export_lines(source), "acme")
    assert target.list_events("acme") == []
    target.close()


def test_import_refuses_a_directory_that_holds_resources() -> None:
    """Import never merges: a directory with resources is refused, saying what it holds."""
    source, target = MemoryStore(), MemoryStore()
    _populate(source)
    _populate(target)
    with pytest.raises(TransferError, match="already holds 2 User, 3 Group"):
        import_lines(target, export_lines(source))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "empty"),
        (["not json\n"], "line 1 is not JSON"),
        (['{"format": "other"}\n'], "not a scimcore export header"),
        (['{"format": "scimcore-export", "version": 99}\n'], "version 99"),
        (['{"format": "scimcore-export", "version": 1}\n', "{oops\n"], "line 2 is not JSON"),
        (['{"format": "scimcore-export", "version": 1}\n', '{"id": "x"}\n'], "line 2 is not a resource"),
        (['{"format": "scimcore-export", "version": 1}\n', '{"id": "x", "meta": {"resourceType": "Robot"}}\n'],
         "unknown meta.resourceType 'Robot'"),
    ],
)
def test_malformed_input_names_the_line(lines: list[str], message: str) -> None:
    """Input that is not an export is refused with the line and what is wrong with it."""
    with pytest.raises(TransferError, match=message):
        import_lines(MemoryStore(), lines)


def test_a_taken_unique_value_in_the_input_names_the_line() -> None:
    """Two users with one userName in an export are refused at the second one's line."""
    header = '{"format": "scimcore-export", "version": 1}\n'
    user = '{{"id": "{}", "userName": "same", "meta": {{"resourceType": "User", "version": "W/\\"1\\""}}}}\n'
    with pytest.raises(TransferError, match="line 3"):
        import_lines(MemoryStore(), [header, user.format("a"), user.format("b")])


def test_cli_round_trip_into_a_new_directory(tmp_path: Path) -> None:
    """`scimcore export` then `scimcore import --directory NEW` recreates the directory with a fresh token."""
    old, new = f"sqlite:///{tmp_path / 'old.db'}", f"sqlite:///{tmp_path / 'new.db'}"
    source = SqlStore(old)
    _populate(source)
    expected = _all(source)
    source.close()
    dump = tmp_path / "default.jsonl"
    runner = CliRunner()
    exported = runner.invoke(main, ["export", "--database", old, "--output", str(dump)])
    assert exported.exit_code == 0, exported.output
    imported = runner.invoke(main, ["import", "--database", new, "--directory", "acme", str(dump)])
    assert imported.exit_code == 0, imported.output
    summary = json.loads(imported.stdout)
    assert summary["imported"] == {"User": 2, "Group": 3} and summary["created"] is True
    assert summary["scim_path"] == "/scim/v2/acme" and len(summary["token"]) >= 43
    target = SqlStore(new)
    assert _all(target, "acme") == expected
    assert target.get_directory("acme") is not None
    target.close()


def test_cli_export_writes_json_lines_to_standard_output(tmp_path: Path) -> None:
    """Without --output the export goes to standard output; the progress goes to standard error."""
    database = f"sqlite:///{tmp_path / 'out.db'}"
    store = SqlStore(database)
    _populate(store)
    store.close()
    result = CliRunner().invoke(main, ["export", "--database", database])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 6 and "exported 5 resources" in result.stderr


def test_cli_import_refuses_a_directory_with_resources(tmp_path: Path) -> None:
    """Importing into a directory that holds resources fails with a message and changes nothing."""
    database = f"sqlite:///{tmp_path / 'full.db'}"
    store = SqlStore(database)
    _populate(store)
    store.close()
    dump = tmp_path / "dump.jsonl"
    CliRunner().invoke(main, ["export", "--database", database, "--output", str(dump)])
    result = CliRunner().invoke(main, ["import", "--database", database, str(dump)])
    assert result.exit_code == 1 and "import only into an empty or new directory" in result.output


def test_cli_export_of_an_unknown_directory_is_an_error(tmp_path: Path) -> None:
    """Exporting a directory id that does not exist says so."""
    result = CliRunner().invoke(main, ["export", "--database", f"sqlite:///{tmp_path / 'x.db'}", "--directory", "nope"])
    assert result.exit_code == 1 and "no directory nope" in result.output


def test_cli_transfer_refuses_the_memory_database() -> None:
    """export/import need a real database: a memory one is refused with the accepted forms."""
    result = CliRunner().invoke(main, ["export", "--database", "memory"])
    assert result.exit_code == 1 and "sqlite:///" in result.output


def test_export_reads_page_by_page() -> None:
    """A directory larger than one page is exported whole, each resource once."""
    store = MemoryStore()
    client = Client(ScimService(store, anonymous=True), token=None)
    ids = {client.create_user(f"user{i}@corp.local")["id"] for i in range(7)}
    pages: list[int] = []
    docs = list(export_documents(store, page_size=3, progress=pages.append))
    assert len(docs) == 7 and {d["id"] for d in docs} == ids
    assert pages == [3, 3, 1]


def _truncated(lines: list[str], keep: int) -> list[str]:
    """The header and the first ``keep`` resource lines of an export."""
    return lines[: 1 + keep]


def test_truncated_export_is_refused_with_the_counts() -> None:
    """An export with fewer resources than its header announces fails, naming both counts."""
    source = MemoryStore()
    _populate(source)
    lines = list(export_lines(source))
    with pytest.raises(IncompleteImport, match="announces 2 User, 3 Group but only 1 User, 0 Group were read"):
        import_lines(MemoryStore(), _truncated(lines, 1))


def test_allow_partial_accepts_a_truncated_export() -> None:
    """``allow_partial`` keeps what was read and reports the announced counts beside it."""
    source = MemoryStore()
    _populate(source)
    result = import_lines(MemoryStore(), _truncated(list(export_lines(source)), 2), allow_partial=True)
    assert result.counts == {"User": 2}
    assert result.expected == {"User": 2, "Group": 3}


def test_header_counts_must_be_whole_numbers() -> None:
    """A header whose counts are not non-negative integers is refused."""
    header = '{"format": "scimcore-export", "version": 1, "counts": {"User": "many"}}\n'
    with pytest.raises(TransferError, match="'counts'"):
        import_lines(MemoryStore(), [header])


def test_cli_import_of_a_truncated_export_fails_unless_partial_is_allowed(tmp_path: Path) -> None:
    """`scimcore import` of a cut-short export exits non-zero naming the counts; --allow-partial accepts it."""
    source = SqlStore(f"sqlite:///{tmp_path / 'old.db'}")
    _populate(source)
    lines = list(export_lines(source))
    source.close()
    dump = tmp_path / "cut.jsonl"
    dump.write_text("".join(_truncated(lines, 2)), encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["import", "--database", f"sqlite:///{tmp_path / 'a.db'}", str(dump)])
    assert refused.exit_code == 1 and "announces 2 User, 3 Group" in refused.output
    accepted = runner.invoke(main, ["import", "--database", f"sqlite:///{tmp_path / 'b.db'}", "--allow-partial",
                                    str(dump)])
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["imported"] == {"User": 2}
