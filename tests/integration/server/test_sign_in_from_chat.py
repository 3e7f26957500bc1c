"""Signing in from the chat: no tool call waits on a browser; the sign-in finishes behind it."""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

import httpx
import pytest
from mcp import Client, MCPError

from sage200_mcp.config import Settings
from sage200_mcp.server import create_server
from tests.helpers import transaction_of

pytestmark = pytest.mark.anyio


def url_in(text: str) -> str:
    found = re.search(r"(http://\S+/authorize\?\S+)", text)
    assert found, text
    return found.group(1)


async def approve(url: str) -> None:
    """What the person does in the browser: sign in, and let it follow the redirect home."""
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(url)
        base = url.split("/authorize")[0]
        answer = await http.post(
            f"{base}/authorize",
            data={
                "transaction": transaction_of(page.text),
                "username": "demo@example.com",
                "password": "demo",
                "action": "approve",
            },
        )
        landing = await http.get(answer.headers["location"])
    assert landing.status_code == 200 and "signed in" in landing.text.lower()


async def wait_for_tokens(settings: Settings) -> None:
    for _ in range(100):
        if settings.tokens_path.exists():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the background sign-in did not save tokens")


async def test_a_call_without_sign_in_returns_the_url_at_once_and_the_sign_in_completes_behind(
    signed_out: Settings,
) -> None:
    async with Client(create_server(signed_out)) as client:
        first = await client.call_tool("list_sites", {})
        assert first.is_error
        text = first.content[0].text  # type: ignore[union-attr]
        assert "Not signed in to Sage yet" in text and "ask again" in text
        url = url_in(text)
        assert url.startswith(signed_out.id_url) and "code_challenge_method=S256" in url
        again = await client.call_tool("list_customers", {})
        assert url_in(again.content[0].text) == url  # type: ignore[union-attr]  # one attempt, not two
        status = (await client.call_tool("get_status", {})).structured_content
        assert status is not None and status["signed_in"] is False and status["sign_in_pending"]
        await approve(url)
        await wait_for_tokens(signed_out)
        sites = await client.call_tool("list_sites", {})
        assert not sites.is_error and len(sites.structured_content["sites"]) == 3  # type: ignore[index]


async def test_the_login_tool_returns_the_url_without_an_error(signed_out: Settings) -> None:
    async with Client(create_server(signed_out)) as client:
        result = await client.call_tool("login", {})
        assert not result.is_error
        answer: dict[str, Any] = result.structured_content  # type: ignore[assignment]
        assert answer["signed_in"] is False and answer["url"] in answer["message"]
        await approve(answer["url"])
        await wait_for_tokens(signed_out)
        done = await client.call_tool("login", {})
        assert done.structured_content["message"].startswith("Already signed in")  # type: ignore[index]


async def test_clients_that_support_url_elicitation_get_one(signed_out: Settings) -> None:
    async def decline(*_: object) -> object:
        raise AssertionError("the server must not wait on an elicitation")

    async with Client(
        create_server(signed_out), mode="legacy", elicitation_callback=decline
    ) as client:
        with pytest.raises(MCPError) as raised:
            await client.call_tool("list_sites", {})
    error = raised.value.error
    assert error.code == -32042
    assert url_in(error.message) == error.data["elicitations"][0]["url"]  # type: ignore[index]


async def test_a_busy_callback_port_points_to_the_terminal(signed_out: Settings) -> None:
    port = int(signed_out.redirect_uri.split(":")[2].split("/")[0])
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", port))
        busy.listen()
        async with Client(create_server(signed_out)) as client:
            result = await client.call_tool("list_sites", {})
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and f"Port {port}" in text and "sage200-mcp login --no-browser" in text


async def test_the_login_tool_says_why_the_sign_in_is_gone_before_the_steps(
    signed_out: Settings,
) -> None:
    signed_out.tokens_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    signed_out.tokens_path.write_text("{ not json")  # a damaged token file
    signed_out.tokens_path.chmod(0o600)
    async with Client(create_server(signed_out)) as client:
        answer: dict[str, Any] = (await client.call_tool("login", {})).structured_content  # type: ignore[assignment]
    assert answer["signed_in"] is False
    cause, _, steps = answer["message"].partition(" To sign in to Sage, open")
    assert "not a valid token file" in cause, answer["message"]
    assert answer["url"] in steps
