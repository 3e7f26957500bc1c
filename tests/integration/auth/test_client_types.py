"""Signing in as Sage registers applications, end to end in real Chromium: a desktop application
(no secret, the browser comes back to the loopback listener) and a web application (secret, an
https redirect: the person pastes the address the browser lands on), from the command line and
from the chat (the MCP server as a stdio subprocess driven by the SDK's client); and a web
application on a loopback redirect, which Sage ID refuses, told so at once rather than left to
hang until the listener gives up.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.browser import require_chromium
from tests.helpers import WEB_CLIENT_ID, WEB_CLIENT_SECRET, WEB_REDIRECT_URI, free_port
from tests.integration.auth.conftest import ROOT, Cli
from tests.integration.auth.test_login import assert_private_tokens, read_until

pytestmark = pytest.mark.browser

WEB = {
    "SAGE200_CLIENT_ID": WEB_CLIENT_ID,
    "SAGE200_CLIENT_SECRET": WEB_CLIENT_SECRET,
    "SAGE200_REDIRECT_URI": WEB_REDIRECT_URI,
}
REFUSES_TO_OPEN = f"{sys.executable} -c 'raise SystemExit(9)' %s"


def wait_for(path: Path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return path.read_text()


# -- from the command line ------------------------------------------------------------------------


def test_a_web_application_signs_in_by_pasting_the_address_the_browser_landed_on(
    cli: Cli, tmp_path: Path
) -> None:
    require_chromium()
    landed = tmp_path / "landed"
    process = cli.start("login", env={**WEB, "SAGE200_TEST_BROWSER_LANDED": str(landed)})
    _, before = read_until(process.stderr, r"paste it here")
    address = wait_for(landed)
    assert address.startswith(f"{WEB_REDIRECT_URI}?code=")  # where Chromium failed to load
    out, err = process.communicate(address + "\n", timeout=60)
    cli.keep(before, out, err)
    assert process.returncode == 0, err
    assert "Signed in as Demo User <demo@example.com>" in out
    assert "may not load" in before and "ERR_NAME_NOT_RESOLVED" in err
    assert_private_tokens(cli)
    status = cli.run("status", env=WEB)
    assert "Application:    sandbox-client (web)" in status.stdout


def test_a_web_application_on_a_loopback_redirect_is_refused_at_once(cli: Cli) -> None:
    loopback = f"http://127.0.0.1:{free_port()}/callback"
    started = time.monotonic()
    result = cli.run(
        "login", env={**WEB, "SAGE200_REDIRECT_URI": loopback, "BROWSER": REFUSES_TO_OPEN}
    )
    assert time.monotonic() - started < 30  # not the listener's five minutes
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Sage ID refused the redirect URI {loopback}" in result.stderr
    assert "must be https" in result.stderr and "desktop application" in result.stderr
    assert "Opening your browser" not in result.stderr


def test_device_sign_in_is_refused_clearly_where_discovery_does_not_offer_it(
    cli: Cli, auth_server: Any
) -> None:
    auth_server.sandbox.reset(keep_tokens=True, device_flow=False)
    try:
        result = cli.run("login", "--device")
    finally:
        auth_server.sandbox.reset(keep_tokens=True, device_flow=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Device sign-in is not offered by Sage ID" in result.stderr
    assert "--no-browser" in result.stderr


# -- from the chat ---------------------------------------------------------------------------------


@pytest.fixture
async def chat(cli: Cli) -> AsyncIterator[Any]:
    """Starts the MCP server over stdio with this test's environment, as a desktop client
    would, with the browser stand-in as the system browser."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**env: str) -> Client:
            params = StdioServerParameters(
                command=sys.executable,
                args=["-m", "sage200_mcp", "serve"],
                env={**cli.env, "PYTHONPATH": str(ROOT), **env},
            )
            return await stack.enter_async_context(Client(params, read_timeout_seconds=90))

        yield start


async def signed_in(client: Client, cli: Cli, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while not cli.tokens_path.exists():
        assert time.monotonic() < deadline, "the sign-in never landed"
        await anyio.sleep(0.1)
    status: Any = (await client.call_tool("get_status", {})).structured_content
    return dict(status)


@pytest.mark.anyio
async def test_a_desktop_application_signs_in_from_the_chat(cli: Cli, chat: Any) -> None:
    require_chromium()
    client = await chat()
    started = await client.call_tool("login", {})
    answer: Any = started.structured_content
    assert not started.is_error and answer["url"] and "complete_with" not in answer
    cli.keep(answer["message"])
    status = await signed_in(client, cli)
    assert status["signed_in"] and status["user"] == "Demo User <demo@example.com>"
    assert status["client_type"] == "desktop"
    sites = await client.call_tool("list_sites", {})
    assert not sites.is_error and len(sites.structured_content["sites"]) == 3  # type: ignore[index]
    assert_private_tokens(cli)


@pytest.mark.anyio
async def test_a_web_application_signs_in_from_the_chat_with_the_pasted_address(
    cli: Cli, chat: Any, tmp_path: Path
) -> None:
    require_chromium()
    landed = tmp_path / "landed"
    client = await chat(**WEB, SAGE200_TEST_BROWSER_LANDED=str(landed))
    started = await client.call_tool("login", {})
    answer: Any = started.structured_content
    assert answer["complete_with"] == WEB_REDIRECT_URI
    assert "complete_login" in answer["message"] and "may not load" in answer["message"]
    address = wait_for(landed)
    wrong = await client.call_tool("complete_login", {"address": "https://elsewhere.example/x"})
    assert wrong.is_error and "not the address Sage ID sent you to" in wrong.content[0].text  # type: ignore[union-attr]
    done = await client.call_tool("complete_login", {"address": address})
    result: Any = done.structured_content
    assert not done.is_error and result["signed_in"] and result["user"].startswith("Demo User")
    cli.keep(answer["message"], result["message"])
    status = await signed_in(client, cli)
    assert status["signed_in"] and status["client_type"] == "web"
    assert not (await client.call_tool("list_sites", {})).is_error


@pytest.mark.anyio
async def test_a_web_application_on_a_loopback_redirect_is_told_from_the_chat(
    cli: Cli, chat: Any
) -> None:
    loopback = f"http://127.0.0.1:{free_port()}/callback"
    client = await chat(**{**WEB, "SAGE200_REDIRECT_URI": loopback, "BROWSER": REFUSES_TO_OPEN})
    result = await client.call_tool("list_customers", {})
    text = result.content[0].text  # type: ignore[union-attr]
    cli.keep(text)
    assert result.is_error and "Not signed in to Sage yet" in text
    assert f"Sage ID refused the redirect URI {loopback}" in text and "must be https" in text
