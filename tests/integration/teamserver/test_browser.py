"""The whole browser part in real headless Chromium: the SDK's OAuth client sends the person to
the team server, which sends them to Sage ID (the sandbox); they sign in; Chromium follows the
redirects back through /sage/callback to the client's redirect URI, carrying our code."""

from __future__ import annotations

import pytest
from mcp.shared.auth import AuthorizationCodeResult

from tests.browser import CHROMIUM_FLAGS, require_chromium
from tests.helpers import query_of
from tests.integration.teamserver.conftest import ALLOWED, TeamServer
from tests.integration.teamserver.test_sdk_client import REDIRECT, MemoryStorage, sdk_client

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


class Chromium:
    """The redirect handler: a person at a real browser. The client's redirect URI has no
    listener (port 9), so the address Chromium was last sent to is read, not its page."""

    def __init__(self, executable: str, user: str = ALLOWED, password: str = "demo") -> None:
        self.executable = executable
        self.user, self.password = user, password
        self.result: AuthorizationCodeResult | None = None
        self.visited: list[str] = []

    async def redirect(self, authorization_url: str) -> None:
        from playwright.async_api import Request, async_playwright

        def remember(request: Request) -> None:
            if request.is_navigation_request() and request.frame.parent_frame is None:
                self.visited.append(request.url)

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=self.executable, args=CHROMIUM_FLAGS
            )
            page = await browser.new_page()
            page.on("request", remember)
            await page.goto(authorization_url)
            await page.fill("input[name=username]", self.user)
            await page.fill("input[name=password]", self.password)
            async with page.expect_request(lambda request: request.url.startswith(REDIRECT)):
                await page.click("#approve")
            await browser.close()
        query = query_of(self.visited[-1])
        self.result = AuthorizationCodeResult(code=query["code"], state=query.get("state"))

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


async def test_a_person_signs_in_through_chromium_and_the_client_calls_tools(
    team_server: TeamServer,
) -> None:
    person = Chromium(require_chromium())
    storage = MemoryStorage()
    client, _ = sdk_client(team_server, storage, person, token_endpoint_auth_method="none")
    async with client:
        whoami = await client.call_tool("get_status", {})
    assert whoami.structured_content is not None
    assert whoami.structured_content["user"] == ALLOWED
    sage = team_server.sandbox.url
    # the browser went: our /authorize, Sage ID, our callback, the client's redirect URI
    assert [url.split("?")[0] for url in person.visited] == [
        f"{team_server.url}/authorize",
        f"{sage}/authorize",
        f"{sage}/authorize",
        f"{team_server.url}/sage/callback",
        REDIRECT,
    ]
