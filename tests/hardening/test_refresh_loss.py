"""A sign-in is never lost to a slow refresh: tried as a new user would, with the MCP server as a
stdio subprocess driven by the SDK's client, and Sage ID holding its answer to the refresh.

Sage ID rotates the refresh token and ends the whole sign-in when an old one comes back, so a
rotated refresh token that is thrown away (the tool call was cancelled, or the wait for the
answer timed out) signs the user out on the next call. Here: a call cancelled mid-refresh
(`notifications/cancelled`), and a refresh answer slower than the HTTP timeout, both leave the
user signed in with no reuse at Sage ID; an answer that is truly lost ends the sign-in with that
very reason, and says it on every later call.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import CLIENT_ID, PRO, loopback_redirect, tokens_for

pytestmark = pytest.mark.anyio


class Profile:
    """A profile with its own sign-in (its refresh family is nobody else's)."""

    def __init__(self, server: SandboxServer, config: Path) -> None:
        self.server = server
        self.config = config
        self.tokens = TokenStore(config / "profiles" / "default" / "tokens.json")
        with httpx.Client(base_url=server.url) as http:
            answer = TokenResponse.parse(tokens_for(http))
        self.tokens.write(StoredTokens.from_sign_in(answer, time.time(), 90, server.url, CLIENT_ID))
        self.first_refresh_token = answer.refresh_token
        self.redirect = loopback_redirect(server)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "SAGE200_CONFIG_DIR": str(self.config),
            "SAGE200_ID_URL": self.server.url,
            "SAGE200_API_URL": self.server.url + PRO,
            "SAGE200_CLIENT_ID": CLIENT_ID,
            "SAGE200_CLIENT_SECRET": "",
            "SAGE200_NO_BROWSER": "1",
            "SAGE200_REDIRECT_URI": self.redirect,
            **extra,
        }

    def access_expires_now(self) -> None:
        """As if the access token had reached its end: the next call refreshes first."""
        saved = json.loads(self.tokens.path.read_text())
        saved["access_expires_at"] = time.time() - 1
        self.tokens.path.write_text(json.dumps(saved))

    def refresh_token(self) -> str | None:
        saved = self.tokens.read(fresh=True)
        return saved.refresh_token if saved else None


@pytest.fixture
def profile(sandbox_server: SandboxServer, tmp_path: Path) -> Profile:
    return Profile(sandbox_server, tmp_path / "config")


@pytest.fixture
def sage_id(sandbox_server: SandboxServer) -> Any:
    """Control of the sandbox's Sage ID: hold the token endpoint's answers, read its counts."""
    faults = f"{sandbox_server.url}/_sandbox/faults"
    httpx.delete(faults)

    class SageId:
        @staticmethod
        def hold(**fault: Any) -> None:
            fault = {"path": "/oauth/token", "count": 1, **fault}
            assert httpx.post(faults, json=fault).status_code == 200

        @staticmethod
        def refreshes() -> int:
            stats = sandbox_server.sandbox.stats()
            return int(stats["token_requests"].get("refresh_token", 0))

        @staticmethod
        def reuse() -> int:
            return int(sandbox_server.sandbox.stats()["refresh_token_reuse"])

    yield SageId
    httpx.delete(faults)


@asynccontextmanager
async def server(profile: Profile, **env: str) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "sage200_mcp", "serve"], env=profile.env(**env)
    )
    async with Client(params, read_timeout_seconds=90) as client:
        assert not (await client.call_tool("switch_site", {"site": "1"})).is_error
        yield client


async def customers(client: Client) -> tuple[bool, str]:
    result = await client.call_tool("list_customers", {"limit": 3})
    return bool(result.is_error), result.content[0].text  # type: ignore[union-attr]


async def test_a_call_cancelled_while_its_refresh_is_held_leaves_the_user_signed_in(
    profile: Profile, sage_id: Any
) -> None:
    async with server(profile) as client:
        profile.access_expires_now()
        before, reuse = sage_id.refreshes(), sage_id.reuse()
        sage_id.hold(after_ms=3000)  # the refresh is done at once; its answer takes 3 s
        with anyio.move_on_after(1) as scope:  # the person gives up: notifications/cancelled
            await client.call_tool("list_customers", {"limit": 3})
        assert scope.cancelled_caught
        await anyio.sleep(3)  # meanwhile Sage ID answers, and the refresh is saved
        failed, text = await customers(client)
        assert not failed, text
    assert sage_id.refreshes() == before + 1 and sage_id.reuse() == reuse
    assert profile.refresh_token() not in (None, profile.first_refresh_token)


async def test_a_refresh_answer_slower_than_the_timeout_is_waited_for(
    profile: Profile, sage_id: Any
) -> None:
    async with server(profile, SAGE200_HTTP_TIMEOUT="1") as client:
        profile.access_expires_now()
        before, reuse = sage_id.refreshes(), sage_id.reuse()
        sage_id.hold(after_ms=2500)  # done at once, answered later than the HTTP timeout
        failed, text = await customers(client)
        assert not failed, text
        assert not (await customers(client))[0]
    assert sage_id.refreshes() == before + 1 and sage_id.reuse() == reuse


async def test_a_refresh_answer_truly_lost_ends_the_sign_in_with_that_reason(
    profile: Profile, sage_id: Any
) -> None:
    async with server(profile) as client:
        profile.access_expires_now()
        sage_id.hold(body="malformed")  # granted at Sage ID, but the answer arrives cut short
        failed, text = await customers(client)
        assert failed and "Your Sage sign-in has ended" in text
        assert "answer to the last renewal was lost" in text and "/authorize?" in text
        again = await customers(client)
        assert "answer to the last renewal was lost" in again[1]
        status: Any = (await client.call_tool("get_status", {})).structured_content
        assert not status["signed_in"] and "was lost" in status["sign_in_problem"]
    assert profile.refresh_token() is None  # nothing left to reuse
