"""The own-tables example, served by uvicorn, takes Entra's and Okta's provisioning into its accounts and teams."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, text  # noqa: E402

from scimcore.store.sql import normalise_url  # noqa: E402
from scimcore.testing.simulators import Entra, Group, JumpCloud, Okta, OneLogin, User  # noqa: E402
from tests.servers import free_port, stop, wait_listening  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "own-tables-example-token-5c1f"


@contextmanager
def serving_example(database_url: str, log: Path) -> Iterator[str]:
    """``uvicorn examples.own_tables_sqlalchemy:app`` from the repository root on a free port; its SCIM URL."""
    port = free_port()
    env = {**os.environ, "SCIMCORE_TOKEN": TOKEN, "DATABASE_URL": database_url}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "examples.own_tables_sqlalchemy:app", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_listening(port, lambda: proc.poll() is None, "the own-tables example", log)
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        stop(proc)


def _rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'own.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_entra_and_okta_provision_into_the_apps_tables(database_url: str, tmp_path: Path) -> None:
    """Entra's and Okta's cycles land in accounts, account_emails, teams and team_memberships, and survive a restart."""
    ana, ben = User("ana@corp.example", given_name="Ana", family_name="Lima"), User("ben@corp.example")
    cleo = User("cleo@corp.example", given_name="Cleo")
    sales = Group("Sales", members=[ana, ben])
    log = tmp_path / "example.log"
    with serving_example(database_url, log) as url:
        with Entra(url, token=TOKEN) as entra:
            entra.test_connection().assert_success()
            entra.sync(users=[ana, ben], groups=[sales]).assert_success()
            entra.rename_user(ana, "ana.lima@corp.example").assert_success()
            entra.disable(ben).assert_success()
        with Okta(url, token=TOKEN) as okta:
            okta.sync(users=[cleo], groups=[Group("Support", members=[cleo])]).assert_success()
            okta.disable(cleo).assert_success()
        shown = httpx.get(url.removesuffix("/scim/v2") + "/accounts").json()
    accounts = _rows(database_url, "SELECT login, first_name, status, tenant FROM accounts ORDER BY login")
    assert accounts == [("ana.lima@corp.example", "Ana", "active", "default"),
                        ("ben@corp.example", "Test", "suspended", "default"),
                        ("cleo@corp.example", "Cleo", "suspended", "default")]
    emails = _rows(database_url, "SELECT a.login, e.address, e.kind FROM account_emails e "
                                 "JOIN accounts a ON a.id = e.account_id ORDER BY a.login")
    assert [(login, address) for login, address, _ in emails] == [
        ("ana.lima@corp.example", "ana@corp.example"), ("ben@corp.example", "ben@corp.example"),
        ("cleo@corp.example", "cleo@corp.example")]
    memberships = _rows(database_url, "SELECT t.name, a.login FROM team_memberships m JOIN teams t ON t.id = m.team_id "
                                      "JOIN accounts a ON a.id = m.account_id ORDER BY t.name, a.login")
    assert memberships == [("Sales", "ana.lima@corp.example"), ("Sales", "ben@corp.example"),
                           ("Support", "cleo@corp.example")]
    assert [(a["login"], a["teams"]) for a in shown] == [("ana.lima@corp.example", ["Sales"]),
                                                         ("ben@corp.example", ["Sales"]),
                                                         ("cleo@corp.example", ["Support"])]
    with serving_example(database_url, log) as url:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        users = httpx.get(f"{url}/Users", headers=headers).json()
        groups = httpx.get(f"{url}/Groups", headers=headers).json()
        with Entra(url, token=TOKEN) as entra:
            entra.delete(ben).assert_success()
    assert sorted(u["userName"] for u in users["Resources"]) == [
        "ana.lima@corp.example", "ben@corp.example", "cleo@corp.example"]
    assert {g["displayName"]: len(g.get("members", [])) for g in groups["Resources"]} == {"Sales": 2, "Support": 1}
    assert [row[0] for row in _rows(database_url, "SELECT login FROM accounts ORDER BY login")] == [
        "ana.lima@corp.example", "cleo@corp.example"]
    assert _rows(database_url, "SELECT count(*) FROM team_memberships") == [(2,)]


VENDORS = {
    "entra": lambda url: Entra(url, token=TOKEN),
    "entra-flag": lambda url: Entra(url, token=TOKEN, flag=True),
    "okta": lambda url: Okta(url, token=TOKEN),
    "onelogin": lambda url: OneLogin(url, token=TOKEN),
    "jumpcloud": lambda url: JumpCloud(url, token=TOKEN),
}


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_every_simulator_step_lands_in_the_apps_tables(vendor: str, tmp_path: Path) -> None:
    """Each vendor's documented steps, from its connection test to its deletes, are accepted by the example."""
    database_url = f"sqlite:///{tmp_path / 'own.db'}"
    dana, eli = User("dana@corp.example", given_name="Dana"), User("eli@corp.example")
    team = Group("Platform", members=[dana, eli])
    with serving_example(database_url, tmp_path / "example.log") as url, VENDORS[vendor](url) as idp:
        idp.test_connection().assert_success()
        idp.sync(users=[dana, eli], groups=[team]).assert_success()
        idp.rename_user(dana, "dana.v@corp.example").assert_success()
        idp.rename_group(team, "Platform Team").assert_success()
        idp.disable(eli).assert_success()
        status_after_disable = _rows(database_url, "SELECT status FROM accounts WHERE login = 'eli@corp.example'")
        idp.reenable(eli).assert_success()
        idp.unassign(eli).assert_success()
        idp.delete_group(team).assert_success()
        idp.delete(dana).assert_success()
    assert status_after_disable == [("suspended",)]
    kept_teams = 1 if vendor == "onelogin" else 0  # OneLogin sends nothing when a group is deleted
    assert _rows(database_url, "SELECT count(*) FROM teams") == [(kept_teams,)]
    assert _rows(database_url, "SELECT count(*) FROM team_memberships") == [(0,)]
    accounts = dict(_rows(database_url, "SELECT login, status FROM accounts"))
    if vendor == "okta":  # Okta never deletes: its "delete" is a deactivation (PATCH active false)
        assert accounts.get("dana.v@corp.example") == "suspended"
    else:
        assert "dana.v@corp.example" not in accounts and "dana@corp.example" not in accounts
