"""Every tool's name, title, description, schemas and annotations, pinned one file per tool in
tests/snapshots/tools/<tool>.json.

A change to what the model sees must be deliberate. Each tool is compared on its own, so a
failure names the tool; a tool without a snapshot fails, and so does a snapshot whose tool is
gone. To accept a change, run with UPDATE_SNAPSHOTS=1 and review the diff like code: the files
are rewritten (a new tool's written, a gone tool's deleted) and the test says which, without
ever comparing a file it has just written with itself. CI never rewrites them: there
UPDATE_SNAPSHOTS fails, so an unreviewed schema change cannot pass by accepting itself.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from sage200_mcp.config import Settings
from sage200_mcp.server import create_server
from tests.helpers import TOOL_SNAPSHOTS


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


def snapshot_names() -> set[str]:
    return {path.stem for path in TOOL_SNAPSHOTS.glob("*.json")}


def updating() -> bool:
    """Whether UPDATE_SNAPSHOTS asks for the files to be rewritten; never allowed in CI."""
    if not os.environ.get("UPDATE_SNAPSHOTS"):
        return False
    if os.environ.get("CI"):
        pytest.fail(
            "UPDATE_SNAPSHOTS is set in CI, where snapshots can't be rewritten: run it locally,"
            " review the diff of tests/snapshots/tools/ and commit it."
        )
    return True


@pytest.mark.parametrize("tool", sorted(set(described_tools()) | snapshot_names()))
def test_tool_matches_its_snapshot(tool: str) -> None:
    current = described_tools().get(tool)
    path = TOOL_SNAPSHOTS / f"{tool}.json"
    pinned = path.read_text() if path.exists() else None  # read before anything is written
    if updating():
        if current is None:
            path.unlink()
            pytest.skip(f"{tool}: the tool is gone; its snapshot was deleted. Review the diff.")
        if pinned != current:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(current)
            pytest.skip(f"{tool}: snapshot rewritten. Review the diff before committing.")
        return  # unchanged: compared above with the file as it was
    assert current is not None, (
        f"tests/snapshots/tools/{tool}.json pins a tool the server no longer has: if it was"
        " removed on purpose, rerun with UPDATE_SNAPSHOTS=1 to delete its snapshot."
    )
    assert pinned is not None, (
        f"The tool {tool} has no snapshot: rerun with UPDATE_SNAPSHOTS=1 and review the new"
        f" tests/snapshots/tools/{tool}.json."
    )
    assert current == pinned, (
        f"The tool {tool} changed what the model sees. If intended, rerun with"
        f" UPDATE_SNAPSHOTS=1 and review the diff of tests/snapshots/tools/{tool}.json."
    )


def test_every_tool_has_a_snapshot_and_every_snapshot_a_tool() -> None:
    """The same facts as above, in one line: what is missing on either side."""
    if os.environ.get("UPDATE_SNAPSHOTS") and not os.environ.get("CI"):
        pytest.skip("the snapshots are being rewritten")
    live, pinned = set(described_tools()), snapshot_names()
    assert (sorted(live - pinned), sorted(pinned - live)) == ([], []), (
        "(tools without a snapshot, snapshots without a tool)"
    )
