"""``scimcore check`` against a live ``scimcore serve``, against deliberately broken servers, and its reports.

The live server is started like the conformance tests start it (a subprocess on a free port); the broken
servers are scimcore's own ASGI app behind a small middleware that injects one known incompatibility, served by
uvicorn in a thread.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from scimcore import BearerTokens, MemoryStore, ScimService
from scimcore.check import CHECKS, check, run_checks, select_checks
from tests.servers import free_port, scimcore_command, stop, wait_listening

TOKEN = "check-token-0123456789abcdef0123456789abcdef"

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``scimcore serve --database memory`` on a free port; yields its SCIM base URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [*scimcore_command(), "serve", "--database", "memory", "--port", str(port), "--token", TOKEN,
               "--log-level", "warning"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_listening(port, lambda: proc.poll() is None, f"scimcore serve ({log_path})")
            yield f"http://127.0.0.1:{port}/scim/v2"
        finally:
            stop(proc)
    assert proc.returncode in (0, -signal.SIGTERM), log_path.read_text()


# -- deliberately broken servers ------------------------------------------------------------------------------
def _case_sensitive_group_ops(app: ASGIApp) -> ASGIApp:
    """Jackson's bug: group PATCH ops compared case-sensitively, so "Add"/"Remove" are dropped with a 2xx."""

    async def broken(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PATCH" or "/Groups/" not in scope["path"]:
            await app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        document = json.loads(body)
        document["Operations"] = [op for op in document["Operations"] if op["op"] in ("add", "remove", "replace")]
        if not document["Operations"]:  # nothing it understood: "done", like Jackson
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        replayed = json.dumps(document).encode()
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(replayed)).encode()))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": replayed, "more_body": False}

        await app({**scope, "headers": headers}, replay, send)

    return broken


