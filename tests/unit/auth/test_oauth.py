"""The OAuth client: what it sends to Sage ID and how it reads the answers (HTTP mocked)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from sage200_mcp.auth.errors import (
    AccessDenied,
    AuthError,
    DeviceFlowUnavailable,
    InvalidClient,
    RedirectRefused,
    SageIdUnavailable,
    SignInExpired,
    SignInFailed,
    UnauthorizedClient,
)
from sage200_mcp.auth.oauth import (
    DevicePending,
    DeviceSlowDown,
    Pkce,
    SageId,
    identity_from_id_token,
    new_state,
)
from sage200_mcp.config import Settings
from tests.unit.auth.conftest import ID_URL

pytestmark = pytest.mark.anyio

TOKENS = {
    "access_token": "a" * 40,
    "refresh_token": "r" * 40,
    "id_token": "x.y.z",
    "scope": "openid profile email offline_access",
    "expires_in": 28800,
    "token_type": "Bearer",
}


REDIRECT = "http://localhost:8765/callback"


@pytest.fixture
async def sage_id(settings: Settings) -> AsyncIterator[SageId]:
    async with httpx.AsyncClient() as http:
        yield SageId(settings, http)


def form(request: httpx.Request) -> dict[str, str]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_pkce_pair_is_s256_of_a_long_random_verifier() -> None:
    pair = Pkce.new()
    assert 43 <= len(pair.verifier) <= 128
    assert re.fullmatch(r"[A-Za-z0-9_-]+", pair.verifier)
    digest = hashlib.sha256(pair.verifier.encode()).digest()
    assert pair.challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert Pkce.new().verifier != pair.verifier


def test_state_has_at_least_128_random_bits() -> None:
    states = {new_state() for _ in range(100)}
    assert len(states) == 100
    assert all(len(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))) * 8 >= 128 for s in states)


async def test_authorize_url_is_exactly_what_sage_expects(sage_id: SageId) -> None:
    pair = Pkce.new()
    url = urlsplit(sage_id.authorize_url("the-state", pair, "http://localhost:8765/callback"))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ID_URL}/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {
        "client_id": "client-1",
        "response_type": "code",
        "redirect_uri": "http://localhost:8765/callback",
        "scope": "openid profile email offline_access",
        "audience": "s200ukipd/sage200",
        "state": "the-state",
        "code_challenge": pair.challenge,
        "code_challenge_method": "S256",
    }


@respx.mock
async def test_exchange_refresh_and_revoke_send_the_documented_bodies(sage_id: SageId) -> None:
    token = respx.post(f"{ID_URL}/oauth/token").respond(json=TOKENS)
    revoke = respx.post(f"{ID_URL}/oauth/revoke").respond(200)
    response = await sage_id.exchange("the-code", "the-verifier", REDIRECT)
    assert response.access_token == TOKENS["access_token"] and response.expires_in == 28800
    assert form(token.calls[-1].request) == {
        "grant_type": "authorization_code",
        "client_id": "client-1",
        "client_secret": "secret-1",
        "redirect_uri": "http://localhost:8765/callback",
        "code": "the-code",
        "code_verifier": "the-verifier",
    }
    await sage_id.refresh("the-refresh-token")
    assert form(token.calls[-1].request) == {
        "grant_type": "refresh_token",
        "client_id": "client-1",
        "client_secret": "secret-1",
        "redirect_uri": "http://localhost:8765/callback",
        "refresh_token": "the-refresh-token",
    }
    await sage_id.revoke("the-refresh-token")
    assert form(revoke.calls[-1].request) == {
        "client_id": "client-1",
        "client_secret": "secret-1",
        "token": "the-refresh-token",
    }


@pytest.mark.parametrize("secret", [None, "left-over-secret"])
@respx.mock
async def test_a_desktop_application_never_sends_a_secret(
    settings: Settings, secret: str | None
) -> None:
    route = respx.post(f"{ID_URL}/oauth/token").respond(json=TOKENS)
    desktop = replace(settings, client_type="desktop", client_secret=secret)
    async with httpx.AsyncClient() as http:
        await SageId(desktop, http).refresh("r")
        await SageId(desktop, http).exchange("c", "v", REDIRECT)
    for call in route.calls:
        assert "client_secret" not in form(call.request)
    assert form(route.calls[-1].request)["code_verifier"] == "v"  # PKCE is its only proof


@respx.mock
async def test_a_refresh_waits_longer_than_other_requests(settings: Settings) -> None:
    route = respx.post(f"{ID_URL}/oauth/token").respond(json=TOKENS)
    async with httpx.AsyncClient(timeout=1) as http:
        sage_id = SageId(replace(settings, http_timeout=1), http)
        await sage_id.refresh("r")
        assert route.calls[-1].request.extensions["timeout"]["read"] == 60
        await sage_id.exchange("c", "v", REDIRECT)
        assert route.calls[-1].request.extensions["timeout"]["read"] == 1


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (
            400,
            {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."},
            SignInExpired,
            'Sage ID said: "Unknown or invalid refresh token."',
        ),
        (403, {"error": "invalid_grant"}, SignInExpired, "sage200-mcp login"),
        (
            401,
            {"error": "invalid_client", "error_description": "Client authentication failed."},
            InvalidClient,
            "SAGE200_CLIENT_SECRET against the credentials",
        ),
        (
            401,
            {"error": "access_denied", "error_description": "Unauthorized"},
            InvalidClient,
            "remove SAGE200_CLIENT_SECRET",
        ),
        (
            403,
            {
                "error": "unauthorized_client",
                "error_description": "Grant type 'refresh_token' not allowed for the client.",
            },
            UnauthorizedClient,
            "does not allow this application to renew a sign-in",
        ),
        (403, {"error": "access_denied"}, AccessDenied, "Allow"),
        (400, {"error": "authorization_pending"}, DevicePending, ""),
        (400, {"error": "slow_down"}, DeviceSlowDown, ""),
        (400, {"error": "expired_token"}, SignInFailed, "--device"),
        (
            400,
            {"error": "invalid_scope", "error_description": "Bad scope."},
            AuthError,
            "Bad scope",
        ),
        (503, {}, SageIdUnavailable, "try again"),
        (502, "<html>Bad gateway</html>", SageIdUnavailable, "HTTP 502"),
        (200, "{not json", SageIdUnavailable, "unreadable"),
        (200, {"token_type": "Bearer"}, SageIdUnavailable, "no access token"),
    ],
)
@respx.mock
async def test_token_endpoint_errors_become_actionable_messages(
    sage_id: SageId, status: int, body: object, error: type[Exception], words: str
) -> None:
    content = json.dumps(body).encode() if isinstance(body, dict) else str(body).encode()
    respx.post(f"{ID_URL}/oauth/token").respond(status, content=content)
    with pytest.raises(error) as raised:
        await sage_id.refresh("a-refresh-token")
    assert words in str(raised.value)
    assert "a-refresh-token" not in str(raised.value) and "secret-1" not in str(raised.value)
    if status == 200:  # Sage ID granted something: the refresh token may be spent
        assert isinstance(raised.value, SageIdUnavailable) and raised.value.maybe_processed


@respx.mock
async def test_each_refusal_names_its_own_remedy(settings: Settings) -> None:
    route = respx.post(f"{ID_URL}/oauth/token")
    async with httpx.AsyncClient() as http:
        desktop = SageId(replace(settings, client_type="desktop"), http)
        route.respond(401, json={"error": "invalid_client"})
        with pytest.raises(InvalidClient, match="set SAGE200_CLIENT_SECRET"):
            await desktop.refresh("r")
        route.respond(400, json={"error": "invalid_grant", "error_description": "used"})
        with pytest.raises(SignInFailed, match="sign-in code"):  # a code, not the sign-in
            await desktop.exchange("c", "v", REDIRECT)
        route.respond(403, json={"error": "unauthorized_client"})
        with pytest.raises(UnauthorizedClient, match="login --no-browser"):
            await desktop.poll_device("d")


@pytest.mark.parametrize(
    ("failure", "maybe_processed"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("no route"), False),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("closed mid-answer"), True),
    ],
)
@respx.mock
async def test_network_failures_say_whether_the_request_may_have_been_acted_on(
    sage_id: SageId, failure: Exception, maybe_processed: bool
) -> None:
    respx.post(f"{ID_URL}/oauth/token").mock(side_effect=failure)
    with pytest.raises(SageIdUnavailable, match="try again") as raised:
        await sage_id.refresh("r")
    assert raised.value.maybe_processed is maybe_processed


DISCOVERY = f"{ID_URL}/.well-known/openid-configuration"


@respx.mock
async def test_device_sign_in_uses_the_endpoint_discovery_advertises(sage_id: SageId) -> None:
    respx.get(DISCOVERY).respond(
        json={"device_authorization_endpoint": f"{ID_URL}/oauth/device/code"}
    )
    route = respx.post(f"{ID_URL}/oauth/device/code").respond(
        json={
            "device_code": "dc",
            "user_code": "ABCD-EFGH",
            "verification_uri": f"{ID_URL}/activate",
        }
    )
    device = await sage_id.start_device()
    assert (device.user_code, device.interval, device.expires_in) == ("ABCD-EFGH", 5, 900)
    assert form(route.calls[-1].request)["audience"] == "s200ukipd/sage200"
    respx.post(f"{ID_URL}/oauth/device/code").respond(json={"user_code": "x"})
    with pytest.raises(SageIdUnavailable):
        await sage_id.start_device()
    assert len(respx.routes[0].calls) == 1  # discovery is read once


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        ({"json": {"issuer": ID_URL}}, DeviceFlowUnavailable, "not offered by Sage ID"),
        ({"json": {"device_authorization_endpoint": 3}}, DeviceFlowUnavailable, "advertises"),
        ({"status_code": 404}, SageIdUnavailable, "configuration"),
        ({"text": "<html>"}, SageIdUnavailable, "SAGE200_ID_URL"),
    ],
)
@respx.mock
async def test_no_device_sign_in_unless_discovery_offers_it(
    sage_id: SageId, answer: dict[str, object], error: type[Exception], words: str
) -> None:
    respx.get(DISCOVERY).respond(**answer)  # type: ignore[arg-type]
    device = respx.post(f"{ID_URL}/oauth/device/code").respond(json={})
    with pytest.raises(error, match=words):
        await sage_id.start_device()
    assert not device.called


AUTHORIZE = f"{ID_URL}/authorize"


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (
            {"status_code": 400, "html": "<h1>Callback URL mismatch</h1><p>not registered</p>"},
            RedirectRefused,
            "Callback URL mismatch",
        ),
        (
            {
                "status_code": 302,
                "headers": {
                    "Location": f"{ID_URL}/error?error=invalid_request&error_description="
                    "Callback%20URL%20mismatch"
                },
            },
            RedirectRefused,
            "refused the redirect URI",
        ),
        (
            {
                "status_code": 302,
                "headers": {"Location": f"{REDIRECT}?error=unauthorized_client&state=s"},
            },
            UnauthorizedClient,
            "finish a browser sign-in",
        ),
        (
            {"status_code": 400, "html": "<h1>Unknown application</h1>"},
            SignInFailed,
            "Unknown application",
        ),
    ],
)
@respx.mock
async def test_a_refused_redirect_uri_is_found_before_any_browser_opens(
    sage_id: SageId, answer: dict[str, object], error: type[Exception], words: str
) -> None:
    respx.get(url__startswith=AUTHORIZE).respond(**answer)  # type: ignore[arg-type]
    url = sage_id.authorize_url("s", Pkce.new(), REDIRECT)
    with pytest.raises(error, match=words):
        await sage_id.check_redirect_accepted(url, REDIRECT)


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 200, "html": "<form>sign in</form>"},
        {"status_code": 302, "headers": {"Location": f"{ID_URL}/u/login?state=abc"}},
        {"status_code": 503},  # not a refusal: left to the browser
    ],
)
@respx.mock
async def test_an_accepted_or_unreadable_authorize_answer_lets_the_sign_in_go_on(
    sage_id: SageId, answer: dict[str, object]
) -> None:
    respx.get(url__startswith=AUTHORIZE).respond(**answer)  # type: ignore[arg-type]
    await sage_id.check_redirect_accepted(
        sage_id.authorize_url("s", Pkce.new(), REDIRECT), REDIRECT
    )
    respx.get(url__startswith=AUTHORIZE).mock(side_effect=httpx.ConnectError("down"))
    await sage_id.check_redirect_accepted(
        sage_id.authorize_url("s", Pkce.new(), REDIRECT), REDIRECT
    )


def test_a_web_application_on_an_http_redirect_is_told_why() -> None:
    text = str(RedirectRefused("http://localhost:8765/callback", "web", "mismatch"))
    assert "must be https" in text and "desktop application" in text


def test_identity_comes_from_the_id_token_and_tolerates_rubbish() -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"email": "a@b.c", "name": "A B"}).encode())
    token = f"h.{claims.decode().rstrip('=')}.s"
    assert identity_from_id_token(token) == ("a@b.c", "A B")
    for rubbish in (None, "", "a.b", "a.%%%.c", "a.bnVsbA.c"):
        assert identity_from_id_token(rubbish) == (None, None)
