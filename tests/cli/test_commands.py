"""The command line: serve keeps data across restarts; directories commands print what users need."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

pytest.importorskip("sqlalchemy")

from scimcore.cli import main  # noqa: E402
from tests import servers  # noqa: E402

TOKEN = "cli-test-token-0123456789abcdef0123456789"


def serving(database: str, log: Path) -> AbstractContextManager[str]:
    """``scimcore serve`` on ``database`` with the test token (see :func:`tests.servers.serving`)."""
    return servers.serving(["--database", database, "--token", TOKEN], log)


def test_data_survives_a_server_restart(tmp_path: Path) -> None:
    """A user created before `scimcore serve` restarts on SQLite is still there after it."""
    database = f"sqlite:///{tmp_path / 'serve.db'}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
    with serving(database, tmp_path / "serve.log") as base:
        created = httpx.post(f"{base}/Users", headers=headers, json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "persisted@corp.local"})
        assert created.status_code == 201
    with serving(database, tmp_path / "serve.log") as base:
        found = httpx.get(f"{base}/Users/{created.json()['id']}", headers=headers)
        assert found.status_code == 200 and found.json()["userName"] == "persisted@corp.local"


def test_serve_prints_the_entra_settings(tmp_path: Path) -> None:
    """On start the server prints its base URL and the Tenant URL with ?aadOptscim062020."""
    log = tmp_path / "print.log"
    with serving("memory", log) as base:
        pass
    text = log.read_text()
    assert f"{base}?aadOptscim062020" in text and TOKEN not in text


def test_directories_create_prints_json_with_token_and_path(tmp_path: Path) -> None:
    """`directories create` prints one JSON object with id, token, scim_path and Entra's tenant URL."""
    database = f"sqlite:///{tmp_path / 'dirs.db'}"
    result = CliRunner().invoke(main, [
        "directories", "create", "--database", database, "--name", "Acme", "--provider", "entra",
        "--tenant", "t1", "--base-url", "https://scim.example.com",
    ])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["scim_path"] == f"/scim/v2/{out['id']}" and len(out["token"]) >= 43
    assert out["tenant_url"] == f"https://scim.example.com/scim/v2/{out['id']}?aadOptscim062020"
    listed = json.loads(CliRunner().invoke(main, ["directories", "list", "--database", database]).output)
    assert [d["id"] for d in listed] == [out["id"]] and "token" not in listed[0]


def test_a_directory_chooses_what_unknown_members_get(tmp_path: Path) -> None:
    """`create --unknown-members refuse` and `unknown-members DIR drop` set and clear the directory's rule."""
    database = f"sqlite:///{tmp_path / 'rule.db'}"
    runner = CliRunner()
    made = runner.invoke(main, ["directories", "create", "--database", database, "--name", "A",
                                "--unknown-members", "refuse"])
    created = json.loads(made.output)
    assert created["options"] == {"unknown_members": "refuse"}
    changed = runner.invoke(main, ["directories", "unknown-members", "--database", database, created["id"], "drop"])
    assert json.loads(changed.output)["options"] == {}
    wrong = runner.invoke(main, ["directories", "unknown-members", "--database", database, created["id"], "keep"])
    assert wrong.exit_code != 0 and "drop" in wrong.output


def test_directory_lifecycle_commands(tmp_path: Path) -> None:
    """rotate-token, deactivate, activate and delete act on the directory and report as JSON."""
    database = f"sqlite:///{tmp_path / 'life.db'}"
    runner = CliRunner()

    def run(*args: str) -> dict[str, object]:
        return json.loads(runner.invoke(main, ["directories", *args[:1], "--database", database, *args[1:]]).output)

    created = run("create", "--name", "A")
    rotated = run("rotate-token", str(created["id"]))
    assert rotated["token"] != created["token"]
    assert run("deactivate", str(created["id"]))["active"] is False
    assert run("activate", str(created["id"]))["active"] is True
    gone = runner.invoke(main, ["directories", "delete", "--database", database, created["id"]])
    assert json.loads(gone.output) == {"id": created["id"], "deleted": True}
    missing = runner.invoke(main, ["directories", "delete", "--database", database, created["id"]])
    assert missing.exit_code != 0 and "no directory" in missing.output


def test_bad_database_url_is_a_clear_error() -> None:
    """A database value that is no URL is refused with a message naming the accepted forms."""
    result = CliRunner().invoke(main, ["serve", "--database", "mysql://x"])
    assert result.exit_code != 0 and "sqlite:///path" in result.output


def test_events_list_of_an_unknown_directory_is_an_error(tmp_path: Path) -> None:
    """``events list --directory nope`` fails naming the directory instead of printing nothing."""
    result = CliRunner().invoke(main, ["events", "list", "--database", f"sqlite:///{tmp_path / 'e.db'}",
                                       "--directory", "nope"])
    assert result.exit_code != 0 and "no directory nope" in result.output


