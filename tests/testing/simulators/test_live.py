"""Every simulator drives a real ``scimcore serve`` over HTTP (httpx), as it would a staging deployment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scimcore.testing.simulators import Entra, Group, JumpCloud, Okta, OneLogin, Simulator, User
from tests.servers import serving

pytest.importorskip("sqlalchemy")

TOKEN = "scimcore-live-simulator-token-7d2e"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The SCIM base URL of ``scimcore serve`` on a free port, over SQLite."""
    folder = tmp_path_factory.mktemp("serve")
    database = f"sqlite:///{folder / 'scim.db'}"
    with serving(["--database", database, "--token", TOKEN], folder / "serve.log") as base:
        yield base


def _simulator(vendor: str, url: str) -> Simulator:
    if vendor == "entra":
        return Entra(url, token=TOKEN)
    if vendor == "entra-flag":
        return Entra(f"{url}?aadOptscim062020", token=TOKEN)
    if vendor == "okta":
        return Okta(url, token=TOKEN)
    if vendor == "onelogin":
        return OneLogin(url, token=TOKEN)
    return JumpCloud(url, token=TOKEN, test_user_email=f"{vendor}.test@live.example")


@pytest.mark.parametrize("vendor", ["entra", "entra-flag", "okta", "onelogin", "jumpcloud"])
def test_a_lifecycle_over_http_is_accepted(served: str, vendor: str) -> None:
    """Test connection, a first cycle, renames, a membership change, disable, re-enable, delete: all accepted."""
    ana, ben = User(f"ana.{vendor}@live.example"), User(f"ben.{vendor}@live.example")
    group = Group(f"Staff {vendor}", members=[ana, ben])
    with _simulator(vendor, served) as simulator:
        simulator.test_connection().assert_success()
        simulator.sync(users=[ana, ben], groups=[group]).assert_success()
        simulator.rename_user(ana, f"ana.lima.{vendor}@live.example").assert_success()
        simulator.rename_group(group, f"Staff {vendor} renamed").assert_success()
        group.members = [ana]
        simulator.sync(users=[ana, ben], groups=[group]).assert_success()
        simulator.disable(ben).assert_success()
        simulator.reenable(ben).assert_success()
        simulator.delete(ben).assert_success()
        assert simulator.log and all(e.status is not None and e.status < 400 for e in simulator.log)


def test_a_wrong_token_fails_over_http(served: str) -> None:
    """Over HTTP a token the server does not know is a 401 the vendor reports as a failure, not a retry."""
    with Okta(served, token="not-the-token-of-this-server") as okta:
        result = okta.test_connection()
    assert not result.ok and result.outcome.value == "failure" and "401" in result.reason


def test_the_log_of_a_live_run_never_shows_the_token(served: str) -> None:
    """The recorded exchanges of a live run show Bearer *** and nowhere the token."""
    with Entra(served, token=TOKEN) as entra:
        entra.sync(users=[User("carol.redaction@live.example")]).assert_success()
    rendered = "\n".join(line for e in entra.log for line in e.render())
    assert "Bearer ***" in rendered and TOKEN not in rendered
