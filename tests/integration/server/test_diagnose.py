"""The `diagnose` tool: the doctor's report from the chat, structured, hiding every identifier."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import CLIENT_ID, sandbox_variant, tokens_for
from tests.integration.server.conftest import settings_for

pytestmark = pytest.mark.anyio


async def test_diagnose_reports_every_hop_from_the_chat(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    settings = settings_for(sandbox_server, tmp_path)
    with httpx.Client(base_url=sandbox_server.url) as http:
        answer = TokenResponse.parse(tokens_for(http))  # its own: diagnose renews the sign-in
    TokenStore(settings.tokens_path).write(
        StoredTokens.from_sign_in(answer, time.time(), 90, sandbox_server.url, CLIENT_ID)
    )
    async with Client(create_server(settings)) as client:
        assert not (await client.call_tool("switch_site", {"site": "1"})).is_error
        result = await client.call_tool("diagnose", {})
    report: Any = result.structured_content
    assert not result.is_error and report["hops"][0]["name"] == "configuration"
    count = sandbox_variant().get("count_style", "number")
    assert f"count_style={count}" in report["findings"]
    assert report["ok"] is (
        count != "unsupported" and "tunnel_timeout_rows" not in sandbox_variant()
    )
    text = result.content[0].text  # type: ignore[union-attr]
    assert "Stockwell" not in text and "demo@example.com" not in text
    assert not any(s in text for s in sandbox_server.sandbox.identity.issued_secrets())
