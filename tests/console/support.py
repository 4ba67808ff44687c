"""The in-process browser of the console's tests: cookies kept between requests, forms posted with CSRF."""

from __future__ import annotations

import asyncio
import re

import httpx

from scimcore.console import ConsoleASGI

PASSWORD = "correct horse battery staple"
SECRET = b"s" * 32


class Browser:
    """A cookie-keeping client of the console app, run in-process."""

    def __init__(self, app: ConsoleASGI, scheme: str = "http") -> None:
        self.app = app
        self.base = f"{scheme}://console.test"
        self.cookies = httpx.Cookies()

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=self.base, cookies=self.cookies) as client:
                response = await client.request(method, path, data=data, headers=headers)
                self.cookies.update(client.cookies)
                return response

        return asyncio.run(go())

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.request("POST", path, data)

    @staticmethod
    def csrf(page: httpx.Response) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None, page.text
        return found.group(1)

    def sign_in(self, name: str = "ops", password: str = PASSWORD) -> httpx.Response:
        page = self.get("/admin/login")
        return self.post("/admin/login", {"csrf": self.csrf(page), "name": name, "password": password})
