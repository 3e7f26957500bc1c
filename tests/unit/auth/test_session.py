"""The Session: refreshes on time, once, persists rotation, survives other processes and
cancelled callers, resends a refresh token only when that is safe, and keeps why a sign-in
ended."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from sage200_mcp.auth import open_session
from sage200_mcp.auth.errors import NotSignedIn, SageIdUnavailable, SignInEnded
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
        session.sleep = no_wait
        yield session


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


async def sign_in(
    session: Session, lifetime: float = 3600, refresh: str | None = "refresh-0"
) -> StoredTokens:
    return await session.save_sign_in(
        TokenResponse("access-0", refresh, None, "openid offline_access", lifetime, "Bearer")
    )


class RotatingSageId:
    """A token endpoint that rotates like Sage ID: each refresh token works once. ``gate``, when
    set, holds every answer until it opens, so callers really do overlap; ``lose`` makes the next
    answers vanish after the refresh was done (a read timeout), or before it (no connection)."""

    def __init__(self) -> None:
        self.issued = 0
        self.spent: set[str] = set()
        self.gate: asyncio.Event | None = None
        self.lose: list[Exception] = []
        self.reuse = 0
        self.asked = asyncio.Event()
        self.arrived = 0  # requests that reached the endpoint, answered or still held

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.arrived += 1
        self.asked.set()
        if self.gate is not None:
            await self.gate.wait()
        failure = self.lose.pop(0) if self.lose else None
        if isinstance(failure, httpx.ConnectError):
            raise failure  # never reached Sage ID
        token = parse_qs(request.content.decode())["refresh_token"][0]
        if token in self.spent:
            self.reuse += 1
            return httpx.Response(
                400,
                json={
                    "error": "invalid_grant",
                    "error_description": "Unknown or invalid refresh token.",
                },
            )
        self.spent.add(token)
        self.issued += 1
        if failure is not None:
            raise failure  # done at Sage ID, but the answer is lost
        return httpx.Response(
            200,
            json={
                "access_token": f"access-{self.issued}",
                "refresh_token": f"refresh-{self.issued}",
                "scope": "openid offline_access",
                "expires_in": 3600,
                "token_type": "Bearer",
            },
        )


def rotating_token_endpoint(sage_id: RotatingSageId | None = None) -> respx.Route:
    return respx.post(f"{ID_URL}/oauth/token").mock(side_effect=sage_id or RotatingSageId())


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
async def test_fifty_overlapping_callers_cause_one_refresh(
    session: Session, clock: FakeClock
) -> None:
    """Sage ID's answer is held until all fifty callers are waiting for a token, so they truly
    overlap (no caller can finish first and hand the next a fresh token): one refresh is sent,
    and one task takes the token file's lock; the other forty-nine await that task."""
    sage_id = RotatingSageId()
    sage_id.gate = asyncio.Event()
    route = rotating_token_endpoint(sage_id)
    await sign_in(session)
    clock.advance(3600)
    held = 0
    hold = session.store.lock.hold_async

    def counted() -> Any:
        nonlocal held
        held += 1
        return hold()

    session.store.lock.hold_async = counted  # type: ignore[method-assign]
    waiting = 0
    all_waiting = asyncio.Event()

    async def caller() -> str:
        nonlocal waiting
        waiting += 1
        if waiting == 50:
            all_waiting.set()
        # nothing in access_token awaits before the refresh, so this caller now waits on it
        return await session.access_token()

    callers = [asyncio.create_task(caller()) for _ in range(50)]
    await asyncio.wait_for(all_waiting.wait(), 5)
    await asyncio.wait_for(sage_id.asked.wait(), 5)  # a refresh is in flight, held at the gate
    assert not any(c.done() for c in callers) and sage_id.arrived == 1
    sage_id.gate.set()
    assert set(await asyncio.gather(*callers)) == {"access-1"}
    assert route.call_count == 1 and sage_id.reuse == 0
    assert held == 1  # one refresh task took the file lock; the others awaited it


