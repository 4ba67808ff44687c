"""A database the command line cannot open is one line: what went wrong, what to fix, the URL without password."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from scimcore.cli import main
from scimcore.cli.runtime import _redact, database_error

pytest.importorskip("sqlalchemy")


def _run(database: str) -> str:
    """The output of ``scimcore db upgrade --database DATABASE``, which must fail."""
    result = CliRunner().invoke(main, ["db", "upgrade", "--database", database])
    assert result.exit_code == 1, result.output
    return result.output


def _one_clean_line(output: str) -> None:
    """The message is one line, with neither a traceback nor SQLAlchemy's link."""
    assert len(output.strip().splitlines()) == 1, output
    assert "Traceback" not in output and "sqlalche.me" not in output and "Background on this error" not in output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_reachable() -> None:
    pytest.importorskip("psycopg")
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")


def test_sqlite_in_a_missing_folder_names_the_folder_to_create() -> None:
    """A SQLite file in a folder that does not exist says which folder, and how to create it."""
    output = _run("sqlite:////no/such/dir/x.db")
    _one_clean_line(output)
    assert "folder /no/such/dir does not exist" in output and "mkdir -p /no/such/dir" in output


def test_unknown_postgresql_host_names_the_host() -> None:
    """A PostgreSQL host that does not resolve is named, with the URL's password masked."""
    pytest.importorskip("psycopg")
    output = _run("postgresql://postgres:s3cret@no-such-host.invalid/db")
    _one_clean_line(output)
    assert "cannot find the PostgreSQL host no-such-host.invalid" in output
    assert "postgresql://postgres:***@no-such-host.invalid/db" in output and "s3cret" not in output


def test_refused_connection_says_nothing_listens_and_how_to_start_it() -> None:
    """A port where nothing listens is a refused connection, with how to start PostgreSQL."""
    pytest.importorskip("psycopg")
    port = _free_port()
    output = _run(f"postgresql://postgres:s3cret@127.0.0.1:{port}/db")
    _one_clean_line(output)
    assert f"cannot reach PostgreSQL at 127.0.0.1:{port}: connection refused" in output and "Start it" in output
    assert "s3cret" not in output


def test_unknown_role_names_the_user_to_correct() -> None:
    """A role the server does not know names the user, and how to create it."""
    _postgres_reachable()
    output = _run("postgresql://nobody_xyz:s3cret@127.0.0.1/postgres")
    _one_clean_line(output)
    assert "refused user 'nobody_xyz' (no such role)" in output and "createuser" in output
    assert "postgresql://nobody_xyz:***@127.0.0.1/postgres" in output and "s3cret" not in output


def test_missing_database_names_it_and_how_to_create_it() -> None:
    """A database the server does not have is named, with the createdb line that makes it."""
    _postgres_reachable()
    output = _run("postgresql://postgres@127.0.0.1/no_such_db_xyz")
    _one_clean_line(output)
    assert "has no database 'no_such_db_xyz'" in output
    assert "createdb -h 127.0.0.1 -p 5432 -U postgres no_such_db_xyz" in output


def test_wrong_password_names_the_user_to_correct() -> None:
    """libpq's "password authentication failed" is a wrong password for the named user."""
    from sqlalchemy.exc import OperationalError

    orig = Exception(
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  password '
        'authentication failed for user "scim"'
    )
    database = "postgresql://scim:s3cret@10.0.0.5/scim"
    message = database_error(database, OperationalError("SELECT 1", {}, orig)).message
    assert message == (
        "PostgreSQL at 10.0.0.5:5432 refused user 'scim' (a wrong password). Correct the user or password in "
        "--database / SCIMCORE_DATABASE (postgresql://scim:***@10.0.0.5/scim), or create the role "
        "(`createuser --pwprompt scim`)."
    )


def test_other_errors_keep_the_driver_line_without_the_link() -> None:
    """An error of no known kind shows the driver's first line, never SQLAlchemy's "Background" link."""
    from sqlalchemy.exc import OperationalError

    exc = OperationalError("SELECT 1", {}, Exception("disk I/O error"))
    assert "sqlalche.me" in str(exc)
    message = database_error("postgresql://scim@db/scim", exc).message
    assert message == "cannot open database postgresql://scim@db/scim: disk I/O error"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://scim:pw@db/scim", "postgresql://scim:***@db/scim"),
        ("postgresql://scim:p@ss@db/scim", "postgresql://scim:***@db/scim"),
        ("postgresql://scim@db/scim?password=pw&sslmode=require", "postgresql://scim@db/scim?password=***&sslmode=require"),
        ("postgresql://scim@db/scim", "postgresql://scim@db/scim"),
        ("sqlite:///./scimcore.db", "sqlite:///./scimcore.db"),
    ],
)
def test_redact_masks_every_password(url: str, shown: str) -> None:
    """A password in the user part (even one holding an "@") or in ``password=`` is masked."""
    assert _redact(url) == shown
