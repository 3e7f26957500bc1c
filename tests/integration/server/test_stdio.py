"""The server as desktop clients run it: a subprocess over stdio, driven by the SDK's client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from sage200_mcp.config import Settings
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import CLIENT_ID, PRO, loopback_redirect, sandbox_requests, tool_snapshots

pytestmark = pytest.mark.anyio


def server(*args: str, **env: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "sage200_mcp", *args],
        env={**os.environ, "SAGE200_NO_BROWSER": "1", **env},
    )


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_serve_demo_answers_over_stdio(mode: str, tmp_path: Path) -> None:
    # the demo must not touch the user's profile, wherever it is configured to be
    own = tmp_path / "own-config"
    async with Client(
        server("serve", "--demo", SAGE200_CONFIG_DIR=str(own)), mode=mode, read_timeout_seconds=120
    ) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"list_sites", "list_customers", "get_customer"} <= names
        status: Any = (await client.call_tool("get_status", {})).structured_content
        assert status["signed_in"] and status["user"] == "Demo User <demo@example.com>"
        await client.call_tool("switch_site", {"site": "Stockwell Office Supplies Ltd"})
        page: Any = (
            await client.call_tool("list_customers", {"over_credit_limit": True})
        ).structured_content
        assert page["customers"] and all(c["over_credit_limit"] for c in page["customers"])
        ie = await client.call_tool("switch_site", {"site": "Ireland"})
        assert not ie.is_error
        abs_ie: Any = (
            await client.call_tool("get_customer", {"customer": "ABS Garages"})
        ).structured_content
        assert abs_ie["customer"]["currency"] == "EUR"
        prompts = {prompt.name for prompt in (await client.list_prompts()).prompts}
        assert prompts == {"month_end_pack", "credit_control_review", "supplier_payment_run"}
        shown = await client.get_prompt("month_end_pack", {"month": "2026-10"})
        assert "October 2026" in shown.messages[0].content.text  # type: ignore[union-attr]
        company = await client.read_resource("sage200://companies/selected")
        context = json.loads(company.contents[0].text)  # type: ignore[union-attr]
        assert context["base_currency"] == "EUR" and context["selected"]
    assert not own.exists()


async def test_serve_against_sage_when_not_signed_in_offers_the_sign_in(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    env = {
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_ID_URL": sandbox_server.url,
        "SAGE200_API_URL": sandbox_server.url + PRO,
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_CLIENT_SECRET": "",  # the desktop client has none
        "SAGE200_REDIRECT_URI": loopback_redirect(sandbox_server),
    }
    async with Client(server("serve", **env), read_timeout_seconds=60) as client:
        result = await client.call_tool("list_customers", {})
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "Not signed in to Sage yet" in text
    assert f"{sandbox_server.url}/authorize?" in text


async def test_serve_before_set_up_starts_and_says_what_to_set(tmp_path: Path) -> None:
    """A client launched with no credentials must not just show "disconnected": the server
    starts, lists its tools, and answers with the text the command line gives."""
    env = {"SAGE200_CONFIG_DIR": str(tmp_path), "SAGE200_CLIENT_ID": ""}
    expected = Settings.load(environ=env).setup_problem()
    assert expected is not None
    async with Client(server("serve", **env), read_timeout_seconds=60) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == {snapshot["name"] for snapshot in tool_snapshots()}
        answer = await client.call_tool("list_customers", {})
        status: Any = (await client.call_tool("get_status", {})).structured_content
    assert answer.is_error and answer.content[0].text.endswith(expected)  # type: ignore[union-attr]
    assert status["setup_needed"] == expected
    login, status_line = (
        subprocess.run(
            [sys.executable, "-m", "sage200_mcp", command],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        for command in ("login", "status")
    )
    assert login.returncode == 1 and login.stderr == f"sage200-mcp: {expected}\n"
    assert (
        status_line.returncode == 1 and f"Set up:         not yet. {expected}" in status_line.stdout
    )


async def test_serve_with_a_mistyped_toolset_starts_and_says_what_to_fix(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    """The extension's settings form takes toolsets as free text: a typo there must not leave
    the client showing "disconnected", nor quietly offer tools the user meant to leave out."""
    env = {
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_ID_URL": sandbox_server.url,
        "SAGE200_API_URL": sandbox_server.url + PRO,
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_TOOLSETS": "customers,custmers",
    }
    before = sandbox_requests(sandbox_server.url)
    async with Client(server("serve", **env), read_timeout_seconds=60) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        answer = await client.call_tool("list_customers", {})
        status: Any = (await client.call_tool("get_status", {})).structured_content
    assert names == {snapshot["name"] for snapshot in tool_snapshots()}
    text = answer.content[0].text  # type: ignore[union-attr]
    assert answer.is_error and "Unknown toolset(s) 'custmers'" in text
    assert "Fix the toolsets setting" in text and status["setup_needed"] in text
    assert sandbox_requests(sandbox_server.url) == before  # nothing was read
