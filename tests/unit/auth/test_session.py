"""The Session: refreshes on time, once, persists rotation, and survives other processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from sage200_mcp.auth import open_session
from sage200_mcp.auth.errors import NotSignedIn, SageIdUnavailable, SignInExpired
from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.session import Session
from sage200_mcp.auth.store import StoredTokens
from sage200_mcp.config import Settings, write_toml
from tests.helpers import FakeClock
from tests.unit.auth.conftest import ID_URL

pytestmark = pytest.mark.anyio


@pytest.fixture
async def session(settings: Settings, clock: FakeClock) -> AsyncIterator[Session]:
    async with httpx.AsyncClient() as http:
        session = open_session(settings, http)
        session.clock = clock
        yield session


async def sign_in(
    session: Session, lifetime: float = 3600, refresh: str | None = "refresh-0"
) -> StoredTokens:
    return await session.save_sign_in(
        TokenResponse("access-0", refresh, None, "openid offline_access", lifetime, "Bearer")
    )


def rotating_token_endpoint() -> respx.Route:
    """A token endpoint that rotates like Sage ID: each refresh token works once."""
    issued = {"n": 0}
    spent: set[str] = set()

    def answer(request: httpx.Request) -> httpx.Response:
        token = parse_qs(request.content.decode())["refresh_token"][0]
        if token in spent:
            return httpx.Response(400, json={"error": "invalid_grant"})
        spent.add(token)
        issued["n"] += 1
        return httpx.Response(
            200,
            json={
                "access_token": f"access-{issued['n']}",
                "refresh_token": f"refresh-{issued['n']}",
                "scope": "openid offline_access",
                "expires_in": 3600,
                "token_type": "Bearer",
            },
        )

    return respx.post(f"{ID_URL}/oauth/token").mock(side_effect=answer)


@respx.mock
async def test_a_fresh_token_is_used_without_asking_sage_id(session: Session) -> None:
    route = rotating_token_endpoint()
    await sign_in(session)
    assert await session.access_token() == "access-0"
    assert route.call_count == 0


@respx.mock
async def test_a_token_about_to_expire_is_refreshed_and_the_rotation_is_saved(
    session: Session, clock: FakeClock
) -> None:
    route = rotating_token_endpoint()
    first = await sign_in(session)
    clock.advance(3600 - 59)  # inside the one-minute margin
    assert await session.access_token() == "access-1"
    saved = json.loads(session.store.path.read_text())
    assert saved["refresh_token"] == "refresh-1" and saved["access_token"] == "access-1"
    assert saved["signed_in_at"] == first.signed_in_at
    assert saved["refresh_expires_at"] == first.refresh_expires_at
    assert route.call_count == 1
    assert await session.access_token() == "access-1"
    assert route.call_count == 1


@respx.mock
async def test_short_lived_tokens_use_a_proportional_margin(
    session: Session, clock: FakeClock
) -> None:
    route = rotating_token_endpoint()
    await sign_in(session, lifetime=2)
    clock.advance(1.7)
    assert await session.access_token() == "access-0"
    clock.advance(0.2)
    assert await session.access_token() == "access-1"
    assert route.call_count == 1


@respx.mock
async def test_fifty_concurrent_callers_cause_one_refresh(
    session: Session, clock: FakeClock
) -> None:
    route = rotating_token_endpoint()
    await sign_in(session)
    clock.advance(3600)
    tokens = await asyncio.gather(*(session.access_token() for _ in range(50)))
    assert set(tokens) == {"access-1"}
    assert route.call_count == 1


@respx.mock
async def test_tokens_another_process_rotated_are_used_not_refreshed_again(
    session: Session, settings: Settings, clock: FakeClock
) -> None:
    route = rotating_token_endpoint()
    await sign_in(session)
    clock.advance(3600)
    async with httpx.AsyncClient() as http:  # "another process": its own session on the same file
        other = open_session(settings, http)
        other.clock = clock
        assert await other.access_token() == "access-1"
    assert await session.access_token() == "access-1"
    assert route.call_count == 1


@respx.mock
async def test_a_401_forces_one_refresh_unless_someone_already_did(session: Session) -> None:
    route = rotating_token_endpoint()
    await sign_in(session)
    assert await session.token_after_rejection("access-0") == "access-1"
    assert route.call_count == 1
    assert await session.token_after_rejection("access-0") == "access-1"  # already replaced
    assert route.call_count == 1


@respx.mock
async def test_invalid_grant_clears_tokens_but_keeps_the_profile(
    session: Session, settings: Settings, clock: FakeClock
) -> None:
    respx.post(f"{ID_URL}/oauth/token").respond(400, json={"error": "invalid_grant"})
    write_toml(settings.profile_config_path, {"company_id": 1, "company_name": "Stockwell"})
    await sign_in(session)
    clock.advance(3600)
    with pytest.raises(SignInExpired, match="sage200-mcp login"):
        await session.access_token()
    assert not settings.tokens_path.exists()
    assert settings.profile_config_path.exists()
    with pytest.raises(NotSignedIn):
        await session.access_token()


@respx.mock
async def test_a_network_failure_keeps_the_tokens(session: Session, clock: FakeClock) -> None:
    respx.post(f"{ID_URL}/oauth/token").mock(side_effect=httpx.ConnectError("down"))
    await sign_in(session)
    clock.advance(3600)
    with pytest.raises(SageIdUnavailable):
        await session.access_token()
    assert session.current() is not None


async def test_no_refresh_token_means_sign_in_again(session: Session, clock: FakeClock) -> None:
    await sign_in(session, refresh=None)
    clock.advance(3600)
    with pytest.raises(SignInExpired, match="no refresh token"):
        await session.access_token()


async def test_tokens_of_another_sage_id_or_client_are_not_used(
    session: Session, settings: Settings
) -> None:
    await sign_in(session)
    async with httpx.AsyncClient() as http:
        for other in (
            replace(settings, client_id="client-2"),
            replace(settings, id_url="https://other"),
        ):
            with pytest.raises(NotSignedIn):
                await open_session(other, http).access_token()


async def test_not_signed_in_says_how_to_sign_in(session: Session) -> None:
    with pytest.raises(NotSignedIn, match="sage200-mcp login"):
        await session.access_token()


@respx.mock
async def test_sign_out_revokes_then_deletes_and_tolerates_a_failed_revoke(
    session: Session,
) -> None:
    revoke = respx.post(f"{ID_URL}/oauth/revoke").respond(200)
    await sign_in(session)
    assert await session.sign_out() == (True, None)
    assert parse_qs(revoke.calls[-1].request.content.decode())["token"] == ["refresh-0"]
    assert await session.sign_out() == (False, None)
    respx.post(f"{ID_URL}/oauth/revoke").mock(side_effect=httpx.ConnectError("down"))
    await sign_in(session)
    had, problem = await session.sign_out()
    assert had and problem and "Could not reach Sage ID" in problem
    assert session.current() is None
