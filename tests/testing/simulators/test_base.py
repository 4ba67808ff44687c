"""What every simulator shares: the verdicts it draws from answers, the headers on the wire, live servers."""

from __future__ import annotations

import ast
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.testing.simulators import Entra, JumpCloud, Okta, OneLogin, Outcome, User
from scimcore.wsgi import ScimWSGI
from tests.servers import free_port

TOKEN = "scimcore-testkit-token-4f1c"
EMPTY_LIST = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 0,
    "itemsPerPage": 0,
    "startIndex": 1,
    "Resources": [],
}


class Stub:
    """A WSGI app answering each (method, path) with a fixed status and body, recording the request headers."""

    def __init__(self, answers: dict[tuple[str, str], tuple[int, Any]]) -> None:
        self.answers = answers
        self.headers: list[dict[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.headers.append({k: v for k, v in environ.items() if k.startswith("HTTP_") or k == "CONTENT_TYPE"})
        path = environ["PATH_INFO"].removeprefix("/scim/v2")
        status, answer = self.answers.get((environ["REQUEST_METHOD"], path), (404, {"detail": "no such stub"}))
        start_response(f"{status} Stub", [("Content-Type", "application/scim+json")])
        return [json.dumps(answer).encode()]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(503, Outcome.RETRY), (429, Outcome.RETRY), (500, Outcome.RETRY), (501, Outcome.FAILURE), (400, Outcome.FAILURE)],
)
def test_the_status_decides_between_retry_and_failure(status: int, outcome: Outcome) -> None:
    """429 and 5xx but 501 are retried next cycle; any other unexpected status is a failure."""
    with Entra(Stub({("GET", "/Users"): (status, {"detail": "stubbed"})}), token=TOKEN) as entra:
        result = entra.test_connection()
    assert result.outcome is outcome and f"answered {status}" in result.reason and "stubbed" in result.reason


def test_a_conflict_on_create_is_a_failure_with_the_trace() -> None:
    """No match, then 409 on the POST: Entra fails the user, and assert_success shows both exchanges."""
    stub = Stub({("GET", "/Users"): (200, EMPTY_LIST), ("POST", "/Users"): (409, {"detail": "userName taken"})})
    with Entra(stub, token=TOKEN) as entra:
        result = entra.sync(users=[User("alice@contoso.example")])
    assert result.outcome is Outcome.FAILURE
    with pytest.raises(AssertionError, match="(?s)> GET /Users.*> POST /Users.*< 409"):
        result.assert_success()


def test_a_filter_without_a_hit_must_not_be_404() -> None:
    """Entra's Test Connection needs 200 and an empty list for a user filter without a match, never 404."""
    with Entra(Stub({}), token=TOKEN) as entra:
        assert entra.test_connection().outcome is Outcome.FAILURE


def test_a_created_resource_without_an_id_is_a_failure() -> None:
    """Entra uses the id a POST returns from then on: a 201 without one fails the step."""
    stub = Stub({("GET", "/Users"): (200, EMPTY_LIST), ("POST", "/Users"): (201, {"userName": "x"})})
    with Entra(stub, token=TOKEN) as entra:
        result = entra.sync(users=[User("alice@contoso.example")])
    assert result.outcome is Outcome.FAILURE and "no id" in result.reason


def test_okta_needs_integer_paging_numbers() -> None:
    """Okta refuses a list whose itemsPerPage is a string."""
    with Okta(Stub({("GET", "/Users"): (200, {**EMPTY_LIST, "itemsPerPage": "0"})}), token=TOKEN) as okta:
        result = okta.test_connection()
    assert result.outcome is Outcome.FAILURE and "itemsPerPage" in result.reason


def test_entra_sends_no_user_agent_and_scim_json() -> None:
    """On the wire Entra's requests have no User-Agent, and bodies go as application/scim+json."""
    stub = Stub({("GET", "/Users"): (200, EMPTY_LIST), ("POST", "/Users"): (201, {"id": "u1"})})
    with Entra(stub, token=TOKEN) as entra:
        entra.sync(users=[User("alice@contoso.example")]).assert_success()
    assert all("HTTP_USER_AGENT" not in h for h in stub.headers)
    assert stub.headers[1]["CONTENT_TYPE"] == "application/scim+json"


def test_okta_sends_its_user_agent_on_the_wire() -> None:
    """Okta's requests carry ``User-Agent: Okta SCIM Client 1.0.0``."""
    stub = Stub({("GET", "/Users"): (200, EMPTY_LIST)})
    with Okta(stub, token=TOKEN) as okta:
        okta.test_connection().assert_success()
    assert stub.headers[0]["HTTP_USER_AGENT"] == "Okta SCIM Client 1.0.0"


