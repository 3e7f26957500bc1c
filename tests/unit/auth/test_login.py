"""One sign-in attempt, by client type: the loopback listener (desktop), the pasted address (web),
the early refusal of an unregistered redirect URI, and the advice when nothing comes back.

Sage ID is mocked with respx; the loopback listener is a real socket on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from sage200_mcp.auth import open_session
from sage200_mcp.auth.errors import RedirectRefused, SignInFailed
from sage200_mcp.auth.login import SignInAttempt
from sage200_mcp.auth.session import Session
from sage200_mcp.config import Settings
from tests.helpers import free_port
from tests.unit.auth.conftest import ID_URL

pytestmark = pytest.mark.anyio

TOKENS = {
    "access_token": "a" * 40,
    "refresh_token": "r" * 40,
    "scope": "openid offline_access",
    "expires_in": 28800,
    "token_type": "Bearer",
}
WEB_REDIRECT = "https://www.example-company.test/sage200/callback"


@pytest.fixture
def loopback(settings: Settings) -> Settings:
    return replace(
        settings,
        client_type="desktop",
        client_secret=None,
        redirect_uri=f"http://127.0.0.1:{free_port()}/callback",
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def sage_id(authorize: httpx.Response | None = None) -> respx.Route:
    """Sage ID's sign-in page (as answered to the early look) and its token endpoint."""
    respx.route(host="127.0.0.1").pass_through()
    respx.get(url__startswith=f"{ID_URL}/authorize").mock(
        return_value=authorize or httpx.Response(200, html="<form>sign in</form>")
    )
    return respx.post(f"{ID_URL}/oauth/token").respond(json=TOKENS)


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


@respx.mock
async def test_a_desktop_sign_in_comes_back_to_the_listener(
    loopback: Settings, http: httpx.AsyncClient
) -> None:
    token = sage_id()
    attempt = SignInAttempt(open_session(loopback, http))
    assert not attempt.pasted
    await attempt.start()
    waiting = asyncio.create_task(attempt.wait(5))
    assert loopback.redirect_uri is not None
    landing = await http.get(f"{loopback.redirect_uri}?code=the-code&state={state_of(attempt.url)}")
    assert landing.status_code == 200
    tokens = await waiting
    assert tokens.access_token == TOKENS["access_token"]
    sent = parse_qs(token.calls[-1].request.content.decode())
    assert sent["redirect_uri"] == [loopback.redirect_uri] and "client_secret" not in sent
    assert sent["code_verifier"] == [attempt.pkce.verifier]


@respx.mock
async def test_a_web_sign_in_takes_the_address_the_browser_landed_on(
    settings: Settings, http: httpx.AsyncClient
) -> None:
    token = sage_id()
    web = replace(settings, redirect_uri=WEB_REDIRECT)
    attempt = SignInAttempt(open_session(web, http))
    assert attempt.pasted and attempt.listener is None
    await attempt.start()
    with pytest.raises(SignInFailed, match="state"):
        await attempt.finish_pasted(f"{WEB_REDIRECT}?code=c&state=from-another-attempt")
    tokens = await attempt.finish_pasted(f" {WEB_REDIRECT}?code=c&state={state_of(attempt.url)}\n")
    assert tokens.refresh_token == TOKENS["refresh_token"]
    sent = parse_qs(token.calls[-1].request.content.decode())
    assert sent["redirect_uri"] == [WEB_REDIRECT] and sent["client_secret"] == ["secret-1"]


@respx.mock
async def test_an_unregistered_redirect_stops_before_the_browser_and_frees_the_port(
    loopback: Settings, http: httpx.AsyncClient
) -> None:
    sage_id(httpx.Response(400, html="<h1>Callback URL mismatch</h1>"))
    attempt = SignInAttempt(open_session(loopback, http))
    with pytest.raises(RedirectRefused, match="Callback URL mismatch"):
        await attempt.start()
    again = SignInAttempt(open_session(loopback, http))
    respx.get(url__startswith=f"{ID_URL}/authorize").respond(200)
    await again.start()  # the port was let go
    await again.close()


async def attempt_that_hears_nothing(session: Session) -> Exception:
    attempt = SignInAttempt(session)
    await attempt.start()
    with pytest.raises(SignInFailed) as raised:
        await attempt.wait(0.1)
    return raised.value


@respx.mock
async def test_when_nothing_comes_back_the_advice_fits_the_client_type(
    loopback: Settings, http: httpx.AsyncClient
) -> None:
    sage_id()
    web = replace(loopback, client_type="web", client_secret="s")
    refused = await attempt_that_hears_nothing(open_session(web, http))
    assert isinstance(refused, RedirectRefused)
    assert "Sage ID refused the redirect URI" in str(refused) and "must be https" in str(refused)
    assert "desktop application" in str(refused)
    silent = await attempt_that_hears_nothing(open_session(loopback, http))
    assert "No sign-in arrived" in str(silent) and "Callback URL mismatch" in str(silent)
