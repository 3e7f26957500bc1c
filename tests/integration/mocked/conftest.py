"""The MCP server's tools, in memory, over the mocked Sage of ``sage.py``: the client, the
models and the tools are the real ones; no sign-in is needed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import respx
from mcp import Client
from mcp.server.mcpserver import MCPServer

from sage200_mcp.api.client import RetryPolicy, SageClient
from sage200_mcp.auth import SignIn
from sage200_mcp.config import Settings
from sage200_mcp.tools import nominal, orders, stock, traders
from sage200_mcp.tools.state import AppState, ProfileSelection
from tests.integration.mocked.sage import SITE
from tests.unit.api.fakes import API, Clock, Tokens


@pytest.fixture
def sage() -> Any:
    with respx.mock(base_url=API, assert_all_called=False) as mock:
        mock.get("sites").respond(json=[SITE])
        mock.get("currencies").respond(json=[{"id": None}, {"id": 1, "symbol": None}])
        mock.get("warehouses").respond(json=[{"id": None, "name": "Lost"}, {"id": 3, "name": "W"}])
        # the lookup resources, read beside the rows they name: empty, so Sage's SDK names serve
        mock.get(url__regex=r"_types$").respond(json=[])
        yield mock


@pytest.fixture
async def mcp(tmp_path: Path, sage: Any) -> AsyncIterator[Client]:
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path), "SAGE200_API_URL": API})

    @contextlib.asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        async with httpx.AsyncClient() as http:
            clock = Clock()
            client = SageClient(settings, Tokens(), http, RetryPolicy(), clock.sleep, clock)
            # tools reading the books never sign in: no session or sign-in is needed
            unused = cast(Any, None)
            yield AppState(
                settings, client, cast(SignIn, unused), unused, ProfileSelection(settings)
            )

    server = MCPServer("nulls", lifespan=lifespan)
    for register in (
        orders.register,
        stock.register,
        nominal.register,
        traders.register_customers,
    ):
        register(server)
    async with Client(server, raise_exceptions=True) as client:
        yield client
