"""The admin console over HTTP: sign-in, sessions, CSRF, the directory pages and their forms."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("jinja2")

from scimcore.adapters.recorder import FlightRecorder  # noqa: E402
from scimcore.auth import hash_password  # noqa: E402
from scimcore.console import ConsoleASGI  # noqa: E402
from scimcore.console.sessions import MAX_FAILURES  # noqa: E402
from scimcore.store.memory import MemoryStore  # noqa: E402
from scimcore.store.ports import AdminAccount  # noqa: E402
from scimcore.transport import ScimRequest, ScimResponse  # noqa: E402
from tests.console.support import PASSWORD, Browser  # noqa: E402


def test_pages_need_a_session(app: ConsoleASGI) -> None:
    """Without a session every page redirects to sign-in, and no form is accepted."""
    anonymous = Browser(app)
    assert anonymous.get("/admin/").status_code == 303
    assert anonymous.get("/admin/").headers["location"] == "/admin/login"
    assert anonymous.post("/admin/directories", {"name": "x"}).status_code == 303


def test_a_wrong_password_or_name_is_refused_alike(app: ConsoleASGI) -> None:
    """A wrong password and an unknown name get the same 401 and no session cookie."""
    for name, password in (("ops", "wrong password 123"), ("nobody", PASSWORD)):
        browser = Browser(app)
        answer = browser.sign_in(name, password)
        assert answer.status_code == 401 and "Wrong name or password." in answer.text
        assert "scimcore_session" not in browser.cookies


def test_sign_in_needs_the_form_s_csrf_token(app: ConsoleASGI) -> None:
    """A sign-in POST without the token of the sign-in page is refused."""
    browser = Browser(app)
    browser.get("/admin/login")
    answer = browser.post("/admin/login", {"csrf": "forged", "name": "ops", "password": PASSWORD})
    assert answer.status_code == 401 and "scimcore_session" not in browser.cookies


def test_the_session_cookie_is_httponly_strict_and_scoped(app: ConsoleASGI) -> None:
    """The session cookie is HttpOnly, SameSite=Strict, Path=/admin, and Secure under https."""
    answer = Browser(app, scheme="https").sign_in()
    session = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("scimcore_session="))
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/admin", "Secure"):
        assert attribute in session
    plain = next(c for c in Browser(app).sign_in().headers.get_list("set-cookie") if c.startswith("scimcore_session="))
    assert "Secure" not in plain


def test_every_page_carries_the_security_headers(browser: Browser) -> None:
    """No caching, a CSP with no script, no framing, no referrer."""
    page = browser.get("/admin/")
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["referrer-policy"] == "no-referrer"


def test_a_form_without_its_csrf_token_is_refused(browser: Browser, store: MemoryStore) -> None:
    """A POST whose token is missing or forged is 403 and changes nothing."""
    assert browser.post("/admin/directories", {"name": "Acme"}).status_code == 403
    assert browser.post("/admin/directories", {"name": "Acme", "csrf": "x" * 43}).status_code == 403
    assert store.list_directories() == []


def test_a_new_directory_s_token_is_shown_once(browser: Browser, store: MemoryStore) -> None:
    """Creating a directory shows its token and Tenant URL; the directory's page never shows the token again."""
    csrf = browser.csrf(browser.get("/admin/"))
    made = browser.post("/admin/directories", {"csrf": csrf, "name": "Acme", "provider": "entra"})
    assert made.status_code == 201
    token = re.search(r'<code class="token">([^<]+)</code>', made.text)
    assert token is not None and len(token.group(1)) >= 43
    [directory] = store.list_directories()
    assert f"https://scim.example.com/scim/v2/{directory.id}?aadOptscim062020" in made.text
    again = browser.get(f"/admin/directories/{directory.id}")
    assert again.status_code == 200 and token.group(1) not in again.text


def test_pause_resume_rename_and_rotate(browser: Browser, store: MemoryStore) -> None:
    """The directory's forms pause and resume it, rename it and issue a new token (shown once)."""
    csrf = browser.csrf(browser.get("/admin/"))
    browser.post("/admin/directories", {"csrf": csrf, "name": "Acme"})
    [directory] = store.list_directories()
    path = f"/admin/directories/{directory.id}"
    assert browser.post(f"{path}/pause", {"csrf": csrf}).status_code == 303
    assert store.get_directory(directory.id).active is False  # type: ignore[union-attr]
    browser.post(f"{path}/resume", {"csrf": csrf})
    assert store.get_directory(directory.id).active is True  # type: ignore[union-attr]
    browser.post(f"{path}/rename", {"csrf": csrf, "name": "Acme Corp"})
    assert store.get_directory(directory.id).name == "Acme Corp"  # type: ignore[union-attr]
    rotated = browser.post(f"{path}/rotate", {"csrf": csrf})
    assert rotated.status_code == 200 and '<code class="token">' in rotated.text


