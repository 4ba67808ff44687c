"""The admin console in a real headless Chromium (Debian's package, driven by Playwright; no browser download).

Against a real ``scimcore serve`` on SQLite: sign in, create a directory and see its token once, open it,
pause it, see a provisioned user's request in the flight recorder, and be refused without a session; make a
setup link, open it signed out, reveal its token and follow the Entra steps with the Entra simulator until
the page shows the user; see a user's events, and deliver a dead one again to a live receiver; at 1280 and
390 pixels wide the pages need no horizontal scrolling.  Outside CI the tests skip when Chromium or
Playwright is missing; in CI (``CI`` set) that is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

pytest.importorskip("sqlalchemy")
pytest.importorskip("jinja2")

from scimcore.cli import main  # noqa: E402
from scimcore.testing.simulators import Entra, User  # noqa: E402
from tests.console.test_webhook import Receiver  # noqa: E402
from tests.servers import serving  # noqa: E402

PASSWORD = "a long console password"
TOKEN = "browser-test-token-0123456789abcdef"
CHROMIUM = os.environ.get("SCIMCORE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(what: str) -> None:
    message = f"{what} is needed for the console's browser tests (apt-get install -y chromium; pip install playwright)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python")
    if CHROMIUM is None:
        _missing("Chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("console")
    database = f"sqlite:///{folder / 'console.db'}"
    created = CliRunner().invoke(main, ["admin", "create", "--database", database, "ops", "--password-stdin"],
                                 input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    # The webhook receiver of these tests listens on 127.0.0.1, which the target rules refuse by default.
    with serving(["--database", database, "--token", TOKEN], folder / "serve.log",
                 env={"SCIMCORE_ALLOW_PRIVATE_WEBHOOKS": "1"}) as base:
        yield base.removesuffix("/scim/v2")


def _sign_in(page: Any, root: str) -> None:
    page.goto(f"{root}/admin/")
    assert page.url.endswith("/admin/login")
    page.get_by_label("Name").fill("ops")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{root}/admin/")


def test_sign_in_create_a_directory_and_see_its_token_once(browser: Any, server: str) -> None:
    """An operator signs in, creates an Entra directory, copies its token, and the token is not shown again."""
    page = browser.new_page()
    _sign_in(page, server)
    page.get_by_label("Name").fill("Acme")
    page.get_by_label("Identity provider").select_option("entra")
    page.get_by_role("button", name="Create").click()
    token = page.locator("code.token").inner_text()
    assert len(token) >= 43
    tenant = page.get_by_text("?aadOptscim062020").inner_text()
    directory_id = re.search(r"/scim/v2/([0-9a-f]{32})\?", tenant).group(1)  # type: ignore[union-attr]
    users = httpx.get(f"{server}/scim/v2/{directory_id}/Users", headers={"Authorization": f"Bearer {token}"})
    assert users.status_code == 200
    page.goto(f"{server}/admin/directories/{directory_id}")
    assert token not in page.content()
    page.close()


def test_pause_a_directory_and_see_what_its_idp_sent(browser: Any, server: str) -> None:
    """Pausing makes the directory answer 403; the recorder shows the provisioning request; the user is found."""
    page = browser.new_page()
    _sign_in(page, server)
    page.get_by_label("Name").fill("Globex")
    page.get_by_role("button", name="Create").click()
    token = page.locator("code.token").inner_text()
    directory_id = re.search(r"/directories/([0-9a-f]{32})", page.locator("form").nth(1).get_attribute("action")
                             or "").group(1)  # type: ignore[union-attr]
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen@globex.example",
            "password": "hunter2hunter2"}
    created = httpx.post(f"{server}/scim/v2/{directory_id}/Users", json=body,
                         headers={"Authorization": f"Bearer {token}", "client-request-id": "entra-7"})
    assert created.status_code == 201
    page.get_by_role("button", name="Pause (answer 403)").click()
    page.wait_for_url(re.compile(r".*/admin/directories/[0-9a-f]{32}$"))
    assert httpx.get(f"{server}/scim/v2/{directory_id}/Users",
                     headers={"Authorization": f"Bearer {token}"}).status_code == 403
    for _ in range(20):  # the recorder writes its batch within a second of the request
        page.reload()
        if page.get_by_text("POST /Users").count():
            break
        page.wait_for_timeout(250)
    entry = page.locator("details", has=page.get_by_text("POST /Users"))
    entry.locator("summary").click()
    recorded = entry.locator("pre").inner_text()
    assert "bjensen@globex.example" in recorded and "hunter2" not in recorded
    page.get_by_role("link", name="Users").click()
    page.get_by_label("userName contains").fill("BJENSEN")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("cell", name="bjensen@globex.example").count() == 1
    page.close()


def test_without_a_session_or_with_a_forged_form_nothing_happens(browser: Any, server: str) -> None:
    """A new browser lands on sign-in; a form posted with a forged CSRF token is refused with 403."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/admin/")
    assert page.url.endswith("/admin/login")
    _sign_in(page, server)
    page.evaluate("document.querySelector('form[action$=\"/directories\"] input[name=csrf]').value = 'forged'")
    page.get_by_label("Name").fill("Initech")
    response_status: list[int] = []
    page.on("response", lambda r: response_status.append(r.status) if r.url.endswith("/admin/directories") else None)
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    assert response_status == [403]
    assert "Initech" not in page.content()
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_pages_fit_the_window(browser: Any, server: str, width: int, tmp_path: Path) -> None:
    """At 1280 and 390 pixels wide, the pages need no horizontal scrolling (screenshots: SCIMCORE_SCREENSHOTS)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    _sign_in(page, server)
    shots = Path(os.environ.get("SCIMCORE_SCREENSHOTS") or tmp_path)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shots / f"console-directories-{width}.png"), full_page=True)
    page.get_by_role("link").filter(has_text=re.compile("Acme|Globex")).first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(shots / f"console-directory-{width}.png"), full_page=True)
    context.close()


def _poll(page: Any, url: str, text: str, tries: int = 80) -> None:
    """Reload ``url`` until ``text`` appears (deliveries and the recorder's writes happen in the background)."""
    for _ in range(tries):
        page.goto(url)
        if text in page.content():
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{text!r} never appeared on {url}")


def _create(page: Any, root: str, name: str, provider: str = "generic", webhook: str = "") -> str:
    page.goto(f"{root}/admin/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Identity provider").select_option(provider)
    if webhook:
        page.get_by_label("Webhook URL (optional)").fill(webhook)
    page.get_by_role("button", name="Create").click()
    link = page.get_by_role("link", name="Event log").get_attribute("href") or ""
    return re.search(r"/directories/([0-9a-f]{32})/", link).group(1)  # type: ignore[union-attr]


def test_a_setup_link_walks_the_it_admin_through_entra(browser: Any, server: str, tmp_path: Path) -> None:
    """The operator makes a link; signed out, the IT admin reveals the token once and connects Entra."""
    operator = browser.new_context()
    page = operator.new_page()
    _sign_in(page, server)
    directory_id = _create(page, server, "Umbrella", "entra")
    page.get_by_label("Expires after").select_option("1d")
    page.get_by_role("button", name="Make a setup link").click()
    url = page.locator("code.setup-url").inner_text()
    assert url.startswith(f"{server}/setup/")
    operator.close()

    admin = browser.new_context(viewport={"width": 390, "height": 900})
    setup = admin.new_page()
    setup.goto(url)
    tenant = setup.locator("code.tenant-url").inner_text()
    assert tenant == f"{server}/scim/v2/{directory_id}?aadOptscim062020"
    assert setup.get_by_text("Sync only assigned users and groups").count() == 1
    setup.get_by_role("button", name="Reveal the Secret Token (once)").click()
    token = setup.locator("code.token").inner_text()
    with Entra(tenant.removesuffix("?aadOptscim062020"), token=token, flag=True) as entra:
        entra.test_connection().assert_success()
        entra.sync(users=[User("alice@umbrella.example")]).assert_success()
    _poll(setup, url, "Users received</dt><dd>1<")
    _poll(setup, url, "</code> answered 201")  # the recorder writes its batch within a second
    assert setup.get_by_text("Reveal the Secret Token").count() == 0 and token not in setup.content()
    assert setup.evaluate("document.documentElement.scrollWidth") <= 390
    shots = Path(os.environ.get("SCIMCORE_SCREENSHOTS") or tmp_path)
    setup.screenshot(path=str(shots / "setup-link-390.png"), full_page=True)
    setup.get_by_role("link", name="中文").click()
    assert setup.locator("html").get_attribute("lang") == "zh-CN"
    assert setup.get_by_text("仅同步分配的用户和组").count() == 1
    admin.close()


def test_an_expired_or_revoked_link_shows_nothing(browser: Any, server: str) -> None:
    """After "Revoke" the link's page is 410 and names neither the directory nor its URLs."""
    page = browser.new_page()
    _sign_in(page, server)
    directory_id = _create(page, server, "Soylent")
    page.get_by_role("button", name="Make a setup link").click()
    url = page.locator("code.setup-url").inner_text()
    page.goto(f"{server}/admin/directories/{directory_id}")
    page.get_by_role("button", name="Revoke").click()
    answer = page.goto(url)
    assert answer is not None and answer.status == 410
    assert directory_id not in page.content() and "Soylent" not in page.content()
    page.close()


def test_a_dead_event_is_delivered_again_from_the_event_log(browser: Any, server: str) -> None:
    """A user's event fails, is given up on when the webhook is removed, and is delivered on request."""
    receiver = Receiver()
    receiver.status = 500
    try:
        page = browser.new_page()
        _sign_in(page, server)
        directory_id = _create(page, server, "Wayne", webhook=receiver.url)
        token = page.locator("code.token").inner_text()
        created = httpx.post(f"{server}/scim/v2/{directory_id}/Users", headers={"Authorization": f"Bearer {token}"},
                             json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                   "userName": "bruce@wayne.example"})
        assert created.status_code == 201
        log = f"{server}/admin/directories/{directory_id}/events"
        _poll(page, log, "HTTP 500")
        page.goto(f"{server}/admin/directories/{directory_id}")
        page.get_by_label("Webhook URL (empty to remove it)").fill("")
        page.get_by_role("button", name="Save the webhook").click()
        _poll(page, f"{log}?status=dead", "Deliver again")
        receiver.status = 204
        page.goto(f"{server}/admin/directories/{directory_id}")
        page.get_by_label("Webhook URL (empty to remove it)").fill(receiver.url)
        page.get_by_role("button", name="Save the webhook").click()
        page.goto(f"{log}?status=dead")
        assert page.get_by_role("cell", name="bruce@wayne.example").count() == 1
        page.get_by_role("button", name="Deliver again").click()
        _poll(page, f"{log}?status=delivered", "bruce@wayne.example")
        assert any(b'"user.created"' in body for _, body in receiver.received)
        page.close()
    finally:
        receiver.close()
