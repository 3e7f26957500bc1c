"""The Claude Desktop extension: its manifest (packaging/mcpb/manifest.json) against the real
server, and the bundle `make mcpb` packs (dist/sage200-mcp-<version>.mcpb).

The manifest's tools are the server's, name and description; to accept a change of the server's
tools, run with UPDATE_SNAPSHOTS=1 (which rewrites the manifest's list) and review the diff.
The bundle's tests need `make mcpb` (the official mcpb tool, from npm): without it they skip
locally, and fail in CI, where `make check` builds it first.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import Tool

from sage200_mcp import __version__
from sage200_mcp.server import TOOLSETS, create_server
from tests.packaging.reads import (
    MANIFEST_PATH,
    ROOT,
    SOURCE,
    manifest,
    pyproject_version,
    variables_the_server_reads,
)
from tests.pinning import updating

MCPB_TOOL = ROOT / "packaging" / "node_modules" / ".bin" / "mcpb"
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


async def _server_tools() -> list[Tool]:
    async with Client(create_server(None, demo=True)) as client:
        return (await client.list_tools()).tools


@functools.cache
def server_tools() -> list[Tool]:
    """What the server lists, read once (outside any test's event loop)."""
    return anyio.run(_server_tools)


def require_built(path: Path, what: str) -> Path:
    """``path``, or a skip (locally) / failure (in CI) saying how to make it."""
    if not path.exists():
        reason = f"{what} ({path.relative_to(ROOT)}) is missing: run `make mcpb`"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; `make check` must build it before the tests")
        pytest.skip(reason)
    return path


def bundle_path() -> Path:
    return require_built(ROOT / "dist" / f"sage200-mcp-{__version__}.mcpb", "the bundle")


def substituted(config: Any, variables: dict[str, str]) -> Any:
    """``config`` with ``${name}`` replaced as Claude Desktop replaces it (the mcpb library's
    getMcpConfigForManifest): a name it has no value for is left as it stands."""
    if isinstance(config, str):
        return _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), config)
    if isinstance(config, list):
        return [substituted(item, variables) for item in config]
    if isinstance(config, dict):
        return {key: substituted(value, variables) for key, value in config.items()}
    return config


def claude_desktop_variables(directory: Path, user: dict[str, str]) -> dict[str, str]:
    """The variables Claude Desktop offers ``mcp_config``: the bundle's directory, then each
    setting's default overridden by what the user entered."""
    values = {key: option["default"] for key, option in manifest()["user_config"].items()
              if "default" in option}  # fmt: skip
    values.update(user)
    return {"__dirname": str(directory), **{f"user_config.{k}": str(v) for k, v in values.items()}}


# --- the manifest, against the server (no network, no npm) ---


def test_the_manifest_lists_every_tool_the_server_offers_as_the_server_describes_it() -> None:
    listed = manifest()["tools"]
    current = [{"name": t.name, "description": t.description or ""} for t in server_tools()]
    if updating() and listed != current:
        rewritten = {**manifest(), "tools": current}
        MANIFEST_PATH.write_text(json.dumps(rewritten, indent=2, ensure_ascii=False) + "\n")
        pytest.skip("packaging/mcpb/manifest.json's tools rewritten. Review the diff.")
    assert [t["name"] for t in listed] == [t["name"] for t in current], (
        "the manifest's tools are not the server's: run with UPDATE_SNAPSHOTS=1 and review"
    )
    assert listed == current, "a tool's description differs from the server's"
    assert manifest()["tools_generated"] is False  # the list is the whole of it


def test_the_manifest_version_is_the_package_version() -> None:
    assert manifest()["version"] == __version__ == pyproject_version()


def test_the_descriptions_say_the_server_is_read_only() -> None:
    shown = manifest()
    assert "never changes the books" in shown["description"]
    assert shown["long_description"].startswith("**Read-only.**")
    assert "never creates, changes or deletes" in shown["long_description"]


def test_no_tool_the_manifest_lists_can_change_the_books() -> None:
    # the tools that are not reads (signing in, choosing the company) write only local state
    for tool in server_tools():
        hints = tool.annotations
        assert hints is not None and (hints.read_only_hint or hints.destructive_hint is False), (
            tool.name
        )


def test_every_variable_the_manifest_sets_is_one_the_server_reads() -> None:
    env = manifest()["server"]["mcp_config"]["env"]
    assert set(env) <= variables_the_server_reads(), set(env) - variables_the_server_reads()


def test_every_setting_reaches_the_server_and_every_reference_is_a_setting() -> None:
    config = manifest()["server"]["mcp_config"]
    referenced = {
        name.removeprefix("user_config.")
        for name in _VARIABLE.findall(json.dumps(config))
        if name.startswith("user_config.")
    }
    assert referenced == set(manifest()["user_config"])


