"""A person signs in at the sandbox's /authorize in a real browser and is redirected with a code:
as the desktop application to a loopback listener, and as the web application to its https
redirect (where a browser would show a failed page: the address is all that matters)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from sage200_mcp.sandbox.server import SandboxServer
from tests.browser import CHROMIUM_FLAGS, require_chromium
from tests.helpers import (
    PRO,
    WEB_CLIENT_ID,
    WEB_CLIENT_SECRET,
    WEB_REDIRECT_URI,
    RedirectCatcher,
    SignIn,
    authorize_params,
    exchange,
    pkce_pair,
    query_of,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def catcher(sandbox_server: SandboxServer) -> Iterator[RedirectCatcher]:
    catcher = RedirectCatcher()
    sandbox_server.sandbox.identity.add_redirect_uri(catcher.uri)
    yield catcher
    catcher.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # the web application's redirect host fails here, as it would anywhere, with no lookup
        no_lookup = f"--host-resolver-rules=MAP {urlsplit(WEB_REDIRECT_URI).hostname} ~NOTFOUND"
        browser = playwright.chromium.launch(
            executable_path=path, args=[*CHROMIUM_FLAGS, no_lookup]
        )
        yield browser
        browser.close()


def sign_in_in_browser(
    chromium: object,
    server: SandboxServer,
    catcher: RedirectCatcher,
    password: str,
    action: str = "approve",
) -> tuple[str, str, dict[str, str]]:
    """Open /authorize, fill the form, press a button; return the page text, the PKCE verifier
    and the query the browser was redirected with."""
    from playwright.sync_api import Browser

    assert isinstance(chromium, Browser)
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, redirect_uri=catcher.uri)
    before = len(catcher.queries)
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/authorize?{httpx.QueryParams(params)}")
    page.fill("input[name=username]", "demo@example.com")
    page.fill("input[name=password]", password)
    page.click(f"#{action}")
    page.wait_for_load_state()
    text = page.inner_text("body")
    context.close()
    redirected = dict(catcher.queries[before]) if len(catcher.queries) > before else {}
    redirected["expected_state"] = params["state"]
    return text, verifier, redirected


def test_a_person_signs_in_and_the_code_buys_tokens_that_read_the_books(
    chromium: object,
    sandbox_server: SandboxServer,
    sandbox_http: httpx.Client,
    catcher: RedirectCatcher,
) -> None:
    text, verifier, redirected = sign_in_in_browser(chromium, sandbox_server, catcher, "demo")
    assert "Signed in" in text
    assert redirected["state"] == redirected["expected_state"]
    tokens = exchange(
        sandbox_http,
        SignIn(redirected["code"], verifier, redirected["state"], redirect_uri=catcher.uri),
    )
    assert tokens.status_code == 200
    headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    sites = sandbox_http.get(f"{PRO}/sites", headers=headers).json()
    headers.update({"X-Site": sites[0]["site_id"], "X-Company": str(sites[0]["company_id"])})
    customers = sandbox_http.get(f"{PRO}/customers", headers=headers, params={"$top": "5"})
    assert customers.status_code == 200 and len(customers.json()) == 5


def test_a_wrong_password_stays_on_the_page_and_deny_goes_back_with_access_denied(
    chromium: object, sandbox_server: SandboxServer, catcher: RedirectCatcher
) -> None:
    text, _, redirected = sign_in_in_browser(chromium, sandbox_server, catcher, "wrong")
    assert "Wrong email or password" in text and "code" not in redirected
    _, _, denied = sign_in_in_browser(chromium, sandbox_server, catcher, "", action="deny")
    assert denied["error"] == "access_denied"
    assert denied["state"] == denied["expected_state"]


def test_the_web_application_sends_the_browser_to_its_https_redirect(
    chromium: object, sandbox_server: SandboxServer, sandbox_http: httpx.Client
) -> None:
    """The page at the https redirect fails to load (``.example`` never resolves, and the
    browser is told so without asking any DNS server): its address carries the code."""
    from playwright.sync_api import Browser

    assert isinstance(chromium, Browser)
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, client_id=WEB_CLIENT_ID, redirect_uri=WEB_REDIRECT_URI)
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{sandbox_server.url}/authorize?{httpx.QueryParams(params)}")
    page.fill("input[name=username]", "demo@example.com")
    page.fill("input[name=password]", "demo")
    with page.expect_request(lambda request: request.url.startswith(WEB_REDIRECT_URI)) as sent:
        page.click("#approve")
    landed = sent.value.url
    context.close()
    assert landed.startswith(f"{WEB_REDIRECT_URI}?")
    query = query_of(landed)
    assert query["state"] == params["state"]
    tokens = exchange(
        sandbox_http,
        SignIn(query["code"], verifier, query["state"], redirect_uri=WEB_REDIRECT_URI),
        client_id=WEB_CLIENT_ID,
        client_secret=WEB_CLIENT_SECRET,
    )
    assert tokens.status_code == 200, tokens.text


def test_the_web_application_on_a_loopback_redirect_gets_the_mismatch_page(
    chromium: object, sandbox_server: SandboxServer, catcher: RedirectCatcher
) -> None:
    from playwright.sync_api import Browser

    assert isinstance(chromium, Browser)
    _, challenge = pkce_pair()
    params = authorize_params(challenge, client_id=WEB_CLIENT_ID, redirect_uri=catcher.uri)
    before = len(catcher.queries)
    context = chromium.new_context()
    page = context.new_page()
    answer = page.goto(f"{sandbox_server.url}/authorize?{httpx.QueryParams(params)}")
    text = page.inner_text("body")
    context.close()
    assert answer is not None and answer.status == 400
    assert "Callback URL mismatch" in text
    assert len(catcher.queries) == before  # never redirected
