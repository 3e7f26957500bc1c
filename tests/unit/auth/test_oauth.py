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
    InvalidClient,
    SageIdUnavailable,
    SignInExpired,
    SignInFailed,
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
    url = urlsplit(sage_id.authorize_url("the-state", pair))
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
    response = await sage_id.exchange("the-code", "the-verifier")
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


@respx.mock
async def test_a_public_client_sends_no_secret(settings: Settings) -> None:
    route = respx.post(f"{ID_URL}/oauth/token").respond(json=TOKENS)
    async with httpx.AsyncClient() as http:
        await SageId(replace(settings, client_secret=None), http).refresh("r")
    assert "client_secret" not in form(route.calls[-1].request)


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (
            400,
            {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."},
            SignInExpired,
            "sign in again",
        ),
        (403, {"error": "invalid_grant"}, SignInExpired, "sage200-mcp login"),
        (
            401,
            {"error": "invalid_client", "error_description": "Client authentication failed."},
            InvalidClient,
            "SAGE200_CLIENT_ID",
        ),
        (400, {"error": "unauthorized_client"}, InvalidClient, "SAGE200_CLIENT_SECRET"),
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


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
@respx.mock
async def test_network_failures_advise_a_retry(sage_id: SageId, failure: Exception) -> None:
    respx.post(f"{ID_URL}/oauth/token").mock(side_effect=failure)
    with pytest.raises(SageIdUnavailable, match="try again"):
        await sage_id.exchange("c", "v")


@respx.mock
async def test_device_authorization_is_read_with_defaults(sage_id: SageId) -> None:
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


def test_identity_comes_from_the_id_token_and_tolerates_rubbish() -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"email": "a@b.c", "name": "A B"}).encode())
    token = f"h.{claims.decode().rstrip('=')}.s"
    assert identity_from_id_token(token) == ("a@b.c", "A B")
    for rubbish in (None, "", "a.b", "a.%%%.c", "a.bnVsbA.c"):
        assert identity_from_id_token(rubbish) == (None, None)
