"""Setup-link pages over HTTP, and the console's forms that make and revoke links."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from scimcore.adapters.recorder import FlightRecorder
from scimcore.console import ConsoleASGI
from scimcore.directories import DirectoryManager
from scimcore.setup_links import SetupLinkManager
from scimcore.store.memory import MemoryStore
from scimcore.testing.documents import GROUP, USER, group_doc, user_doc
from scimcore.transport import ScimRequest, ScimResponse
from tests.console.support import Browser

TENANT = "https://scim.example.com/scim/v2/{}?aadOptscim062020"


@pytest.fixture
def directory_id(store: MemoryStore) -> str:
    directory, _ = DirectoryManager(store).create("Initech", provider="entra")
    return directory.id


@pytest.fixture
def secret(store: MemoryStore, directory_id: str) -> str:
    return SetupLinkManager(store).create(directory_id)[1]


def _token_shown(page: httpx.Response) -> str | None:
    found = re.search(r'class="token">([^<]+)<', page.text)
    return found.group(1) if found else None


def test_a_live_link_shows_the_connection_values_without_a_session(
    app: ConsoleASGI, directory_id: str, secret: str,
) -> None:
    """Signed out, the page shows the Tenant URL with the flag, the SCIM URL and the Entra steps."""
    page = Browser(app).get(f"/setup/{secret}")
    assert page.status_code == 200
    assert TENANT.format(directory_id) in page.text
    assert "Sync only assigned users and groups" in page.text and "Provisioning Mode" in page.text
    assert _token_shown(page) is None and "Reveal the Secret Token" in page.text


def test_the_page_sets_no_cookie_and_leaks_no_referrer(app: ConsoleASGI, secret: str) -> None:
    """The page's address never travels as a Referer; no cookie is set."""
    page = Browser(app).get(f"/setup/{secret}")
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    assert "set-cookie" not in page.headers


def test_the_secret_token_is_revealed_once(app: ConsoleASGI, secret: str) -> None:
    """The first reveal shows a token; a second reveal, or a reload, shows none."""
    visitor = Browser(app)
    csrf = visitor.csrf(visitor.get(f"/setup/{secret}"))
    first = visitor.post(f"/setup/{secret}/token", {"csrf": csrf})
    assert first.status_code == 200 and _token_shown(first)
    again = visitor.post(f"/setup/{secret}/token", {"csrf": csrf})
    assert _token_shown(again) is None and "already revealed" in again.text
    assert "already revealed" in visitor.get(f"/setup/{secret}").text


def test_the_revealed_token_works_on_the_directory(
    app: ConsoleASGI, store: MemoryStore, directory_id: str, secret: str,
) -> None:
    """The token the page revealed authenticates SCIM requests to the link's directory."""
    from scimcore.directories import DirectoryAuthenticator

    visitor = Browser(app)
    token = _token_shown(visitor.post(f"/setup/{secret}/token",
                                      {"csrf": visitor.csrf(visitor.get(f"/setup/{secret}"))}))
    request = ScimRequest("GET", "/Users", headers={"authorization": f"Bearer {token}"}, directory=directory_id)
    assert DirectoryAuthenticator(store)(request) == directory_id


def test_a_reveal_without_the_page_s_csrf_token_is_refused(app: ConsoleASGI, secret: str) -> None:
    """A forged reveal is refused with 403 and leaves the token unrevealed."""
    visitor = Browser(app)
    forged = visitor.post(f"/setup/{secret}/token", {"csrf": "0" * 64})
    assert forged.status_code == 403 and _token_shown(forged) is None
    assert "Reveal the Secret Token" in visitor.get(f"/setup/{secret}").text


def test_a_csrf_token_of_another_link_is_refused(app: ConsoleASGI, store: MemoryStore, directory_id: str) -> None:
    """The reveal form's token is bound to its own link."""
    links = SetupLinkManager(store)
    _, first = links.create(directory_id)
    _, second = links.create(directory_id)
    visitor = Browser(app)
    csrf_of_first = visitor.csrf(visitor.get(f"/setup/{first}"))
    assert visitor.post(f"/setup/{second}/token", {"csrf": csrf_of_first}).status_code == 403


def test_an_unknown_link_answers_404_with_nothing_of_any_directory(app: ConsoleASGI, directory_id: str) -> None:
    """An unknown secret is a 404 page naming no directory."""
    page = Browser(app).get("/setup/not-a-link")
    assert page.status_code == 404 and "Initech" not in page.text and directory_id not in page.text


def test_a_revoked_link_answers_410_and_shows_no_secret(
    app: ConsoleASGI, store: MemoryStore, directory_id: str,
) -> None:
    """After revocation the page is 410, with neither the directory's URLs nor a token, and reveals nothing."""
    links = SetupLinkManager(store)
    link, secret = links.create(directory_id)
    visitor = Browser(app)
    csrf = visitor.csrf(visitor.get(f"/setup/{secret}"))
    links.revoke(directory_id, link.id)
    page = visitor.get(f"/setup/{secret}")
    assert page.status_code == 410 and "revoked" in page.text
    assert directory_id not in page.text and "Initech" not in page.text
    reveal = visitor.post(f"/setup/{secret}/token", {"csrf": csrf})
    assert reveal.status_code == 410 and _token_shown(reveal) is None


