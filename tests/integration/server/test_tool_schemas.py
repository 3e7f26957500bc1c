"""Every tool's name, title, description, schemas and annotations, pinned one file per tool in
tests/snapshots/tools/<tool>.json.

A change to what the model sees must be deliberate. Each tool is compared on its own, so a
failure names the tool; a tool without a snapshot fails, and so does a snapshot whose tool is
gone. To accept a change, run with UPDATE_SNAPSHOTS=1 and review the diff (tests/pinning.py).
"""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from sage200_mcp.config import Settings
from sage200_mcp.server import create_server
from tests.pinning import check_both_ways, check_pinned, pinned_names


async def _described_tools(config_dir: Path) -> dict[str, str]:
    """What the live server shows the model, tool by tool, as the snapshot files hold it."""
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(config_dir)})
    async with Client(create_server(settings)) as client:
        tools = (await client.list_tools()).tools
    described: dict[str, str] = {}
    for tool in tools:
        annotations = (
            tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True)
            if tool.annotations
            else None
        )
        entry: dict[str, Any] = {
            "name": tool.name,
            "title": tool.title,
            "description": tool.description,
            "annotations": annotations,
            "inputSchema": tool.input_schema,
            "outputSchema": tool.output_schema,
        }
        described[tool.name] = json.dumps(entry, indent=2, sort_keys=True) + "\n"
    return described


@functools.cache
def described_tools() -> dict[str, str]:
    """The live tools, read once (at collection, before any test's event loop runs)."""
    with tempfile.TemporaryDirectory() as config_dir:
        return anyio.run(_described_tools, Path(config_dir))


@pytest.mark.parametrize("tool", sorted(set(described_tools()) | pinned_names("tools")))
def test_tool_matches_its_snapshot(tool: str) -> None:
    check_pinned("tools", tool, described_tools().get(tool))


def test_every_tool_has_a_snapshot_and_every_snapshot_a_tool() -> None:
    check_both_ways("tools", set(described_tools()))
