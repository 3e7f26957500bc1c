"""The MCP server, in memory, reading the session's sandbox over real HTTP.

Each test gets its own config directory (so the chosen company starts unset), holding a copy of
one sign-in made for the whole session.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from mcp import Client

from sage200_mcp.config import Settings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import CLIENT_ID, PRO, TODAY, loopback_redirect


def settings_for(server: SandboxServer, config_dir: Path, **extra: str) -> Settings:
    """A profile on the sandbox, with a redirect of its own should a sign-in start."""
    return Settings.load(
        environ={
            "SAGE200_CONFIG_DIR": str(config_dir),
            "SAGE200_ID_URL": server.url,
            "SAGE200_API_URL": server.url + PRO,
            "SAGE200_CLIENT_ID": CLIENT_ID,
            "SAGE200_CLIENT_SECRET": "",  # the desktop client has none
            "SAGE200_REDIRECT_URI": loopback_redirect(server),
            "SAGE200_TODAY": TODAY,  # the tools' today is the sandbox's
            **extra,
        }
    )


@pytest.fixture
def settings(
    sandbox_server: SandboxServer,
    signed_in_tokens: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    monkeypatch.setenv("SAGE200_NO_BROWSER", "1")
    settings = settings_for(sandbox_server, tmp_path / "config")
    settings.tokens_path.parent.mkdir(parents=True, mode=0o700)
    shutil.copy(signed_in_tokens, settings.tokens_path)
    return settings


@pytest.fixture
def signed_out(
    sandbox_server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """A profile on the sandbox that nobody has signed in to."""
    monkeypatch.setenv("SAGE200_NO_BROWSER", "1")
    return settings_for(sandbox_server, tmp_path)


@pytest.fixture
async def mcp(settings: Settings) -> AsyncIterator[Client]:
    async with Client(create_server(settings), raise_exceptions=True) as client:
        yield client


Call = Callable[..., object]
