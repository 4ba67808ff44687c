"""Sign-in, sessions and CSRF tokens of the admin console.

A session is a signed cookie (HMAC-SHA256 under the console's secret) naming the admin, when it was issued
and a random nonce; it is bound to the admin's password hash, so a changed or removed password ends every
session at once, and it expires after ``max_age``.  Signing out ends the session on the server too: its
nonce is kept (:class:`~scimcore.store.ports.SessionEnds`) until the cookie would have expired, so a copy of
the cookie taken before signing out opens nothing.  Every form carries a CSRF token derived from the
session (before sign-in: from a random cookie of its own, double-submitted), checked in constant time.
Failed sign-ins are counted per name: after ``MAX_FAILURES`` within ``LOCKOUT_SECONDS`` the name is refused
until the period has passed.

Owns: the cookie format, its signature and expiry, the CSRF tokens, the failure count.
Must not: render pages or read requests (:mod:`scimcore.console.app` does), or keep a password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from scimcore.auth import verify_password
from scimcore.store.ports import AdminAccount, AdminStore, SessionEnds

SESSION_COOKIE = "scimcore_session"
LOGIN_COOKIE = "scimcore_login"
MAX_FAILURES = 10
LOCKOUT_SECONDS = 900.0


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in admin: the name and the CSRF token of the session's forms."""

    name: str
    csrf: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Issues and checks session cookies and CSRF tokens for the admins of ``store``."""

    def __init__(
        self,
        store: AdminStore,
        secret: bytes,
        *,
        max_age: float = 8 * 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the console secret needs at least 32 bytes")
        self.store = store
        self.secret = secret
        self.max_age = max_age
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    # -- sign-in ---------------------------------------------------------------------------------------------
    def sign_in(self, name: str, password: str) -> str | None:
        """The session cookie's value for a correct name and password, else ``None`` (also while locked out)."""
        if self.locked_out(name):
            return None
        account = self.store.get_admin(name)
        # Without the account, a hash is still computed so a wrong name takes as long as a wrong password.
        stored = account.password_hash if account is not None else _DUMMY_HASH
        if not verify_password(password, stored) or account is None:
            self._failed(name)
            return None
        with self._lock:
            self._failures.pop(name, None)
        return self._issue(account)

    def locked_out(self, name: str) -> bool:
        """Whether ``name`` failed ``MAX_FAILURES`` times within ``LOCKOUT_SECONDS``."""
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < LOCKOUT_SECONDS]
            self._failures[name] = recent
            return len(recent) >= MAX_FAILURES

    def _failed(self, name: str) -> None:
        with self._lock:
            self._failures.setdefault(name, []).append(self.clock())

    # -- sessions --------------------------------------------------------------------------------------------
    def _issue(self, account: AdminAccount) -> str:
        body = ".".join((_b64(account.name.encode("utf-8")), str(int(self.clock())), secrets.token_urlsafe(16)))
        return f"{body}.{self._sign(body, account)}"

    def _sign(self, body: str, account: AdminAccount) -> str:
        key = hmac.new(self.secret, account.password_hash.encode("utf-8"), hashlib.sha256).digest()
        return _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())

    def read(self, cookie: str | None) -> Session | None:
        """The session of a cookie value that is well signed, current, not signed out and of an existing admin."""
        if not cookie or cookie.count(".") != 3:
            return None
        body, _, signature = cookie.rpartition(".")
        name_part, issued, nonce = body.split(".")
        try:
            name = _unb64(name_part).decode("utf-8")
            age = self.clock() - int(issued)
        except (ValueError, UnicodeDecodeError):
            return None
        if not 0 <= age <= self.max_age:
            return None
        account = self.store.get_admin(name)
        if account is None or not hmac.compare_digest(signature, self._sign(body, account)):
            return None
        if isinstance(self.store, SessionEnds) and self.store.session_ended(nonce):
            return None
        return Session(name, self.csrf_for(cookie))

    def sign_out(self, cookie: str | None) -> None:
        """End the session of a valid cookie on the server (when the store keeps session ends)."""
        if not cookie or self.read(cookie) is None or not isinstance(self.store, SessionEnds):
            return
        _, issued, nonce = cookie.rpartition(".")[0].split(".")
        now = self.clock()
        self.store.end_session(nonce, int(issued) + self.max_age)
        self.store.forget_session_ends(now)

    # -- CSRF ------------------------------------------------------------------------------------------------
    def csrf_for(self, seed: str) -> str:
        """The CSRF token of a session cookie value, or of the sign-in page's own cookie."""
        return _b64(hmac.new(self.secret, b"csrf:" + seed.encode("utf-8"), hashlib.sha256).digest())

    def csrf_ok(self, seed: str | None, token: str | None) -> bool:
        """Whether a form's token is the one of ``seed`` (constant time)."""
        if not seed or not token:
            return False
        return hmac.compare_digest(token, self.csrf_for(seed))


_DUMMY_HASH = "scrypt$16384$8$1$" + "00" * 16 + "$" + "00" * 32
