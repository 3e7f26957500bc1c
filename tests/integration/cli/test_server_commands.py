"""`sites`, `use`, `demo` and `serve --transport http`, as real processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import CLIENT_ID, PRO, free_port


def run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sage200_mcp", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def profile_env(
    sandbox_server: SandboxServer, signed_in_tokens: Path, tmp_path: Path
) -> dict[str, str]:
    tokens = tmp_path / "profiles" / "default" / "tokens.json"
    tokens.parent.mkdir(parents=True, mode=0o700)
    shutil.copy(signed_in_tokens, tokens)
    return {
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_ID_URL": sandbox_server.url,
        "SAGE200_API_URL": sandbox_server.url + PRO,
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_CLIENT_SECRET": "",  # the desktop client has none
    }


def test_sites_and_use_share_the_choice_with_status(profile_env: dict[str, str]) -> None:
    listed = run("sites", env=profile_env)
    assert listed.returncode == 0
    assert (
        "Stockwell Office Supplies (Ireland) Ltd" in listed.stdout
        and "use <id or name>" in listed.stdout
    )
    chosen = run("use", "ireland", env=profile_env)
    assert (
        chosen.returncode == 0
        and "Now using Stockwell Office Supplies (Ireland) Ltd" in chosen.stdout
    )
    marked = [
        line for line in run("sites", env=profile_env).stdout.splitlines() if line.startswith("*")
    ]
    assert len(marked) == 1 and "(Ireland)" in marked[0]
    assert (
        "Stockwell Office Supplies (Ireland) Ltd (company 2"
        in run("status", env=profile_env).stdout
    )
    ambiguous = run("use", "Stockwell", env=profile_env)
    assert ambiguous.returncode == 1 and "matches 2 companies" in ambiguous.stderr
    assert "Traceback" not in ambiguous.stderr


def test_sites_when_not_signed_in_says_how_to_sign_in(
    profile_env: dict[str, str], tmp_path: Path
) -> None:
    result = run("sites", env={**profile_env, "SAGE200_CONFIG_DIR": str(tmp_path / "empty")})
    assert result.returncode == 1 and "sage200-mcp login" in result.stderr


def test_the_demo_tours_the_tools_and_prints_client_configurations() -> None:
    result = run("demo", env={})
    assert result.returncode == 0, result.stderr
    for text in (
        "Which customers are over their credit limit?",
        "ABS001 ABS Garages Ltd",
        "net profit",
        "ties out",
        "Stockwell Office Supplies (Ireland) Ltd",
        "EUR",
        "-m sage200_mcp install claude-desktop --demo",
        "-m sage200_mcp setup",
        "claude_desktop_config.json",
        "claude mcp add sage200",
        ".vscode/mcp.json",
        "~/.cursor/mcp.json",
    ):
        assert text in result.stdout, text
    assert "error:" not in result.stdout and "Traceback" not in result.stderr


def test_serve_over_http_checks_the_host_header() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sage200_mcp",
            "serve",
            "--demo",
            "--transport",
            "http",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        initialize = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"},
            },
        }
        headers = {"Accept": "application/json, text/event-stream"}
        good = httpx.post(
            f"http://127.0.0.1:{port}/mcp", json=initialize, headers=headers, timeout=30
        )
        assert good.status_code == 200
        foreign = httpx.post(
            f"http://127.0.0.1:{port}/mcp",
            json=initialize,
            headers={**headers, "Host": "evil.example"},
            timeout=30,
        )
        assert foreign.status_code in (400, 403, 421)
        origin = httpx.post(
            f"http://127.0.0.1:{port}/mcp",
            json=initialize,
            headers={**headers, "Origin": "http://evil.example"},
            timeout=30,
        )
        assert origin.status_code in (400, 403)
    finally:
        process.terminate()
        process.communicate(timeout=10)
