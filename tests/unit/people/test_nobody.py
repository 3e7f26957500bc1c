"""A team server's state outside any person's call (``People.nobody``) reads no one's books:
every way to Sage or to a selection fails closed, before a request is made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from mcp.server.mcpserver.exceptions import ToolError

from sage200_mcp.api.client import Company
from sage200_mcp.api.models import Site
from sage200_mcp.auth.oauth import SageId
from sage200_mcp.config import Settings
from sage200_mcp.people.directory import NO_CALLER, People
from sage200_mcp.serving.rate_limit import RateLimiter
from sage200_mcp.team.settings import open_store
from sage200_mcp.tools.state import AppState
from tests.helpers import CLIENT_ID, PRO
from tests.integration.teamserver.conftest import KEY

pytestmark = pytest.mark.anyio


@pytest.fixture
async def nobody(tmp_path: Path) -> AsyncIterator[tuple[AppState, list[httpx.Request]]]:
    """The state, and every request its HTTP client was asked to send (there must be none)."""
    environ = {
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_DATABASE_URL": f"sqlite:///{tmp_path / 'team.sqlite3'}",
        "SAGE200_TOKEN_KEY": KEY,
    }
    settings = Settings.load(
        environ={
            **environ,
            "SAGE200_ID_URL": "http://127.0.0.1:9",
            "SAGE200_API_URL": "http://127.0.0.1:9" + PRO,
            "SAGE200_CLIENT_ID": CLIENT_ID,
        }
    )
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=[])

    store = await open_store(environ)
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        people = People(
            settings,
            store,
            SageId(settings, http),
            http,
            toolsets=("customers",),
            toolset_of={},
            rate=RateLimiter(60),
        )
        yield people.nobody(), sent
    await store.close()


async def test_its_client_has_no_token_and_sends_nothing(
    nobody: tuple[AppState, list[httpx.Request]],
) -> None:
    state, sent = nobody
    with pytest.raises(ToolError, match=NO_CALLER):
        await state.client.sites()
    with pytest.raises(ToolError, match=NO_CALLER):
        await state.client.get_list("customers", Company("s", 1))
    assert sent == []


async def test_it_has_no_selection_and_chooses_none(
    nobody: tuple[AppState, list[httpx.Request]],
) -> None:
    state, _ = nobody
    with pytest.raises(ToolError, match=NO_CALLER):
        await state.selection.chosen()
    with pytest.raises(ToolError, match=NO_CALLER):
        await state.selection.choose(
            Site(site_id="s", site_name="Site", company_id=1, company_name="Co")
        )
    with pytest.raises(ToolError, match=NO_CALLER):
        await state.sign_in.state()
