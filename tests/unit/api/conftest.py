"""The SageClient under test, with a fake clock and token source, against a mocked Sage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sage200_mcp.api.client import RetryPolicy, SageClient
from sage200_mcp.config import Settings
from tests.unit.api.fakes import API, Clock, Tokens


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path), "SAGE200_API_URL": API})


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(settings: Settings, tokens: Tokens, clock: Clock) -> AsyncIterator[SageClient]:
    async with httpx.AsyncClient() as http:
        yield SageClient(
            settings, tokens, http, RetryPolicy(attempts=3, budget=20), clock.sleep, clock
        )
