"""``scimcore admin``: console accounts, created without echo, kept hashed, listed without secrets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

pytest.importorskip("sqlalchemy")

from scimcore.cli import main  # noqa: E402
from scimcore.store.sql import SqlStore  # noqa: E402
from tests.servers import serving  # noqa: E402

PASSWORD = "a long console password"


def _create(database: str, name: str = "ops", password: str = PASSWORD) -> object:
    return CliRunner().invoke(main, ["admin", "create", "--database", database, name, "--password-stdin"],
                              input=password + "\n")


def test_an_admin_is_kept_hashed_and_listed_without_it(tmp_path: Path) -> None:
    """create keeps a scrypt hash only; list shows names and times, never the hash or the password."""
    database = f"sqlite:///{tmp_path / 'a.db'}"
    assert _create(database).exit_code == 0  # type: ignore[attr-defined]
    store = SqlStore(database)
    try:
        account = store.get_admin("ops")
        assert account is not None and account.password_hash.startswith("scrypt$")
        assert PASSWORD not in account.password_hash
    finally:
        store.close()
    listed = CliRunner().invoke(main, ["admin", "list", "--database", database])
    assert [a["name"] for a in json.loads(listed.output)] == ["ops"]
    assert "scrypt" not in listed.output and PASSWORD not in listed.output


def test_a_short_password_is_refused(tmp_path: Path) -> None:
    """A console password needs 12 characters or more."""
    result = _create(f"sqlite:///{tmp_path / 'b.db'}", password="short")
    assert result.exit_code != 0 and "12 characters" in result.output  # type: ignore[attr-defined]


def test_deleting_an_unknown_admin_says_so(tmp_path: Path) -> None:
    """delete names an account that does not exist."""
    database = f"sqlite:///{tmp_path / 'c.db'}"
    _create(database)
    assert CliRunner().invoke(main, ["admin", "delete", "--database", database, "ops"]).exit_code == 0
    missing = CliRunner().invoke(main, ["admin", "delete", "--database", database, "ops"])
    assert missing.exit_code != 0 and "no admin ops" in missing.output


def test_the_console_of_serve_creates_a_directory_that_serves_scim(tmp_path: Path) -> None:
    """Over real HTTP: sign in to /admin of scimcore serve, create a directory, use its token for SCIM."""
    database = f"sqlite:///{tmp_path / 'console.db'}"
    _create(database)
    with serving(["--database", database, "--token", "console-serve-token-0123456789"], tmp_path / "s.log") as base:
        root = base.removesuffix("/scim/v2")
        with httpx.Client(base_url=root, follow_redirects=False) as client:
            page = client.get("/admin/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            signed = client.post("/admin/login", data={"csrf": csrf, "name": "ops", "password": PASSWORD})
            assert signed.status_code == 303
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/admin/").text).group(1)  # type: ignore[union-attr]
            made = client.post("/admin/directories", data={"csrf": csrf, "name": "Acme", "provider": "entra"})
            assert made.status_code == 201
        token = re.search(r'<code class="token">([^<]+)</code>', made.text).group(1)  # type: ignore[union-attr]
        directory = re.search(r"/scim/v2/([0-9a-f]{32})\?aadOptscim062020", made.text).group(1)  # type: ignore[union-attr]
        users = httpx.get(f"{base}/{directory}/Users", headers={"Authorization": f"Bearer {token}"})
        assert users.status_code == 200 and users.json()["totalResults"] == 0
    assert token not in (tmp_path / "s.log").read_text()
