"""What the console's tests share: an in-process browser keeping cookies, a store with an admin, the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("jinja2")

from scimcore.auth import hash_password  # noqa: E402
from scimcore.console import ConsoleASGI  # noqa: E402
from scimcore.store.memory import MemoryStore  # noqa: E402
from scimcore.store.ports import AdminAccount  # noqa: E402
from tests.console.support import PASSWORD, SECRET, Browser  # noqa: E402


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.save_admin(AdminAccount("ops", hash_password(PASSWORD), "2026-12-01T00:00:00Z"))
    return store


@pytest.fixture
def app(store: MemoryStore) -> ConsoleASGI:
    return ConsoleASGI(store, secret=SECRET, scim_base="https://scim.example.com/scim/v2",
                       allow_private_webhooks=True)


@pytest.fixture
def browser(app: ConsoleASGI) -> Iterator[Browser]:
    browser = Browser(app)
    assert browser.sign_in().status_code == 303
    yield browser
