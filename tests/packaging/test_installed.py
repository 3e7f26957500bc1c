"""The wheel as users run it: `pip install`ed in a fresh venv, and run by uv as `uvx` runs it,
each serving the demo over stdio to the MCP SDK's own client.

What only this catches: a module or data file the wheel leaves out, a dependency missing from
its metadata (the dev venv has them all), an entry point that does not start.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.helpers import tool_snapshots
from tests.packaging.artefacts import built, clean_env, installed_bin, uv_bin, wheel_metadata
from tests.packaging.reads import SOURCE

pytestmark = [pytest.mark.anyio, pytest.mark.wheel]

LAUNCHERS = ["pip install", "uvx"]


def command(launcher: str) -> list[str]:
    """``sage200-mcp`` as the launcher starts it; uv runs offline, from the cache `make
    installed` warmed, so the test reaches no index."""
    if launcher == "pip install":
        return [str(installed_bin())]
    uv = [str(uv_bin()), "tool", "run", "--offline", "--quiet"]
    return [*uv, "--from", str(built(".whl")), "sage200-mcp"]


def test_installed_package_is_the_wheels_not_this_tree() -> None:
    python = installed_bin().parent / "python"
    found = subprocess.run(
        [python, "-c", "import sage200_mcp; print(sage200_mcp.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(),
    ).stdout.strip()
    assert "site-packages" in Path(found).parts
    assert not Path(found).is_relative_to(SOURCE)


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_version_is_the_wheels(launcher: str, tmp_path: Path) -> None:
    version = wheel_metadata(built(".whl"))["Version"]
    shown = subprocess.run(
        [*command(launcher), "--version"],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"sage200-mcp {version}"


async def answer(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
    """The tool's structured answer; an error (a data file the wheel left out, say) fails the
    test with the server's own words."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, f"{tool}: {result.content}"
    return result.structured_content


@pytest.mark.parametrize("launcher", LAUNCHERS)
async def test_serve_demo_answers_over_stdio(launcher: str, tmp_path: Path) -> None:
    version = wheel_metadata(built(".whl"))["Version"]
    argv = command(launcher)
    own = tmp_path / "own-config"
    params = StdioServerParameters(
        command=argv[0],
        args=[*argv[1:], "serve", "--demo"],
        env=clean_env(SAGE200_NO_BROWSER="1", SAGE200_CONFIG_DIR=str(own)),
        cwd=tmp_path,
    )
    # the initialize handshake, as every desktop client of today opens it
    async with Client(params, mode="legacy", read_timeout_seconds=120) as client:
        assert client.server_info is not None
        assert (client.server_info.name, client.server_info.version) == ("sage200-mcp", version)
        tools = (await client.list_tools()).tools
        status = await answer(client, "get_status", {})
        await answer(client, "switch_site", {"site": "Stockwell Office Supplies Ltd"})
        page = await answer(client, "list_customers", {"over_credit_limit": True})
    # the same tools, schemas and all, as this tree's server (pinned by test_tool_schemas)
    served = {tool.name: (tool.input_schema, tool.output_schema) for tool in tools}
    assert served == {t["name"]: (t["inputSchema"], t["outputSchema"]) for t in tool_snapshots()}
    assert status["version"] == version and status["signed_in"]
    # answered from the sandbox inside the wheel: its seeded books, checked against its schemas
    assert page["customers"] and all(c["over_credit_limit"] for c in page["customers"])
    assert not own.exists()
