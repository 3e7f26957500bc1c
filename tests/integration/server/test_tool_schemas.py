"""Every tool's name, title, description, schemas and annotations, pinned in tests/snapshots.

A change to what the model sees must be deliberate: rerun with UPDATE_SNAPSHOTS=1 to accept it,
and review the diff of tests/snapshots/tools.json like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from sage200_mcp.config import Settings
from sage200_mcp.server import create_server

pytestmark = pytest.mark.anyio

SNAPSHOT = Path(__file__).resolve().parents[2] / "snapshots" / "tools.json"


async def test_tool_schemas_match_the_snapshot(tmp_path: Path) -> None:
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path)})
    async with Client(create_server(settings)) as client:
        tools = (await client.list_tools()).tools
    current: list[dict[str, Any]] = [
        {
            "name": tool.name,
            "title": tool.title,
            "description": tool.description,
            "annotations": tool.annotations.model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
            if tool.annotations
            else None,
            "inputSchema": tool.input_schema,
            "outputSchema": tool.output_schema,
        }
        for tool in sorted(tools, key=lambda t: t.name)
    ]
    text = json.dumps(current, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_SNAPSHOTS=1"
    assert text == SNAPSHOT.read_text(), (
        "A tool's schema changed. If intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff."
    )
