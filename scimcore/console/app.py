"""The admin console: server-rendered pages under ``/admin`` for the directories of a store (ASGI).

Pages: sign-in; the directories, with a form to create one; a directory — its SCIM and Entra Tenant URLs,
rename, pause and resume, a new token (shown once), delete after typing its name, its events waiting for
delivery or given up on (a dead one delivered again on request), and the flight recorder's latest requests;
its users and groups, searched by name, and a group's members.  Jinja2 templates with autoescaping, one
stylesheet, no JavaScript.

Every page but sign-in needs a session (:mod:`scimcore.console.sessions`); every form is a POST with a CSRF
token; the session cookie is ``HttpOnly``, ``SameSite=Strict``, ``Path=/admin`` and ``Secure`` when the
request came over https (or ``secure_cookies=True``).  Answers carry ``Cache-Control: no-store``, a
``Content-Security-Policy`` allowing only the console's own stylesheet, ``X-Frame-Options: DENY`` and
``Referrer-Policy: no-referrer``.  A token appears once, in the answer to the form that made it, and in no
log.

Owns: the console's routes and forms.  Must not: store anything itself (the directory manager and the
store's ports do) or serve SCIM.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from datetime import UTC, datetime
from importlib import resources
from pathlib import PurePosixPath
from typing import Any, NoReturn
from urllib.parse import parse_qsl, quote

from scimcore.auth import generate_token
from scimcore.console.http import Answer, Receive, Scope, Send, header, read_cookies, read_form, send_answer
from scimcore.console.sessions import LOGIN_COOKIE, SESSION_COOKIE, Session, Sessions
from scimcore.console.setup import SetupPages
from scimcore.directories import PROVIDERS, Directory, DirectoryManager, entra_tenant_url
from scimcore.errors import ScimError
from scimcore.reader import DirectoryReader
from scimcore.setup_links import SETUP_PATH, SetupLinkManager, parse_lifetime
from scimcore.store.port import DEFAULT_DIRECTORY
from scimcore.store.ports import AdminStore, DirectoryStore, EventLog, EventRetry, Recorder, SetupLinks
from scimcore.webhook_post import post_event

PAGE = 50
TEST_EVENT = "webhook.test"
EVENT_STATES = ("pending", "delivered", "dead", "stored")
LIFETIMES = (("1d", "1 day"), ("7d", "7 days"), ("30d", "30 days"))


class ConsoleASGI:
    """The admin console for ``store``, served under ``mount`` (see the module docstring).

    ``scim_base`` is the public URL of the SCIM root (``https://scim.example.com/scim/v2``), shown as each
    directory's endpoint; ``secret`` (32 bytes or more) signs sessions and CSRF tokens.
    """

    def __init__(
        self,
        store: Any,
        *,
        secret: bytes,
        scim_base: str,
        mount: str = "/admin",
        secure_cookies: bool | None = None,
        allow_private_webhooks: bool | None = None,
        public_url: str | None = None,
    ) -> None:
        if not isinstance(store, DirectoryStore) or not isinstance(store, AdminStore):
            raise TypeError("the console needs a store of directories and admin accounts (memory or SQL)")
        import jinja2

        self.store: Any = store  # a Store, DirectoryStore and AdminStore, and an EventLog and Recorder if it has them
        self.sessions = Sessions(store, secret)
        self.manager = DirectoryManager(store, allow_private_webhooks=allow_private_webhooks)
        self.scim_base = scim_base.rstrip("/")
        self.mount = "/" + mount.strip("/")
        self.secure_cookies = secure_cookies
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("scimcore.console", "templates"),
            autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        )
        self.stylesheet = resources.files("scimcore.console").joinpath("static/console.css").read_bytes()
        self.public_url = public_url.rstrip("/") if public_url else None
        self.links = SetupLinkManager(store) if isinstance(store, SetupLinks) else None
        self.setup = SetupPages(store, templates=self.templates, secret=secret, scim_base=self.scim_base,
                                stylesheet=f"{self.mount}/console.css") if self.links else None

    def handles(self, path: str) -> bool:
        """Whether ``path`` is the console's or a setup link's."""
        if self.setup is not None and self.setup.handles(path):
            return True
        return path == self.mount or path.startswith(self.mount + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request of the console."""
        if scope["type"] != "http":
            return
        if self.setup is not None and self.setup.handles(scope["path"]):
            await self.setup(scope, receive, send)
            return
        try:
            await self._route(scope, receive, send)
        except Answer as answer:
            await send_answer(send, answer)

    # -- routing ---------------------------------------------------------------------------------------------
    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "GET")
        below = scope["path"][len(self.mount):] or "/"
        cookies = read_cookies(scope)
        if below == "/console.css" and method == "GET":
            raise Answer(200, self.stylesheet.decode("utf-8"), [(b"content-type", b"text/css; charset=utf-8")])
        if below == "/login":
            await (self._login_post(scope, receive, cookies) if method == "POST" else self._login_page(scope, cookies))
            return
        session = await asyncio.to_thread(self.sessions.read, cookies.get(SESSION_COOKIE))
        if session is None:
            raise Answer(303, "", [(b"location", f"{self.mount}/login".encode())])
        if method == "POST":
            form = await read_form(receive)
            if not self.sessions.csrf_ok(cookies.get(SESSION_COOKIE), form.get("csrf")):
                raise Answer(403, self._page("error.html", session, message="The form has expired: reload the page."))
            parts = PurePosixPath(below).parts
            if len(parts) == 5 and parts[1] == "directories" and parts[3:] == ("webhook", "test"):
                await self._test_webhook(session, parts[2])
            await asyncio.to_thread(self._post, below, form, session, self._root(scope), cookies.get(SESSION_COOKIE))
            return
        if method != "GET":
            raise Answer(405, self._page("error.html", session, message="Use the page's forms."))
        parts = PurePosixPath(below).parts
        if below == "/":
            raise Answer(200, await asyncio.to_thread(self._directories_page, session))
        if len(parts) == 3 and parts[1] == "directories":
            raise Answer(200, await asyncio.to_thread(self._directory_page, session, parts[2]))
        if len(parts) == 4 and parts[1] == "directories" and parts[3] in ("users", "groups"):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            page = await asyncio.to_thread(self._resources_page, session, parts[2], parts[3], query)
            raise Answer(200, page)
        if len(parts) == 4 and parts[1] == "directories" and parts[3] == "events":
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            raise Answer(200, await asyncio.to_thread(self._events_page, session, parts[2], query))
        if len(parts) == 5 and parts[1] == "directories" and parts[3] == "groups":
            raise Answer(200, await asyncio.to_thread(self._group_page, session, parts[2], parts[4]))
        raise Answer(404, self._page("error.html", session, message="No such page."))

    def _root(self, scope: Scope) -> str:
        """The server's public URL: ``public_url``, else the scheme and host the browser used."""
        if self.public_url:
            return self.public_url
        return f"{scope.get('scheme', 'http')}://{header(scope, b'host') or 'localhost'}"

    def _post(self, below: str, form: dict[str, str], session: Session, root: str, cookie: str | None) -> None:
        parts = PurePosixPath(below).parts
        if below == "/logout":
            self.sessions.sign_out(cookie)
            raise Answer(303, "", [(b"location", f"{self.mount}/login".encode()), self._cookie(SESSION_COOKIE, "")])
        if below == "/directories":
            self._create(form, session)
        if len(parts) == 4 and parts[1] == "directories" and parts[3] == "setup-link":
            self._make_link(parts[2], form, session, root)
        if len(parts) == 4 and parts[1] == "directories":
            self._act(parts[2], parts[3], form, session)
        if len(parts) == 6 and parts[1] == "directories" and parts[3] == "setup-links" and parts[5] == "revoke":
            self._revoke_link(parts[2], parts[4], session)
        if len(parts) == 6 and parts[1] == "directories" and parts[3] == "events" and parts[5] == "retry":
            self._retry(parts[2], parts[4], session)
        raise Answer(404, self._page("error.html", session, message="No such form."))

    # -- sign-in ---------------------------------------------------------------------------------------------
    async def _login_page(self, scope: Scope, cookies: dict[str, str], message: str = "") -> NoReturn:
        seed = cookies.get(LOGIN_COOKIE) or _token()
        has_admins = bool(await asyncio.to_thread(self.store.list_admins))
        body = self._page("login.html", None, csrf=self.sessions.csrf_for(seed), message=message,
                          has_admins=has_admins)
        raise Answer(200 if not message else 401, body, [self._cookie(LOGIN_COOKIE, seed, scope)])

    async def _login_post(self, scope: Scope, receive: Receive, cookies: dict[str, str]) -> None:
        form = await read_form(receive)
        if not self.sessions.csrf_ok(cookies.get(LOGIN_COOKIE), form.get("csrf")):
            await self._login_page(scope, {}, "The sign-in form expired: try again.")
        name = form.get("name", "")
        cookie = await asyncio.to_thread(self.sessions.sign_in, name, form.get("password", ""))
        if cookie is None:
            locked = self.sessions.locked_out(name)
            await self._login_page(scope, cookies, "Too many failed sign-ins: wait 15 minutes." if locked
                                   else "Wrong name or password.")
        raise Answer(303, "", [(b"location", f"{self.mount}/".encode()), self._cookie(SESSION_COOKIE, cookie, scope),
                                self._cookie(LOGIN_COOKIE, "", scope)])

    # -- pages -----------------------------------------------------------------------------------------------
    def _directories_page(self, session: Session, message: str = "") -> str:
        directories = [d for d in self.manager.list() if d.id != DEFAULT_DIRECTORY]
        return self._page("directories.html", session, directories=directories, providers=PROVIDERS,
                          message=message)

    def _directory_page(self, session: Session, directory_id: str, **extra: Any) -> str:
        directory = self._directory(session, directory_id)
        events = []  # the events that need an operator: waiting for delivery, then given up on (bounded)
        if isinstance(self.store, EventLog):
            for status in ("pending", "dead"):
                events += self.store.list_events(directory.id, limit=20, status=status)
        recorded = list(reversed(self.store.recorded_requests(directory.id, limit=20))) \
            if isinstance(self.store, Recorder) else []
        scim_url = f"{self.scim_base}/{directory.id}"
        links = self.links.list(directory.id) if self.links is not None else None
        return self._page("directory.html", session, directory=directory.public(), scim_url=scim_url,
                          tenant_url=entra_tenant_url(scim_url), events=events, recorded=recorded, links=links,
                          lifetimes=LIFETIMES, **extra)

    def _directory(self, session: Session, directory_id: str) -> Directory:
        """The directory, or the console's 404 page."""
        try:
            return self.manager.get(directory_id)
        except KeyError:
            raise Answer(404, self._page("error.html", session, message="No such directory.")) from None

    def _resources_page(self, session: Session, directory_id: str, kind: str, query: dict[str, str]) -> str:
        """A directory's users or groups, 50 a page, searched by ``userName`` / ``displayName`` (``co``)."""
        directory = self._directory(session, directory_id)
        reader = DirectoryReader(self.store, directory.id)
        search = query.get("q", "").strip()[:200]
        try:
            start = max(1, int(query.get("start", "1")))
        except ValueError:
            start = 1
        attribute = "userName" if kind == "users" else "displayName"
        escaped = search.replace("\\", "\\\\").replace('"', '\\"')
        text = f'{attribute} co "{escaped}"' if search else None
        try:
            page = reader.users(text, start=start, count=PAGE) if kind == "users" else \
                reader.groups(text, start=start, count=PAGE)
        except ScimError as exc:
            page, message = None, exc.detail
        else:
            message = ""
        return self._page("resources.html", session, directory=directory.public(), kind=kind, search=search,
                          start=start, page=page, size=PAGE, message=message)

    def _events_page(self, session: Session, directory_id: str, query: dict[str, str]) -> str:
        """The directory's event log, 50 a page from sequence number ``since``, optionally of one status."""
        directory = self._directory(session, directory_id)
        if not isinstance(self.store, EventLog):
            raise Answer(404, self._page("error.html", session, message="This store keeps no event log."))
        since = int(query["since"]) if query.get("since", "").isdigit() else 0
        status = query.get("status") if query.get("status") in EVENT_STATES else None
        events = self.store.list_events(directory.id, since=since, limit=PAGE + 1, status=status)
        more = len(events) > PAGE
        return self._page("events.html", session, directory=directory.public(), events=events[:PAGE],
                          status=status or "", states=EVENT_STATES, since=since,
                          next_since=events[PAGE - 1].seq if more else None)

    def _group_page(self, session: Session, directory_id: str, group_id: str) -> str:
        """One group of a directory with its members."""
        directory = self._directory(session, directory_id)
        group = DirectoryReader(self.store, directory.id).group(group_id)
        if group is None:
            raise Answer(404, self._page("error.html", session, message="No such group."))
        return self._page("group.html", session, directory=directory.public(), group=group)

    # -- forms -----------------------------------------------------------------------------------------------
    def _create(self, form: dict[str, str], session: Session) -> None:
        name = form.get("name", "").strip()
        provider = form.get("provider", "generic")
        webhook = form.get("webhook_url", "").strip() or None
        if not name:
            raise Answer(400, self._directories_page(session, "A directory needs a name."))
        try:
            directory, token = self.manager.create(name, provider=provider, webhook_url=webhook)
        except ValueError as exc:
            raise Answer(400, self._directories_page(session, str(exc))) from None
        raise Answer(201, self._directory_page(session, directory.id, token=token, message="Directory created.",
                                               webhook_secret=directory.webhook_secret))

    def _webhook(self, directory: Directory, action: str, form: dict[str, str], session: Session) -> NoReturn:
        """Set or remove the webhook URL, or sign with a new secret; a new secret is shown this once."""
        if action == "webhook-secret":
            if not directory.webhook_url:
                raise Answer(400, self._directory_page(session, directory.id, message="Set a webhook URL first."))
            rotated = generate_token()
            self.manager.update(directory.id, webhook_secret=rotated)
            raise Answer(200, self._directory_page(session, directory.id, webhook_secret=rotated,
                                                   message="Deliveries are signed with the new secret from now on."))
        url = form.get("webhook_url", "").strip()
        if not url:
            self.manager.update(directory.id, webhook_url=None, webhook_secret=None)
            raise Answer(200, self._directory_page(session, directory.id, message="The webhook was removed."))
        secret = None if directory.webhook_secret else generate_token()
        try:
            self.manager.update(directory.id, webhook_url=url, **({"webhook_secret": secret} if secret else {}))
        except ValueError as exc:
            raise Answer(400, self._directory_page(session, directory.id, message=str(exc))) from None
        raise Answer(200, self._directory_page(session, directory.id, webhook_secret=secret,
                                               message="The webhook URL was saved."))

    async def _test_webhook(self, session: Session, directory_id: str) -> NoReturn:
        """POST a ``webhook.test`` event to the directory's webhook now and show what the receiver answered."""
        import httpx

        directory = await asyncio.to_thread(self._directory, session, directory_id)
        payload = {"id": uuid.uuid4().hex, "type": TEST_EVENT, "directory_id": directory.id,
                   "tenant": directory.tenant, "product": directory.product,
                   "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                   "data": {"message": "A test event sent from the scimcore console."}}
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as client:
            attempt = await post_event(client, directory, payload, allow_private=self.manager.allow_private_webhooks)
        took = (time.perf_counter() - started) * 1000
        outcome = f"answered {attempt.status}" if attempt.status is not None else f"failed: {attempt.error}"
        message = f"Test event {payload['id']}: the webhook {outcome} ({took:.0f} ms)."
        page = await asyncio.to_thread(self._directory_page, session, directory.id, message=message)
        raise Answer(200 if attempt.delivered else 502, page)

    def _act(self, directory_id: str, action: str, form: dict[str, str], session: Session) -> None:
        directory = self._directory(session, directory_id)
        if action == "rotate":
            token = self.manager.rotate_token(directory.id)
            raise Answer(200, self._directory_page(session, directory.id, token=token,
                                                    message="A new token was issued; the old ones still work."))
        if action in ("webhook", "webhook-secret"):
            self._webhook(directory, action, form, session)
        if action in ("pause", "resume"):
            self.manager.set_active(directory.id, action == "resume")
        elif action == "rename" and form.get("name", "").strip():
            self.manager.update(directory.id, name=form["name"].strip())
        elif action == "delete":
            if form.get("confirm", "") != directory.name:
                raise Answer(400, self._directory_page(session, directory.id,
                                                        message="Type the directory's name to delete it."))
            self.manager.delete(directory.id)
            raise Answer(303, "", [(b"location", f"{self.mount}/".encode())])
        else:
            raise Answer(400, self._directory_page(session, directory.id, message="Nothing to do."))
        location = f"{self.mount}/directories/{quote(directory.id, safe='')}"
        raise Answer(303, "", [(b"location", location.encode())])

    def _make_link(self, directory_id: str, form: dict[str, str], session: Session, root: str) -> None:
        """A new setup link for the directory, its address shown once (:mod:`scimcore.setup_links`)."""
        directory = self._directory(session, directory_id)
        if self.links is None:
            raise Answer(404, self._page("error.html", session, message="This store keeps no setup links."))
        try:
            lifetime = parse_lifetime(form.get("expires", "7d"))
        except ValueError as exc:
            raise Answer(400, self._directory_page(session, directory.id, message=str(exc))) from None
        link, secret = self.links.create(directory.id, lifetime)
        raise Answer(201, self._directory_page(session, directory.id, setup_url=f"{root}{SETUP_PATH}/{secret}",
                                               message=f"Setup link made; it expires {link.expires} (UTC)."))

    def _revoke_link(self, directory_id: str, link_id: str, session: Session) -> None:
        directory = self._directory(session, directory_id)
        if self.links is None or not self.links.revoke(directory.id, link_id):
            raise Answer(404, self._page("error.html", session, message="No such setup link to revoke."))
        location = f"{self.mount}/directories/{quote(directory.id, safe='')}"
        raise Answer(303, "", [(b"location", location.encode())])

    def _retry(self, directory_id: str, seq_text: str, session: Session) -> None:
        """Deliver a dead event again (the store's optional :class:`~scimcore.store.ports.EventRetry`)."""
        directory = self._directory(session, directory_id)
        if not seq_text.isdigit() or not isinstance(self.store, EventRetry) \
                or not self.store.requeue_event(directory.id, int(seq_text)):
            raise Answer(404, self._page("error.html", session, message="No such event to deliver again."))
        location = f"{self.mount}/directories/{quote(directory.id, safe='')}"
        raise Answer(303, "", [(b"location", location.encode())])

    # -- output ----------------------------------------------------------------------------------------------
    def _page(self, template: str, session: Session | None, **values: Any) -> str:
        defaults = {"mount": self.mount, "session": session, "csrf": session.csrf if session else "",
                    "message": "", "token": None, "setup_url": None, "webhook_secret": None}
        return self.templates.get_template(template).render({**defaults, **values})

    def _cookie(self, name: str, value: str, scope: Scope | None = None) -> tuple[bytes, bytes]:
        secure = self.secure_cookies if self.secure_cookies is not None else (scope or {}).get("scheme") == "https"
        attributes = f"; Path={self.mount}; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
        if not value:
            attributes += "; Max-Age=0"
        return b"set-cookie", f"{name}={value}{attributes}".encode("latin-1")



def _token() -> str:
    return secrets.token_urlsafe(24)
