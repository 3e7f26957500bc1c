"""One version, said the same way everywhere a user or client sees it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from sage200_mcp import __version__
from sage200_mcp.cli import main
from sage200_mcp.config import Settings
from sage200_mcp.server import create_server

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"


def test_the_changelog_starts_with_this_version() -> None:
    versions = re.findall(r"^## \[([^\]]+)\]", CHANGELOG.read_text(), re.MULTILINE)
    assert versions and versions[0] == __version__


def test_version_flag_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == f"sage200-mcp {__version__}\n"


@pytest.mark.anyio
async def test_initialize_and_get_status_carry_it(tmp_path: Path) -> None:
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path)})
    async with Client(create_server(settings)) as client:
        assert client.server_info.version == __version__
        status: Any = (await client.call_tool("get_status", {})).structured_content
    assert status["version"] == __version__
