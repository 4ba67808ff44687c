"""Every console route refuses a visitor without a session, and every setup route a visitor without a link."""

from __future__ import annotations

import pytest

from scimcore.console import ConsoleASGI
from scimcore.directories import DirectoryManager
from scimcore.setup_links import SetupLinkManager
from scimcore.store.memory import MemoryStore
from tests.console.support import Browser

GET_ROUTES = ["/admin", "/admin/", "/admin/directories/{d}", "/admin/directories/{d}/users",
              "/admin/directories/{d}/groups", "/admin/directories/{d}/groups/g1", "/admin/directories/{d}/events"]
POST_ROUTES = ["/admin/directories", "/admin/logout", "/admin/directories/{d}/rotate", "/admin/directories/{d}/pause",
               "/admin/directories/{d}/resume", "/admin/directories/{d}/rename", "/admin/directories/{d}/delete",
               "/admin/directories/{d}/webhook", "/admin/directories/{d}/webhook-secret",
               "/admin/directories/{d}/webhook/test", "/admin/directories/{d}/setup-link",
               "/admin/directories/{d}/setup-links/{link}/revoke", "/admin/directories/{d}/events/1/retry"]


@pytest.fixture
def made(store: MemoryStore) -> dict[str, str]:
    directory, _ = DirectoryManager(store).create("Acme", webhook_url="https://hooks.example.com/x")
    link, _ = SetupLinkManager(store).create(directory.id)
    return {"d": directory.id, "link": link.id}


@pytest.mark.parametrize("route", GET_ROUTES)
def test_every_page_sends_a_visitor_without_a_session_to_sign_in(
    app: ConsoleASGI, made: dict[str, str], route: str,
) -> None:
    """A GET without a session is redirected to the sign-in page."""
    answer = Browser(app).get(route.format(**made))
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/login"


@pytest.mark.parametrize("route", POST_ROUTES)
def test_every_form_refuses_a_visitor_without_a_session(
    app: ConsoleASGI, store: MemoryStore, made: dict[str, str], route: str,
) -> None:
    """A POST without a session changes nothing and is redirected to the sign-in page."""
    before = (store.list_directories(), store.list_setup_links(made["d"]))
    answer = Browser(app).post(route.format(**made), {"name": "x", "confirm": "Acme", "webhook_url": ""})
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/login"
    assert (store.list_directories(), store.list_setup_links(made["d"])) == before


@pytest.mark.parametrize("route", POST_ROUTES)
def test_every_form_refuses_a_forged_csrf_token(
    browser: Browser, store: MemoryStore, made: dict[str, str], route: str,
) -> None:
    """A signed-in POST with a wrong CSRF token is refused with 403 and changes nothing."""
    before = (store.list_directories(), store.list_setup_links(made["d"]))
    answer = browser.post(route.format(**made), {"csrf": "forged", "name": "x", "confirm": "Acme"})
    assert answer.status_code == 403
    assert (store.list_directories(), store.list_setup_links(made["d"])) == before


@pytest.mark.parametrize(("method", "route"), [
    ("GET", "/setup/"), ("GET", "/setup/x/y"), ("POST", "/setup/x"), ("GET", "/setup/x/token"),
    ("POST", "/setup/unknown/token"), ("PUT", "/setup/unknown"),
])
def test_setup_routes_without_a_live_link_answer_404(app: ConsoleASGI, made: dict[str, str], method: str,
                                                     route: str) -> None:
    """Anything under /setup/ but a live link's page and its reveal form is a 404 naming no directory."""
    answer = Browser(app).request(method, route, {"csrf": "x"} if method == "POST" else None)
    assert answer.status_code == 404 and made["d"] not in answer.text and "Acme" not in answer.text
