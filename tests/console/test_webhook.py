"""The console's webhook settings: the URL, a signing secret shown once, and a test event sent now."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from scimcore.console import ConsoleASGI
from scimcore.directories import DirectoryManager
from scimcore.store.memory import MemoryStore
from scimcore.webhooks import SIGNATURE_HEADER, verify
from tests.console.support import Browser


class Receiver:
    """A local webhook receiver answering ``status`` and keeping what it received."""

    def __init__(self) -> None:
        self.status = 202
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def directory_id(store: MemoryStore) -> str:
    return DirectoryManager(store).create("Initech")[0].id


def _secret_shown(text: str) -> str | None:
    found = re.search(r'class="webhook-secret">([^<]+)<', text)
    return found.group(1) if found else None


def _save(browser: Browser, directory_id: str, url: str) -> Any:
    csrf = browser.csrf(browser.get(f"/admin/directories/{directory_id}"))
    return browser.post(f"/admin/directories/{directory_id}/webhook", {"csrf": csrf, "webhook_url": url})


def test_a_new_webhook_gets_a_signing_secret_shown_once(
    browser: Browser, store: MemoryStore, directory_id: str, receiver: Receiver,
) -> None:
    """Saving a first URL makes a secret, shown in that answer and never again."""
    saved = _save(browser, directory_id, receiver.url)
    secret = _secret_shown(saved.text)
    assert saved.status_code == 200 and secret
    assert store.get_directory(directory_id).webhook_secret == secret
    assert secret not in browser.get(f"/admin/directories/{directory_id}").text


def test_the_test_event_is_signed_and_reaches_the_receiver(
    browser: Browser, directory_id: str, receiver: Receiver,
) -> None:
    """"Send a test event" POSTs a signed webhook.test event and shows the receiver's status."""
    secret = _secret_shown(_save(browser, directory_id, receiver.url).text)
    csrf = browser.csrf(browser.get(f"/admin/directories/{directory_id}"))
    answer = browser.post(f"/admin/directories/{directory_id}/webhook/test", {"csrf": csrf})
    assert answer.status_code == 200 and "the webhook answered 202" in answer.text
    [(headers, body)] = receiver.received
    assert secret is not None
    verify(secret, headers[SIGNATURE_HEADER.lower()], body)
    event = json.loads(body)
    assert event["type"] == "webhook.test" and event["directory_id"] == directory_id
    assert headers["scimcore-event-type"] == "webhook.test"


def test_a_failing_receiver_is_reported(browser: Browser, directory_id: str, receiver: Receiver) -> None:
    """A receiver answering 500 makes the console answer 502 naming the status."""
    _save(browser, directory_id, receiver.url)
    receiver.status = 500
    csrf = browser.csrf(browser.get(f"/admin/directories/{directory_id}"))
    answer = browser.post(f"/admin/directories/{directory_id}/webhook/test", {"csrf": csrf})
    assert answer.status_code == 502 and "the webhook answered 500" in answer.text


def test_a_private_address_is_refused_by_default(store: MemoryStore, directory_id: str) -> None:
    """Without the private-webhook opt-in a loopback URL is refused with the rule's reason."""
    from tests.console.support import SECRET

    strict = Browser(ConsoleASGI(store, secret=SECRET, scim_base="https://scim.example.com/scim/v2",
                                 allow_private_webhooks=False))
    strict.sign_in()
    refused = _save(strict, directory_id, "http://127.0.0.1:9/hook")
    assert refused.status_code == 400 and store.get_directory(directory_id).webhook_url is None


def test_a_new_secret_replaces_the_old_one(browser: Browser, store: MemoryStore, directory_id: str,
                                           receiver: Receiver) -> None:
    """"Sign with a new secret" shows a new secret once and signs with it from then on."""
    first = _secret_shown(_save(browser, directory_id, receiver.url).text)
    csrf = browser.csrf(browser.get(f"/admin/directories/{directory_id}"))
    second = _secret_shown(browser.post(f"/admin/directories/{directory_id}/webhook-secret", {"csrf": csrf}).text)
    assert second and second != first and store.get_directory(directory_id).webhook_secret == second


def test_an_empty_url_removes_the_webhook(browser: Browser, store: MemoryStore, directory_id: str,
                                          receiver: Receiver) -> None:
    """Saving an empty URL removes the webhook and its secret."""
    _save(browser, directory_id, receiver.url)
    _save(browser, directory_id, "")
    directory = store.get_directory(directory_id)
    assert directory.webhook_url is None and directory.webhook_secret is None


def test_the_test_event_needs_a_session_and_the_csrf_token(
    app: ConsoleASGI, browser: Browser, directory_id: str, receiver: Receiver,
) -> None:
    """Signed out or with a forged CSRF token, nothing is sent."""
    _save(browser, directory_id, receiver.url)
    assert Browser(app).post(f"/admin/directories/{directory_id}/webhook/test", {}).status_code == 303
    assert browser.post(f"/admin/directories/{directory_id}/webhook/test", {"csrf": "x"}).status_code == 403
    assert receiver.received == []


def test_the_test_event_of_an_unknown_directory_is_a_404(browser: Browser) -> None:
    """A test event names an existing directory."""
    csrf = browser.csrf(browser.get("/admin/"))
    assert browser.post("/admin/directories/nope/webhook/test", {"csrf": csrf}).status_code == 404


def test_a_directory_created_with_a_webhook_shows_its_secret_once(
    browser: Browser, store: MemoryStore, receiver: Receiver,
) -> None:
    """Creating a directory with a webhook URL shows the generated signing secret in that answer."""
    csrf = browser.csrf(browser.get("/admin/"))
    made = browser.post("/admin/directories", {"csrf": csrf, "name": "Hooli", "webhook_url": receiver.url})
    [directory] = [d for d in store.list_directories() if d.name == "Hooli"]
    assert made.status_code == 201 and _secret_shown(made.text) == directory.webhook_secret