def test_delete_needs_the_directory_s_name(browser: Browser, store: MemoryStore) -> None:
    """Deleting asks for the directory's name; with it the directory is gone."""
    csrf = browser.csrf(browser.get("/admin/"))
    browser.post("/admin/directories", {"csrf": csrf, "name": "Acme"})
    [directory] = store.list_directories()
    path = f"/admin/directories/{directory.id}/delete"
    assert browser.post(path, {"csrf": csrf, "confirm": "acme"}).status_code == 400
    assert store.get_directory(directory.id) is not None
    assert browser.post(path, {"csrf": csrf, "confirm": "Acme"}).status_code == 303
    assert store.get_directory(directory.id) is None


def test_recorded_requests_are_shown_escaped(browser: Browser, store: MemoryStore) -> None:
    """The flight recorder's requests appear on the directory's page, their text escaped."""
    csrf = browser.csrf(browser.get("/admin/"))
    browser.post("/admin/directories", {"csrf": csrf, "name": "Acme"})
    [directory] = store.list_directories()
    recorder = FlightRecorder(store)
    body = b'{"userName": "<script>alert(1)</script>", "password": "hunter2hunter2"}'
    recorder.observe(ScimRequest("POST", "/Users", body=body, directory=directory.id), ScimResponse(201), 3.0)
    recorder.flush()
    page = browser.get(f"/admin/directories/{directory.id}")
    assert "&lt;script&gt;" in page.text and "<script>" not in page.text and "hunter2" not in page.text


def test_a_changed_password_ends_the_session(browser: Browser, store: MemoryStore) -> None:
    """Sessions are bound to the password: after it changes, the old cookie no longer signs in."""
    store.save_admin(AdminAccount("ops", hash_password("another long password"), "2026-12-02T00:00:00Z"))
    assert browser.get("/admin/").status_code == 303


def test_sign_out_ends_the_session(browser: Browser) -> None:
    """Signing out clears the cookie."""
    csrf = browser.csrf(browser.get("/admin/"))
    answer = browser.post("/admin/logout", {"csrf": csrf})
    assert answer.status_code == 303 and "Max-Age=0" in answer.headers["set-cookie"]


def test_a_copy_of_the_cookie_opens_nothing_after_sign_out(app: ConsoleASGI, browser: Browser) -> None:
    """Signing out ends the session on the server: a cookie copied before it is refused afterwards."""
    copied = Browser(app)
    copied.cookies.update(browser.cookies)
    assert copied.get("/admin/").status_code == 200
    browser.post("/admin/logout", {"csrf": browser.csrf(browser.get("/admin/"))})
    assert copied.get("/admin/").status_code == 303


def test_signing_out_one_session_keeps_the_others(app: ConsoleASGI, browser: Browser) -> None:
    """Another sign-in of the same admin stays valid when one session signs out."""
    other = Browser(app)
    other.sign_in()
    browser.post("/admin/logout", {"csrf": browser.csrf(browser.get("/admin/"))})
    assert other.get("/admin/").status_code == 200


def test_repeated_failures_lock_the_name_out(app: ConsoleASGI) -> None:
    """After MAX_FAILURES wrong passwords even the right one is refused for a while."""
    browser = Browser(app)
    for _ in range(MAX_FAILURES):
        browser.sign_in("ops", "wrong password 123")
    answer = browser.sign_in("ops", PASSWORD)
    assert answer.status_code == 401 and "Too many failed sign-ins" in answer.text


def test_the_console_refuses_a_short_secret(store: MemoryStore) -> None:
    """A session secret under 32 bytes is a configuration error."""
    with pytest.raises(ValueError, match="32 bytes"):
        ConsoleASGI(store, secret=b"short", scim_base="https://x/scim/v2")


def test_the_stylesheet_is_served_without_a_session(app: ConsoleASGI) -> None:
    """The sign-in page's stylesheet loads before sign-in."""
    answer = Browser(app).get("/admin/console.css")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")


