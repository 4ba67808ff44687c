"""The admin console in a real headless Chromium (Debian's package, driven by Playwright; no browser download).

Against a real ``scimcore serve`` on SQLite: sign in, create a directory and see its token once, open it,
pause it, see a provisioned user's request in the flight recorder, and be refused without a session; at 1280
and 390 pixels wide the pages need no horizontal scrolling.  Outside CI the tests skip when Chromium or
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
    with serving(["--database", database, "--token", TOKEN], folder / "serve.log") as base:
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
