"""Eight processes need a token at the same moment, just after it expired: one refresh, no reuse."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import CLIENT_ID, PRO, sandbox_variant, tokens_for

PROBE = """
import asyncio, sys, time
import httpx
from sage200_mcp.auth import open_session
from sage200_mcp.config import Settings

async def main() -> None:
    settings = Settings.load()
    start_at = float(sys.argv[1])
    async with httpx.AsyncClient() as http:
        session = open_session(settings, http)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        token = await session.access_token()
        headers = {"Authorization": f"Bearer {token}"}
        answer = await http.get(settings.api_url + "sites", headers=headers)
        print("ok", answer.status_code, flush=True)

asyncio.run(main())
"""


@pytest.fixture
def race_server() -> Iterator[SandboxServer]:
    sandbox = Sandbox(
        SandboxSettings(today=date(2026, 11, 28), access_token_ttl=2, **sandbox_variant())
    )
    with SandboxServer(sandbox) as running:
        yield running


def test_eight_processes_at_expiry_share_one_refresh(
    race_server: SandboxServer, tmp_path: Path
) -> None:
    server = race_server
    with httpx.Client(base_url=server.url, timeout=30) as http:
        signed_in = tokens_for(http)
    env = {
        **os.environ,
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_ID_URL": server.url,
        "SAGE200_API_URL": server.url + PRO,
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_CLIENT_SECRET": "",  # the desktop client has none
    }
    store = TokenStore(tmp_path / "profiles" / "default" / "tokens.json")
    store.write(
        StoredTokens.from_sign_in(
            TokenResponse.parse(signed_in), time.time(), 90, server.url, CLIENT_ID
        )
    )
    # the signed-in token expires in 2 s; the refreshed one lives long enough that a loaded
    # machine's slow request cannot outlast it and turn a shared refresh into a 401
    server.sandbox.reset(keep_tokens=True, access_token_ttl=300)
    start_at = time.time() + 4  # past expiry, and time for every process to be ready
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PROBE, str(start_at)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [process.communicate(timeout=60) for process in processes]
    assert [p.returncode for p in processes] == [0] * 8, [err for _, err in results]
    assert [out.strip() for out, _ in results] == ["ok 200"] * 8
    stats = server.sandbox.stats()
    assert stats["token_requests"].get("refresh_token") == 1
    assert stats["refresh_token_reuse"] == 0
    saved = store.read(fresh=True)
    assert saved is not None and saved.refresh_token != signed_in["refresh_token"]
    secrets = server.sandbox.identity.issued_secrets()
    assert not any(s in out + err for s in secrets for out, err in results)