def _plain_json(app: ASGIApp) -> ASGIApp:
    """Responses labelled application/json instead of application/scim+json."""

    async def broken(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        async def relabel(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (k, b"application/json" if k.lower() == b"content-type" else v) for k, v in message["headers"]
                ]
            await send(message)

        await app(scope, receive, relabel)

    return broken


BREAKAGES = {"case-sensitive-group-ops": _case_sensitive_group_ops, "plain-json": _plain_json}


@pytest.fixture
def broken(request: pytest.FixtureRequest) -> Iterator[str]:
    """scimcore's ASGI app with the breakage named by the test's parameter, on uvicorn in a thread."""
    import uvicorn

    from scimcore.asgi import ScimASGI

    service = ScimService(MemoryStore(), authenticator=BearerTokens([TOKEN]))
    app = BREAKAGES[request.param](ScimASGI(service, prefix="/scim/v2"))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_listening(port, thread.is_alive, "the broken server")
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# -- helpers --------------------------------------------------------------------------------------------------
def _run(url: str, *args: str) -> Result:
    return CliRunner().invoke(check, [url, "--token", TOKEN, *args])


def _rows(stdout: str) -> dict[str, str]:
    """The table's rows: check name → PASS / FAIL / NOT RUN."""
    return dict((m.group(2), m.group(1)) for m in re.finditer(r"^  (PASS|FAIL|NOT RUN)\s+(\S+)", stdout, re.M))


def _remaining(url: str, resource: str) -> int:
    reply = httpx.get(f"{url}/{resource}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert reply.status_code == 200
    total: int = reply.json()["totalResults"]
    return total


def _failure_section(stdout: str, name: str) -> str:
    """The part of the Failures section about the check ``name``."""
    start = stdout.index(f"\n{name}: ")
    following = re.search(r"\n\S+: ", stdout[start + 1 :])
    return stdout[start : start + 1 + following.start()] if following else stdout[start:]


# -- against scimcore serve ------------------------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["entra", "okta", "generic"])
def test_every_check_passes_against_scimcore_serve(server: str, provider: str) -> None:
    """Against scimcore serve every check of the provider passes and the exit status is 0."""
    result = _run(server, "--provider", provider)
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert rows == {c.name: "PASS" for c in select_checks(provider)}
    total = len(rows)
    assert f"{total} checks: {total} passed, 0 failed" in result.stdout


@pytest.mark.parametrize("provider", ["entra", "okta", "generic"])
def test_nothing_created_remains_after_a_run(server: str, provider: str) -> None:
    """After a run the server holds no user and no group: every resource the check created is deleted."""
    result = _run(server, "--provider", provider)
    assert result.exit_code == 0, result.output
    assert _remaining(server, "Users") == 0
    assert _remaining(server, "Groups") == 0
    assert re.search(r"cleanup: deleted [1-9]\d* users and [1-9]\d* groups", result.stderr)


def test_progress_shows_one_line_per_check_on_stderr(server: str) -> None:
    """Progress goes to stderr, one numbered line per check as it runs, and none of it to stdout."""
    result = _run(server, "--provider", "okta")
    lines = [line for line in result.stderr.splitlines() if line.startswith("[")]
    names = [c.name for c in select_checks("okta")]
    assert [re.sub(r"^\[\s*\d+/\d+\] PASS (\S+) .*$", r"\1", line) for line in lines] == names
    assert lines[0].startswith(f"[ 1/{len(names)}]")
    assert not any(line.startswith("[") for line in result.stdout.splitlines())


def test_json_report_has_a_summary_every_check_and_the_cleanup(server: str, tmp_path: Path) -> None:
    """--json writes the run's URL, provider, summary, one entry per check and the cleanup counts."""
    path = tmp_path / "report.json"
    result = _run(server, "--provider", "entra", "--json", str(path))
    assert result.exit_code == 0, result.output
    report = json.loads(path.read_text())
    names = [c.name for c in select_checks("entra")]
    assert report["tool"] == "scimcore check" and report["url"] == server and report["provider"] == "entra"
    assert report["ok"] is True and report["aborted"] is None
    assert report["summary"] == {"total": len(names), "passed": len(names), "failed": 0, "not_run": 0}
    assert [c["name"] for c in report["checks"]] == names
    for entry in report["checks"]:
        assert set(entry) == {"name", "title", "providers", "outcome", "message", "duration_ms", "exchanges"}
        assert entry["outcome"] == "pass" and entry["exchanges"] == [] and entry["title"]
    assert report["cleanup"]["left"] == [] and report["cleanup"]["deleted"]["users"] >= 11


# -- against broken servers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("broken", ["case-sensitive-group-ops"], indirect=True)
def test_case_sensitive_group_ops_fail_the_capitalised_member_checks(broken: str) -> None:
    """A server that drops capitalised group ops fails the three checks that send them, exits 1, shows the wire."""
    result = _run(broken, "--provider", "entra")
    assert result.exit_code == 1, result.output
    rows = _rows(result.stdout)
    failed = sorted(name for name, outcome in rows.items() if outcome == "FAIL")
    assert failed == ["group-add-members[entra]", "group-remove-members[entra]", "group-rename[entra]"]
    assert rows["group-remove-members[entra-flag]"] == "PASS"
    section = _failure_section(result.stdout, "group-add-members[entra]")
    assert "members after the PATCH: expected [" in section
    assert re.search(r'> PATCH /Groups/\S+\n.*> \{"schemas": \["urn:ietf:params:scim:api:messages:2.0:PatchOp"\], '
                     r'"Operations": \[\{"op": "Add"', section, re.S)
    assert "< 204 No Content" in section or "< 200 OK" in section
    verification = r"> GET /Groups/\S+\n(.*\n)*? +< 200 OK\n +< Content-Type: application/scim\+json\n +< \{"
    assert re.search(verification, section)


@pytest.mark.parametrize("broken", ["case-sensitive-group-ops"], indirect=True)
def test_cleanup_runs_after_failures(broken: str) -> None:
    """Failed checks still leave nothing behind: the users and groups are deleted at the end."""
    result = _run(broken, "--provider", "generic")
    assert result.exit_code == 1, result.output
    assert _remaining(broken, "Users") == 0
    assert _remaining(broken, "Groups") == 0


@pytest.mark.parametrize("broken", ["plain-json"], indirect=True)
def test_application_json_responses_fail_the_content_type_check(broken: str, tmp_path: Path) -> None:
    """Responses labelled application/json fail the content-type check only, naming the offenders."""
    path = tmp_path / "report.json"
    result = _run(broken, "--provider", "okta", "--json", str(path))
    assert result.exit_code == 1, result.output
    rows = _rows(result.stdout)
    assert [name for name, outcome in rows.items() if outcome == "FAIL"] == ["content-type"]
    section = _failure_section(result.stdout, "content-type")
    assert "responses are not application/scim+json: GET /Users → application/json" in section
    assert "< Content-Type: application/json" in section
    report = json.loads(path.read_text())
    failure = next(c for c in report["checks"] if c["name"] == "content-type")
    assert failure["outcome"] == "fail" and report["ok"] is False
    assert report["summary"]["failed"] == 1
    exchange = failure["exchanges"][0]
    assert set(exchange) == {"request", "response"}
    assert set(exchange["request"]) == {"method", "target", "headers", "body"}
    assert exchange["response"]["content_type"] == "application/json"
    assert exchange["response"]["status"] in (200, 201, 404, 409, 401)


@pytest.mark.parametrize("broken", ["case-sensitive-group-ops"], indirect=True)
def test_the_token_is_never_printed_or_written(broken: str, tmp_path: Path) -> None:
    """The bearer token appears nowhere: not in stdout, stderr or the JSON report, failures included."""
    path = tmp_path / "report.json"
    result = _run(broken, "--provider", "generic", "--json", str(path))
    assert result.exit_code == 1
    assert "Authorization: Bearer ***" in result.stdout
    for text in (result.stdout, result.stderr, path.read_text()):
        assert TOKEN not in text


def _in_process(wrap: Callable[[httpx.Request, Callable[[], httpx.Response]], httpx.Response]) -> httpx.BaseTransport:
    """A transport serving scimcore's WSGI app in process, each request passed through ``wrap``."""
    from scimcore.wsgi import ScimWSGI

    app = ScimWSGI(ScimService(MemoryStore(), authenticator=BearerTokens([TOKEN])), prefix="/scim/v2")
    inner = httpx.WSGITransport(app=app)

    class Wrapped(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return wrap(request, lambda: inner.handle_request(request))

    return Wrapped()


# -- usage and connection errors -------------------------------------------------------------------------------
def test_an_unreachable_server_exits_2_with_a_clear_message() -> None:
    """Nothing listening at URL: exit 2 and a message saying the server cannot be reached."""
    result = _run(f"http://127.0.0.1:{free_port()}/scim/v2")
    assert result.exit_code == 2
    assert "cannot reach http://127.0.0.1:" in result.stderr


def test_a_refused_token_exits_2_before_any_check(server: str) -> None:
    """A token the server answers 401 to stops the run with exit 2, before any check or resource."""
    result = CliRunner().invoke(check, [server, "--token", "wrong-token"])
    assert result.exit_code == 2
    assert "refused the token" in result.stderr and "PASS" not in result.stdout


def test_a_url_that_is_not_the_scim_base_exits_2(server: str) -> None:
    """A URL whose /Users answers 404 exits 2 and asks whether it is the SCIM base."""
    result = _run(server.removesuffix("/scim/v2"))
    assert result.exit_code == 2
    assert "is the URL the SCIM base" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.com/scim", "--token", TOKEN], "is not an http(s) URL"),
        (["http://example.com/scim"], "Missing option '--token'"),
        (["http://example.com/scim", "--token", TOKEN, "--provider", "onelogin"], "'onelogin' is not one of"),
        (["http://example.com/scim", "--token", TOKEN, "--json", "/nonexistent-dir/r.json"], "is not a directory"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    """Bad options exit 2 with click's usage message."""
    result = CliRunner().invoke(check, args, env={"SCIMCORE_CHECK_TOKEN": None})
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_connection_lost_mid_run_stops_the_run_and_marks_the_rest_not_run() -> None:
    """When the server stops answering mid-run, that check fails, the rest are not run, and the run is aborted."""
    calls = 0

    def dying(request: httpx.Request, forward: Callable[[], httpx.Response]) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls > 12:
            raise httpx.ConnectError("connection refused", request=request)
        return forward()

    report = run_checks("http://testserver/scim/v2", TOKEN, "entra", transport=_in_process(dying))
    outcomes = [r.outcome for r in report.results]
    assert report.aborted is not None and "lost the connection" in report.aborted
    assert "fail" in outcomes and outcomes[-1] == "not run"
    assert outcomes.index("not run") == outcomes.index("fail") + 1
    assert report.to_json()["ok"] is False


def test_a_tenant_url_with_the_entra_flag_keeps_it_on_every_request() -> None:
    """A URL ending in ?aadOptscim062020 (Entra's tenant URL) sends the flag on every request, and passes."""
    urls: list[str] = []

    def record(request: httpx.Request, forward: Callable[[], httpx.Response]) -> httpx.Response:
        urls.append(str(request.url))
        return forward()

    report = run_checks("http://testserver/scim/v2?aadOptscim062020", TOKEN, "entra", transport=_in_process(record))
    assert report.ok, [r.message for r in report.results if r.outcome == "fail"]
    assert urls and all(re.search(r"\?aadOptscim062020(&|$)", url) for url in urls)
    assert not any(url.count("aadOptscim062020") > 1 for url in urls)


def test_a_request_that_times_out_fails_its_check_and_the_run_goes_on() -> None:
    """A request without an answer in time fails that check with the timeout named; later checks still run."""

    def slow_deletes(request: httpx.Request, forward: Callable[[], httpx.Response]) -> httpx.Response:
        if request.method == "DELETE" and "/Groups/" in request.url.path:
            raise httpx.ReadTimeout("timed out", request=request)
        return forward()

    report = run_checks("http://testserver/scim/v2", TOKEN, "okta", timeout=2.5, transport=_in_process(slow_deletes))
    failed = {r.check.name: r.message for r in report.results if r.outcome == "fail"}
    assert list(failed) == ["delete-group"]
    assert "no answer within 2.5 s" in failed["delete-group"]
    assert report.results[-1].outcome == "pass" and report.aborted is None
    assert {item["resource"] for item in report.cleanup["left"]} == {"Groups"}


def test_ctrl_c_stops_the_run_and_still_cleans_up() -> None:
    """Ctrl-C mid-run marks the remaining checks not run, and the users and groups made so far are deleted."""
    calls = 0

    def interrupted(request: httpx.Request, forward: Callable[[], httpx.Response]) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 60:
            raise KeyboardInterrupt
        return forward()

    transport = _in_process(interrupted)
    report = run_checks("http://testserver/scim/v2", TOKEN, "generic", transport=transport)
    assert report.aborted == "interrupted"
    assert report.results[-1].outcome == "not run" and report.count("pass") > 5
    assert report.cleanup["deleted"]["users"] > 0 and report.cleanup["left"] == []
    with httpx.Client(transport=transport, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for resource in ("Users", "Groups"):
            assert client.get(f"http://testserver/scim/v2/{resource}").json()["totalResults"] == 0


# -- the table of checks ---------------------------------------------------------------------------------------
def test_generic_runs_every_check_and_each_provider_a_subset() -> None:
    """generic selects every check; entra and okta together cover them all, each check with a title."""
    names = [c.name for c in CHECKS]
    assert len(names) == len(set(names))
    assert [c.name for c in select_checks("generic")] == names
    assert {c.name for c in select_checks("entra")} | {c.name for c in select_checks("okta")} == set(names)
    assert all(c.run.__doc__ and c.title for c in CHECKS)


def test_importing_the_check_module_does_not_import_httpx() -> None:
    """scimcore.check imports httpx only when a run starts, so importing it stays light."""
    code = "import sys, scimcore.check; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