def test_an_optional_setting_left_blank_reaches_the_server_empty_not_as_its_placeholder() -> None:
    # Claude Desktop leaves ${user_config.x} as it stands when x has neither a value nor a
    # default, and a literal placeholder as the secret would make a desktop app a web one
    only_required = {
        key: "given" for key, option in manifest()["user_config"].items() if option["required"]
    }
    config = substituted(
        manifest()["server"]["mcp_config"],
        claude_desktop_variables(Path("/bundle"), only_required),
    )
    assert "${" not in json.dumps(config), config
    assert config["env"]["SAGE200_CLIENT_SECRET"] == ""


def test_the_settings_form_asks_for_what_the_server_needs() -> None:
    form = manifest()["user_config"]
    assert form["client_id"]["required"] is True
    assert form["client_secret"]["sensitive"] is True
    assert form["client_secret"]["required"] is False  # a desktop application has none
    assert all(name in form["toolsets"]["description"] for name in TOOLSETS)
    assert form["toolsets"]["default"] == "all"


def test_the_compatibility_is_the_packages() -> None:
    compatibility = manifest()["compatibility"]
    assert {"darwin", "win32"} <= set(compatibility["platforms"])
    assert compatibility["runtimes"]["python"] == ">=3.11"


# --- the packed bundle and the official validator (need `make mcpb`) ---


def test_the_official_validator_passes_the_manifest_and_fails_a_broken_one(
    tmp_path: Path,
) -> None:
    tool = str(require_built(MCPB_TOOL, "the mcpb tool"))
    passed = subprocess.run(
        [tool, "validate", str(MANIFEST_PATH)], capture_output=True, text=True, timeout=60
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    broken = tmp_path / "manifest.json"
    broken.write_text(json.dumps({**manifest(), "server": {"type": "uv"}}))
    failed = subprocess.run(
        [tool, "validate", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert failed.returncode != 0


def test_the_bundle_holds_the_manifest_the_entry_point_and_the_current_source() -> None:
    with zipfile.ZipFile(bundle_path()) as bundle:
        names = set(bundle.namelist())
        assert json.loads(bundle.read("manifest.json")) == manifest()
        entry = MANIFEST_PATH.parent / "server" / "main.py"
        assert bundle.read("server/main.py") == entry.read_bytes()
        assert bundle.read("pyproject.toml") == (ROOT / "pyproject.toml").read_bytes()
        assert "README.md" in names  # pyproject.toml names it as the package's readme
        # and its license-files: without it the wheel uv builds carries no licence, and
        # setuptools warns it will refuse such a build from February 2027
        assert "LICENSE" in names
        source = {
            "src/" + path.relative_to(SOURCE.parent).as_posix(): path
            for path in SOURCE.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        bundled = {name for name in names if name.startswith("src/")}
        assert bundled == set(source), "the bundle's source is not src/'s: run `make mcpb`"
        stale = [name for name, path in source.items() if bundle.read(name) != path.read_bytes()]
        assert not stale, f"the bundle is older than the source ({stale[:3]}): run `make mcpb`"
    # a uv bundle must carry no dependencies: uv installs them for the user's platform
    assert not any(name.startswith(("server/lib/", "server/venv/", ".venv/")) for name in names)


@pytest.mark.anyio
async def test_the_server_starts_from_the_unpacked_bundle_as_the_manifest_says(
    tmp_path: Path,
) -> None:
    """The entry point and the package as bundled, with the environment Claude Desktop builds
    from the manifest. Claude Desktop starts it with uv, which installs the dependencies from
    PyPI; here they come from this environment, and PYTHONPATH puts the bundle's src/ first."""
    unpacked = tmp_path / "sage200-mcp"
    with zipfile.ZipFile(bundle_path()) as bundle:
        bundle.extractall(unpacked)
    shown = json.loads((unpacked / "manifest.json").read_text())
    config = substituted(
        shown["server"]["mcp_config"],
        claude_desktop_variables(unpacked, {"client_id": "bundle-test-client"}),
    )
    assert config["command"] == "uv" and config["args"][:3] == ["run", "--directory", str(unpacked)]
    entry = config["args"][-1]
    assert entry == str(unpacked / shown["server"]["entry_point"])
    guard = {  # were anything to call Sage, it would find nobody on loopback
        "SAGE200_ID_URL": "http://127.0.0.1:9",
        "SAGE200_API_URL": "http://127.0.0.1:9",
        "SAGE200_CONFIG_DIR": str(tmp_path / "config"),
        "SAGE200_NO_BROWSER": "1",
        "PYTHONPATH": str(unpacked / "src"),
    }
    params = StdioServerParameters(
        command=sys.executable, args=[entry], env={**os.environ, **guard, **config["env"]}
    )
    async with Client(params, read_timeout_seconds=60) as client:
        tools = (await client.list_tools()).tools
        status: Any = (await client.call_tool("get_status", {})).structured_content
    assert [tool.name for tool in tools] == [tool["name"] for tool in shown["tools"]]
    assert status["version"] == shown["version"]
    assert status["client_type"] == "desktop"  # the blank secret arrived blank
    imported = subprocess.run(
        [sys.executable, "-c", "import sage200_mcp; print(sage200_mcp.__file__)"],
        env={**os.environ, **guard},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(imported.stdout.strip()).is_relative_to(unpacked)  # the bundled code ran