@respx.mock
async def test_a_caller_cancelled_mid_refresh_does_not_lose_the_new_refresh_token(
    session: Session, clock: FakeClock
) -> None:
    sage_id = RotatingSageId()
    sage_id.gate = asyncio.Event()
    route = rotating_token_endpoint(sage_id)
    await sign_in(session)
    clock.advance(3600)
    caller = asyncio.create_task(session.access_token())
    await asyncio.wait_for(sage_id.asked.wait(), 5)
    caller.cancel()  # the client gave up on the tool call while Sage ID was answering
    with pytest.raises(asyncio.CancelledError):
        await caller
    sage_id.gate.set()
    for _ in range(100):
        if (saved := session.current(fresh=True)) and saved.refresh_token == "refresh-1":
            break
        await asyncio.sleep(0.01)
    assert session.current(fresh=True).refresh_token == "refresh-1"  # type: ignore[union-attr]
    assert await session.access_token() == "access-1"
    assert route.call_count == 1 and sage_id.reuse == 0


@respx.mock
async def test_a_refresh_that_never_reached_sage_id_is_sent_again(
    session: Session, clock: FakeClock
) -> None:
    sage_id = RotatingSageId()
    sage_id.lose = [httpx.ConnectError("down"), httpx.ConnectError("down")]
    route = rotating_token_endpoint(sage_id)
    await sign_in(session)
    clock.advance(3600)
    assert await session.access_token() == "access-1"
    assert route.call_count == 3 and sage_id.reuse == 0


@respx.mock
async def test_a_refresh_answer_lost_after_sage_id_acted_is_asked_once_and_the_cause_kept(
    session: Session, clock: FakeClock
) -> None:
    sage_id = RotatingSageId()
    sage_id.lose = [httpx.ReadTimeout("lost")]
    route = rotating_token_endpoint(sage_id)
    await sign_in(session)
    clock.advance(3600)
    with pytest.raises(SignInEnded, match="answer to the last renewal was lost") as raised:
        await session.access_token()
    assert route.call_count == 2  # once more at once, never a third time
    assert "Unknown or invalid refresh token." in str(raised.value)
    with pytest.raises(SignInEnded, match="answer to the last renewal was lost"):
        await session.access_token()  # the next call still says why, not "not signed in yet"
    assert "refresh-0" not in session.store.path.read_text()


@respx.mock
async def test_two_lost_answers_keep_the_sign_in_for_later(
    session: Session, clock: FakeClock
) -> None:
    route = respx.post(f"{ID_URL}/oauth/token").mock(side_effect=httpx.ReadTimeout("lost"))
    await sign_in(session)
    clock.advance(3600)
    with pytest.raises(SageIdUnavailable, match="did not answer in time"):
        await session.access_token()
    assert route.call_count == 2  # a token that may be spent is not sent a third time
    assert session.current() is not None


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


@pytest.mark.parametrize(
    ("description", "late", "words", "kind"),
    [
        ("Unknown or invalid refresh token.", False, "unknown or already used", "reused"),
        ("Refresh token has been revoked.", False, "revoked at Sage ID", "revoked"),
        (
            "Refresh token has expired; sign in again.",
            False,
            "SAGE200_REFRESH_TOKEN_DAYS",
            "expired",
        ),
        ("", True, "end of its lifetime", "expired"),
    ],
)
@respx.mock
async def test_a_refused_refresh_token_ends_the_sign_in_with_its_real_cause(
    session: Session,
    settings: Settings,
    clock: FakeClock,
    description: str,
    late: bool,
    words: str,
    kind: str,
) -> None:
    respx.post(f"{ID_URL}/oauth/token").respond(
        400, json={"error": "invalid_grant", "error_description": description}
    )
    write_toml(settings.profile_config_path, {"company_id": 1, "company_name": "Stockwell"})
    await sign_in(session)
    clock.advance(91 * 86400 if late else 3600)
    with pytest.raises(SignInEnded, match=words):
        await session.access_token()
    assert session.current() is None and "access-0" not in settings.tokens_path.read_text()
    assert settings.profile_config_path.exists()
    kept = session.why_signed_out()
    assert isinstance(kept, SignInEnded) and words in str(kept) and "sage200-mcp login" in str(kept)
    assert kept.kind == kind
    await sign_in(session)  # signing in again replaces the note
    assert session.current() is not None and not isinstance(session.why_signed_out(), SignInEnded)


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
    with pytest.raises(SignInEnded, match="no refresh token"):
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
    with pytest.raises(NotSignedIn, match="sage200-mcp login") as raised:
        await session.access_token()
    assert not raised.value.explained  # simply never signed in


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