def test_jumpcloud_deactivates_the_test_user_of_a_server_without_user_delete() -> None:
    """Test Connection against a server answering 405 to DELETE /Users/{id}: the test user gets a PUT active false."""
    stub = Stub({
        ("POST", "/Users"): (201, {"id": "u1"}),
        ("POST", "/Groups"): (201, {"id": "g1"}),
        ("DELETE", "/Groups/g1"): (204, None),
        ("DELETE", "/Users/u1"): (405, {"detail": "no user DELETE"}),
        ("PUT", "/Users/u1"): (200, {"id": "u1", "active": False}),
    })
    with JumpCloud(stub, token=TOKEN) as jumpcloud:
        result = jumpcloud.test_connection().assert_success()
    assert [(e.method, e.status) for e in result.exchanges][-2:] == [("DELETE", 405), ("PUT", 200)]
    assert json.loads(result.exchanges[-1].request_body or "")["active"] is False


def test_a_list_without_the_list_response_schema_fails_like_in_scimcore_check() -> None:
    """The simulators judge a list as scimcore check does: a body without the ListResponse schema fails."""
    with OneLogin(Stub({("GET", "/Users"): (200, {"totalResults": 0, "Resources": []})}), token=TOKEN) as onelogin:
        result = onelogin.test_connection()
    assert result.outcome is Outcome.FAILURE and "ListResponse" in result.reason


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def live_url() -> Iterator[str]:
    """The SCIM base URL of scimcore's WSGI app served over HTTP on a free loopback port."""
    service = ScimService(MemoryStore(), authenticator=BearerTokens([TOKEN]))
    server = make_server("127.0.0.1", free_port(), ScimWSGI(service, prefix="/scim/v2"), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/scim/v2"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_live_tenant_url_with_the_flag_turns_the_flag_on(live_url: str) -> None:
    """Over HTTP: a Tenant URL ending in ?aadOptscim062020 makes Entra send the flag and its compliant shapes."""
    alice = User("alice@contoso.example")
    with Entra(f"{live_url}?aadOptscim062020", token=TOKEN) as entra:
        assert entra.flag
        entra.test_connection().assert_success()
        entra.sync(users=[alice]).assert_success()
        disabled = entra.disable(alice).assert_success()
    assert json.loads(disabled.exchanges[0].request_body or "")["Operations"][0]["value"] is False


def test_a_live_server_takes_okta_traffic(live_url: str) -> None:
    """Over HTTP: Okta's test, sync and deactivation all succeed against a served scimcore."""
    alice = User("alice@okta.local")
    with Okta(live_url, token=TOKEN) as okta:
        okta.test_connection().assert_success()
        okta.sync(users=[alice]).assert_success()
        okta.delete(alice).assert_success()


def test_an_httpx_client_of_the_caller_stays_open(live_url: str) -> None:
    """A simulator given an httpx client uses its base URL and leaves it open when it closes."""
    with httpx.Client(base_url=live_url) as client:
        with Entra(client, token=TOKEN) as entra:
            entra.test_connection().assert_success()
        assert not client.is_closed


SIMULATORS = sorted((Path(__file__).resolve().parents[3] / "scimcore" / "testing" / "simulators").glob("*.py"))


@pytest.mark.parametrize("module", SIMULATORS, ids=lambda path: path.stem)
def test_a_simulator_module_holds_no_payload(module: Path) -> None:
    """No dict literal with a "schemas", "op" or "Operations" key: every body comes from the catalogue."""
    keys = {
        key.value
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant)
    }
    assert not keys & {"schemas", "op", "Operations"}


def test_a_refused_rename_keeps_the_old_name() -> None:
    """A rename the server refuses (409) is a failure, and the simulator still knows the user by its old name."""
    stub = Stub({
        ("GET", "/Users"): (200, EMPTY_LIST),
        ("POST", "/Users"): (201, {"id": "u1"}),
        ("PATCH", "/Users/u1"): (409, {"detail": "userName taken"}),
    })
    alice = User("alice@contoso.example")
    with Entra(stub, token=TOKEN) as entra:
        entra.sync(users=[alice]).assert_success()
        result = entra.rename_user(alice, "bob@contoso.example")
    assert result.outcome is Outcome.FAILURE and alice.user_name == "alice@contoso.example"
    assert entra.id_of(alice) == "u1"
