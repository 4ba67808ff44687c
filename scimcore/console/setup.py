"""The setup-link pages: where a customer's IT admin connects an identity provider to one directory (ASGI).

``GET /setup/<secret>`` shows, for a live link (:mod:`scimcore.setup_links`), the directory's SCIM endpoint
and Entra Tenant URL, the steps for Microsoft Entra ID, Okta, OneLogin and JumpCloud, and the connection's
live status: the last request the directory received, the last error it answered, and how many users and
groups it holds.  ``POST /setup/<secret>/token`` reveals a new Secret Token once.  English, or Chinese with
``?lang=zh`` (or a browser asking for ``zh`` first).

The secret in the path is the only credential: no session, no cookie.  The reveal form carries a CSRF token
derived from the link's digest under the console's secret.  An unknown link answers 404 and an expired or
revoked one 410, both without any of the directory's details; answers carry the console's security headers
(``Referrer-Policy: no-referrer`` among them, so the address never leaks to the vendors' pages it links to).

Owns: these pages.  Must not: make, store or revoke links (:class:`~scimcore.setup_links.SetupLinkManager`
does) or serve the admin console.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Any

from scimcore.console.http import Answer, Receive, Scope, Send, header, read_form, send_answer
from scimcore.directories import entra_tenant_url
from scimcore.reader import DirectoryReader
from scimcore.setup_links import SETUP_PATH, LinkGone, LinkNotFound, SetupLinkManager
from scimcore.store.ports import Recorder, SetupLink

LANGUAGES = ("en", "zh")


def _language(scope: Scope) -> str:
    """``zh`` for ``?lang=zh`` or a browser preferring Chinese, else ``en``."""
    query = scope.get("query_string", b"").decode("latin-1")
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "lang" and value in LANGUAGES:
            return str(value)
    preferred = header(scope, b"accept-language").split(",")[0].strip().lower()
    return "zh" if preferred.startswith("zh") else "en"


class SetupPages:
    """The setup-link pages of ``store``, rendered with the console's ``templates``.

    ``root`` is the public URL of the server (``https://scim.example.com``); ``scim_base`` the public URL of
    the SCIM root; ``stylesheet`` the console's stylesheet path.
    """

    def __init__(self, store: Any, *, templates: Any, secret: bytes, scim_base: str, stylesheet: str) -> None:
        self.store = store
        self.links = SetupLinkManager(store)
        self.templates = templates
        self.secret = secret
        self.scim_base = scim_base.rstrip("/")
        self.stylesheet = stylesheet

    @staticmethod
    def handles(path: str) -> bool:
        """Whether ``path`` is a setup page's."""
        return path.startswith(SETUP_PATH + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request of a setup page."""
        try:
            await self._route(scope, receive)
        except Answer as answer:
            await send_answer(send, answer)

    async def _route(self, scope: Scope, receive: Receive) -> None:
        lang = _language(scope)
        parts = scope["path"][len(SETUP_PATH) + 1:].split("/")
        method = scope.get("method", "GET")
        if len(parts) == 1 and method == "GET":
            raise Answer(200, await asyncio.to_thread(self._page, parts[0], lang, None, ""))
        if len(parts) == 2 and parts[1] == "token" and method == "POST":
            form = await read_form(receive)
            raise Answer(200, await asyncio.to_thread(self._reveal, parts[0], lang, form.get("csrf", "")))
        raise Answer(404, self._gone(lang, "missing"))

    def csrf_for(self, link: SetupLink) -> str:
        """The reveal form's CSRF token for ``link``."""
        return hmac.new(self.secret, b"setup:" + link.digest.encode("ascii"), hashlib.sha256).hexdigest()

    def _open(self, secret: str, lang: str) -> SetupLink:
        try:
            return self.links.open(secret)
        except LinkNotFound:
            raise Answer(404, self._gone(lang, "missing")) from None
        except LinkGone as gone:
            raise Answer(410, self._gone(lang, gone.reason)) from None

    def _reveal(self, secret: str, lang: str, csrf: str) -> str:
        link = self._open(secret, lang)
        if not hmac.compare_digest(csrf, self.csrf_for(link)):
            raise Answer(403, self._gone(lang, "csrf"))
        token = self.links.reveal_token(secret)
        return self._page(secret, lang, token, "" if token else "revealed")

    def _page(self, secret: str, lang: str, token: str | None, notice: str) -> str:
        link = self._open(secret, lang)
        directory = self.store.get_directory(link.directory)
        scim_url = f"{self.scim_base}/{directory.id}"
        path = f"{SETUP_PATH}/{secret}"
        return str(self.templates.get_template(f"setup_{lang}.html").render(
            lang=lang, stylesheet=self.stylesheet, directory=directory.public(), scim_url=scim_url,
            tenant_url=entra_tenant_url(scim_url), token=token, notice=notice, link=link,
            csrf=self.csrf_for(link), action=f"{path}/token?lang={lang}", page=path,
            other=(f"{path}?lang=zh", "中文") if lang == "en" else (f"{path}?lang=en", "English"),
            status=self._status(link.directory),
        ))

    def _status(self, directory_id: str) -> dict[str, Any]:
        """What the directory received: the last request, the last error, and its users and groups."""
        reader = DirectoryReader(self.store, directory_id)
        status: dict[str, Any] = {
            "recording": isinstance(self.store, Recorder), "last": None, "error": None,
            "users": reader.users(count=0).total, "groups": reader.groups(count=0).total,
        }
        if isinstance(self.store, Recorder):
            recent = self.store.recorded_requests(directory_id, limit=100)
            status["last"] = recent[-1] if recent else None
            status["error"] = next((r for r in reversed(recent) if r.status >= 400), None)
        return status

    def _gone(self, lang: str, reason: str) -> str:
        page = self.templates.get_template("setup_gone.html").render(lang=lang, reason=reason,
                                                                     stylesheet=self.stylesheet)
        return str(page)