def test_events_list_says_when_more_exist(tmp_path: Path) -> None:
    """When --limit cuts the log short, events list says how to read on."""
    from scimcore.directories import DirectoryManager
    from scimcore.store.sql import SqlStore
    from scimcore.testing import USER, user_doc

    database = f"sqlite:///{tmp_path / 'more.db'}"
    store = SqlStore(database)
    directory, _token = DirectoryManager(store).create("A")
    from scimcore.events import Event

    for n in range(3):
        event = Event(id=f"e{n}", type="user.created", directory_id=directory.id,
                      occurred_at="2026-01-01T00:00:00Z", data={}, resource_key=f"u{n}")
        store.create(USER, user_doc(f"u{n}", f"u{n}"), directory=directory.id, events=[event])
    store.close()
    result = CliRunner().invoke(main, ["events", "list", "--database", database, "--directory", directory.id,
                                       "--limit", "2"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2
    assert "more events exist: run again with --since" in result.stderr


def test_setup_link_commands_make_list_and_revoke(tmp_path: Path) -> None:
    """`setup-link` prints the address once; `setup-links` lists without it; `revoke-setup-link` ends it."""
    database = f"sqlite:///{tmp_path / 'links.db'}"
    runner = CliRunner()
    created = json.loads(runner.invoke(main, ["directories", "create", "--database", database, "--name", "A"]).output)
    made = runner.invoke(main, ["directories", "setup-link", "--database", database, created["id"], "--expires", "2d",
                                "--base-url", "https://scim.example.com/"])
    link = json.loads(made.output)
    assert link["url"].startswith("https://scim.example.com/setup/") and link["directory"] == created["id"]
    listed = runner.invoke(main, ["directories", "setup-links", "--database", database, created["id"]]).output
    assert json.loads(listed)[0]["state"] == "live" and link["url"].rsplit("/", 1)[1] not in listed
    revoke = ["directories", "revoke-setup-link", "--database", database, created["id"], link["id"]]
    assert json.loads(runner.invoke(main, revoke).output)["revoked"] is True
    again = runner.invoke(main, revoke)
    assert again.exit_code == 1 and "no live setup link" in again.output


@pytest.mark.parametrize(("args", "message"), [
    (["--expires", "45d"], "between 5 minutes and 30 days"),
    (["--expires", "soon"], "is not a lifetime"),
])
def test_setup_link_refuses_a_bad_lifetime(tmp_path: Path, args: list[str], message: str) -> None:
    """A lifetime that is malformed or out of bounds is a usage error naming --expires."""
    database = f"sqlite:///{tmp_path / 'links.db'}"
    runner = CliRunner()
    created = json.loads(runner.invoke(main, ["directories", "create", "--database", database, "--name", "A"]).output)
    result = runner.invoke(main, ["directories", "setup-link", "--database", database, created["id"], *args])
    assert result.exit_code == 2 and "--expires" in result.output and message in result.output


def test_setup_link_of_an_unknown_directory_is_an_error(tmp_path: Path) -> None:
    """`setup-link` names the directory it could not find."""
    result = CliRunner().invoke(main, ["directories", "setup-link", "--database", f"sqlite:///{tmp_path / 'x.db'}",
                                       "nope"])
    assert result.exit_code == 1 and "no directory nope" in result.output


def test_a_directory_switches_its_events_to_polled_sets(tmp_path: Path) -> None:
    """`directories events DIR --delivery set-poll --form notice --audience X` keeps all three."""
    database = f"sqlite:///{tmp_path / 'sets.db'}"
    runner = CliRunner()
    created = json.loads(runner.invoke(main, ["directories", "create", "--database", database, "--name", "A"]).output)
    changed = runner.invoke(main, ["directories", "events", "--database", database, created["id"],
                                   "--delivery", "set-poll", "--form", "notice", "--audience", "https://rp"])
    shown = json.loads(changed.output)
    assert (shown["event_delivery"], shown["set_form"], shown["options"]) == (
        "set-poll", "notice", {"set_audience": "https://rp"})


def test_set_push_needs_a_webhook_url(tmp_path: Path) -> None:
    """Pushing SETs to a directory without a webhook URL is refused with a hint."""
    database = f"sqlite:///{tmp_path / 'push.db'}"
    runner = CliRunner()
    created = json.loads(runner.invoke(main, ["directories", "create", "--database", database, "--name", "A"]).output)
    refused = runner.invoke(main, ["directories", "events", "--database", database, created["id"],
                                   "--delivery", "set-push"])
    assert refused.exit_code != 0 and "webhook URL" in refused.output


def test_set_keys_rotate_and_retire_without_showing_a_private_key(tmp_path: Path) -> None:
    """rotate-set-key adds a key (its kid shown, never its private JWK); retire-set-key retires it."""
    database = f"sqlite:///{tmp_path / 'keys.db'}"
    runner = CliRunner()
    created = json.loads(runner.invoke(main, ["directories", "create", "--database", database, "--name", "A"]).output)
    rotated = runner.invoke(main, ["directories", "rotate-set-key", "--database", database, created["id"]])
    key = json.loads(rotated.output)
    assert set(key) == {"kid", "scope", "created", "retired"} and key["scope"] == created["id"]
    listed = json.loads(runner.invoke(main, ["directories", "set-keys", "--database", database, created["id"]]).output)
    assert [k["kid"] for k in listed] == [key["kid"]] and '"d"' not in rotated.output
    retired = runner.invoke(main, ["directories", "retire-set-key", "--database", database, key["kid"], created["id"]])
    assert json.loads(retired.output)["retired"] is True
    again = runner.invoke(main, ["directories", "retire-set-key", "--database", database, key["kid"], created["id"]])
    assert again.exit_code != 0