def test_waiting_and_dead_events_are_listed(browser: Browser, store: MemoryStore) -> None:
    """The directory's page lists its webhook events still waiting and those given up on, no others."""
    from scimcore.events import Event
    from scimcore.testing.documents import USER, user_doc

    csrf = browser.csrf(browser.get("/admin/"))
    browser.post("/admin/directories", {"csrf": csrf, "name": "Acme", "webhook_url": "http://127.0.0.1:9/hook"})
    [directory] = store.list_directories()
    for n in range(3):
        event = Event(id=f"e{n}", type="user.created", directory_id=directory.id,
                      occurred_at="2026-12-01T00:00:00Z", data={}, resource_key=f"u{n}")
        store.create(USER, user_doc(f"u{n}", f"user{n}"), directory=directory.id, events=[event])
    claimed = store.claim_events(2_000_000_000.0, 2, 30.0)
    store.mark_failed(claimed[0].seq, "HTTP 500", None)
    store.mark_delivered(claimed[1].seq)
    page = browser.get(f"/admin/directories/{directory.id}").text
    assert page.count("<td>user.created</td>") == 2
    assert "<td>dead</td>" in page and "<td>pending</td>" in page and "<td>delivered</td>" not in page


def _directory_with_people(browser: Browser, store: MemoryStore) -> str:
    from scimcore.testing.documents import GROUP, USER, group_doc, user_doc

    csrf = browser.csrf(browser.get("/admin/"))
    browser.post("/admin/directories", {"csrf": csrf, "name": "Acme"})
    [directory] = store.list_directories()
    for n, name in enumerate(["alice@acme.example", "bob@acme.example", 'quote"d@acme.example']):
        store.create(USER, user_doc(f"u{n}", name), directory=directory.id)
    store.create(GROUP, group_doc("g1", "Engineering", ["u0", "u1"]), directory=directory.id)
    return directory.id


def test_a_directory_s_users_are_listed_and_searched(browser: Browser, store: MemoryStore) -> None:
    """The users page lists a directory's users; the search finds by part of userName, quotes included."""
    directory_id = _directory_with_people(browser, store)
    everyone = browser.get(f"/admin/directories/{directory_id}/users").text
    assert "3 users." in everyone and "alice@acme.example" in everyone
    found = browser.get(f"/admin/directories/{directory_id}/users?q=BOB").text
    assert "1 users matching." in found and "bob@acme.example" in found and "alice" not in found
    quoted = browser.get(f"/admin/directories/{directory_id}/users?q=" + 'e"d').text
    assert "quote&#34;d@acme.example" in quoted


def test_a_group_page_lists_its_members(browser: Browser, store: MemoryStore) -> None:
    """The groups page links to each group; a group's page lists its members."""
    directory_id = _directory_with_people(browser, store)
    groups = browser.get(f"/admin/directories/{directory_id}/groups").text
    assert "Engineering" in groups
    members = browser.get(f"/admin/directories/{directory_id}/groups/g1").text
    assert "2 members." in members and "u0" in members and "u1" in members
    assert browser.get(f"/admin/directories/{directory_id}/groups/nope").status_code == 404


def test_another_directory_s_group_is_not_shown_through_this_one(browser: Browser, store: MemoryStore) -> None:
    """A group id of one directory is a 404 under another directory's pages."""
    directory_id = _directory_with_people(browser, store)
    csrf = browser.csrf(browser.get("/admin/"))
    browser.post("/admin/directories", {"csrf": csrf, "name": "Other"})
    other = next(d.id for d in store.list_directories() if d.id != directory_id)
    assert browser.get(f"/admin/directories/{other}/groups/g1").status_code == 404


def test_a_dead_event_is_delivered_again_on_request(browser: Browser, store: MemoryStore) -> None:
    """"Deliver again" makes a dead event pending; a made-up or another directory's event is a 404."""
    from scimcore.events import Event
    from scimcore.testing.documents import USER, user_doc

    csrf = browser.csrf(browser.get("/admin/"))
    browser.post("/admin/directories", {"csrf": csrf, "name": "Acme", "webhook_url": "http://127.0.0.1:9/hook"})
    [directory] = store.list_directories()
    event = Event(id="e1", type="user.created", directory_id=directory.id, occurred_at="2026-12-01T00:00:00Z",
                  data={}, resource_key="u1")
    store.create(USER, user_doc("u1", "a"), directory=directory.id, events=[event])
    [claimed] = store.claim_events(2_000_000_000.0, 1, 30.0)
    store.mark_failed(claimed.seq, "HTTP 500", None)
    page = browser.get(f"/admin/directories/{directory.id}")
    assert "Deliver again" in page.text
    path = f"/admin/directories/{directory.id}/events/{claimed.seq}/retry"
    assert browser.post(path, {"csrf": browser.csrf(page)}).status_code == 303
    assert [s.status for s in store.list_events(directory.id)] == ["pending"]
    assert browser.post(f"/admin/directories/{directory.id}/events/999/retry", {"csrf": csrf}).status_code == 404
    assert browser.post(path, {"csrf": "forged"}).status_code == 403