def test_an_expired_link_answers_410(app: ConsoleASGI, store: MemoryStore, directory_id: str) -> None:
    """A link past its lifetime is 410 with the expired message."""
    from datetime import UTC, datetime

    made = SetupLinkManager(store, clock=lambda: datetime.now(UTC) - timedelta(hours=2))
    _, secret = made.create(directory_id, timedelta(hours=1))
    page = Browser(app).get(f"/setup/{secret}")
    assert page.status_code == 410 and "expired" in page.text and directory_id not in page.text


@pytest.mark.parametrize("how", ["query", "browser"])
def test_the_page_speaks_chinese_when_asked(app: ConsoleASGI, secret: str, how: str) -> None:
    """``?lang=zh`` or a browser preferring Chinese gets the Chinese page."""
    visitor = Browser(app)
    if how == "query":
        page = visitor.get(f"/setup/{secret}?lang=zh")
    else:
        page = visitor.request("GET", f"/setup/{secret}", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-CN">' in page.text and "连接状态" in page.text and "仅同步分配的用户和组" in page.text


def test_the_status_shows_the_last_request_the_last_error_and_what_arrived(
    app: ConsoleASGI, store: MemoryStore, directory_id: str, secret: str,
) -> None:
    """Requests the directory received and the users and groups it holds appear on the page."""
    store.create(USER, user_doc("u1", "alice@initech.example"), directory=directory_id)
    store.create(USER, user_doc("u2", "bob@initech.example"), directory=directory_id)
    store.create(GROUP, group_doc("g1", "Engineering", ["u1"]), directory=directory_id)
    recorder = FlightRecorder(store)
    recorder.observe(ScimRequest("PATCH", "/Users/u9", directory=directory_id), ScimResponse(404), 2.0)
    recorder.observe(ScimRequest("GET", "/Users", directory=directory_id), ScimResponse(200), 1.0)
    recorder.flush()
    page = Browser(app).get(f"/setup/{secret}").text
    assert "<code>GET /Users</code> answered 200" in page and "<code>PATCH /Users/u9</code> answered 404" in page
    assert re.search(r"Users received</dt><dd>2<", page) and re.search(r"Groups received</dt><dd>1<", page)


def test_the_console_makes_a_link_and_shows_its_address_once(
    browser: Browser, store: MemoryStore, directory_id: str,
) -> None:
    """The form answers with the address; the directory page later lists the link without it."""
    page = browser.get(f"/admin/directories/{directory_id}")
    made = browser.post(f"/admin/directories/{directory_id}/setup-link", {"csrf": browser.csrf(page), "expires": "1d"})
    assert made.status_code == 201
    found = re.search(r'class="setup-url">http://console\.test/setup/([^<]+)<', made.text)
    assert found is not None
    [link] = store.list_setup_links(directory_id)
    again = browser.get(f"/admin/directories/{directory_id}").text
    assert link.id in again and found.group(1) not in again
    assert Browser(browser.app).get(f"/setup/{found.group(1)}").status_code == 200


def test_the_console_revokes_a_link(browser: Browser, store: MemoryStore, directory_id: str, secret: str) -> None:
    """Revoke ends the link: its page answers 410."""
    [link] = store.list_setup_links(directory_id)
    csrf = browser.csrf(browser.get(f"/admin/directories/{directory_id}"))
    assert browser.post(f"/admin/directories/{directory_id}/setup-links/{link.id}/revoke",
                        {"csrf": csrf}).status_code == 303
    assert Browser(browser.app).get(f"/setup/{secret}").status_code == 410


def test_a_link_cannot_be_revoked_through_another_directory(
    browser: Browser, store: MemoryStore, directory_id: str, secret: str,
) -> None:
    """Revoking through another directory's path is a 404 and leaves the link live."""
    other, _ = DirectoryManager(store).create("Other")
    [link] = store.list_setup_links(directory_id)
    csrf = browser.csrf(browser.get(f"/admin/directories/{other.id}"))
    assert browser.post(f"/admin/directories/{other.id}/setup-links/{link.id}/revoke",
                        {"csrf": csrf}).status_code == 404
    assert Browser(browser.app).get(f"/setup/{secret}").status_code == 200


def test_making_a_link_needs_a_session_and_the_csrf_token(
    app: ConsoleASGI, browser: Browser, store: MemoryStore, directory_id: str,
) -> None:
    """Signed out the form redirects to sign-in; with a wrong CSRF token it is refused; no link is made."""
    assert Browser(app).post(f"/admin/directories/{directory_id}/setup-link", {"expires": "1d"}).status_code == 303
    assert browser.post(f"/admin/directories/{directory_id}/setup-link",
                        {"csrf": "forged", "expires": "1d"}).status_code == 403
    assert store.list_setup_links(directory_id) == []


def test_a_lifetime_outside_the_bounds_is_refused_by_the_console(browser: Browser, directory_id: str) -> None:
    """The console refuses a lifetime beyond 30 days with the reason."""
    csrf = browser.csrf(browser.get(f"/admin/directories/{directory_id}"))
    refused = browser.post(f"/admin/directories/{directory_id}/setup-link", {"csrf": csrf, "expires": "90d"})
    assert refused.status_code == 400 and "between 5 minutes and 30 days" in refused.text
