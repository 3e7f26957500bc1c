"""What a team server offers differs from one person's in exactly the sign-in: its clients sign
people in by OAuth, so the tools and instructions for signing in from the chat are left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from sage200_mcp.config import Settings
from sage200_mcp.server import TOOLSETS, create_server

pytestmark = pytest.mark.anyio
SIGNING_IN_FROM_THE_CHAT = {"login", "complete_login", "diagnose"}


def settings(tmp_path: Path) -> Settings:
    return Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path)})


async def test_a_team_server_offers_every_tool_but_signing_in_from_the_chat(
    tmp_path: Path,
) -> None:
    alone = create_server(settings(tmp_path))
    team = create_server(settings(tmp_path), team=lambda _: cast(Any, object()))
    mine = {tool.name for tool in await alone.list_tools()}
    ours = {tool.name for tool in await team.list_tools()}
    assert mine >= SIGNING_IN_FROM_THE_CHAT
    assert ours == mine - SIGNING_IN_FROM_THE_CHAT
    assert "complete_login" in (alone.instructions or "")
    assert "complete_login" not in (team.instructions or "")
    assert "shared by a team" in (team.instructions or "")


async def test_each_toolsets_tools_are_known_by_their_toolset(tmp_path: Path) -> None:
    team = create_server(settings(tmp_path), team=lambda _: cast(Any, object()))
    assert set(team.toolset_of.values()) == set(TOOLSETS)
    assert team.toolset_of["list_customers"] == "customers"
    assert team.toolset_of["list_products"] == "stock"
    assert "list_sites" not in team.toolset_of  # everyone's
