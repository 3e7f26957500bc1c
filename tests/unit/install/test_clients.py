"""Each client's config file on each system, found under a fake home, and edited there: created
when missing, merged into byte for byte, refused when broken, and emptied of our entry again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sage200_mcp.install.clients import CLIENTS, Machine, System
from sage200_mcp.install.config_file import ConfigFileError, add_server, remove_server

SYSTEMS: tuple[System, ...] = ("linux", "darwin", "windows")
APPDATA = "AppData/Roaming"  # under the fake home, as %APPDATA% is on Windows

# (client, system) -> the user's config file, relative to the fake home
EXPECTED = {
    ("claude-desktop", "linux"): ".config/Claude/claude_desktop_config.json",
    ("claude-desktop", "darwin"): "Library/Application Support/Claude/claude_desktop_config.json",
    ("claude-desktop", "windows"): f"{APPDATA}/Claude/claude_desktop_config.json",
    ("claude-code", "linux"): ".claude.json",
    ("claude-code", "darwin"): ".claude.json",
    ("claude-code", "windows"): ".claude.json",
    ("cursor", "linux"): ".cursor/mcp.json",
    ("cursor", "darwin"): ".cursor/mcp.json",
    ("cursor", "windows"): ".cursor/mcp.json",
    ("vscode", "linux"): ".config/Code/User/mcp.json",
    ("vscode", "darwin"): "Library/Application Support/Code/User/mcp.json",
    ("vscode", "windows"): f"{APPDATA}/Code/User/mcp.json",
    ("windsurf", "linux"): ".codeium/windsurf/mcp_config.json",
    ("windsurf", "darwin"): ".codeium/windsurf/mcp_config.json",
    ("windsurf", "windows"): ".codeium/windsurf/mcp_config.json",
}
PROJECT = {"claude-code": ".mcp.json", "cursor": ".cursor/mcp.json", "vscode": ".vscode/mcp.json"}
LAYOUTS = sorted(EXPECTED)
ENTRY = {"command": "/home/me/.local/bin/sage200-mcp", "args": ["serve"]}


def machine(system: System, home: Path) -> Machine:
    environ = {"APPDATA": str(home / APPDATA)} if system == "windows" else {}
    return Machine(system, home, environ, home / "work")


def test_every_client_and_system_is_covered() -> None:
    assert {client for client, _ in EXPECTED} == set(CLIENTS)


@pytest.mark.parametrize(("client", "system"), LAYOUTS)
def test_the_user_config_file_of_each_client_on_each_system(
    client: str, system: System, tmp_path: Path
) -> None:
    path = CLIENTS[client].path(machine(system, tmp_path), "user")
    assert path == tmp_path / EXPECTED[client, system]


def test_xdg_config_home_and_a_missing_appdata_are_followed(tmp_path: Path) -> None:
    linux = Machine("linux", tmp_path, {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}, tmp_path)
    assert CLIENTS["vscode"].path(linux, "user") == tmp_path / "xdg/Code/User/mcp.json"
    bare_windows = Machine("windows", tmp_path, {}, tmp_path)
    assert CLIENTS["claude-desktop"].path(bare_windows, "user") == (
        tmp_path / "AppData/Roaming/Claude/claude_desktop_config.json"
    )


def test_project_files_sit_in_the_project_directory(tmp_path: Path) -> None:
    here = machine("linux", tmp_path)
    assert {key for key, client in CLIENTS.items() if "project" in client.scopes} == set(PROJECT)
    for key, relative in PROJECT.items():
        assert CLIENTS[key].path(here, "project") == here.cwd / relative
        assert CLIENTS[key].path(here, "project", tmp_path / "p") == tmp_path / "p" / relative


def test_vscode_entries_say_stdio_and_claude_desktops_do_not() -> None:
    assert CLIENTS["vscode"].entry("c", ["serve"], {}) == {
        "type": "stdio",
        "command": "c",
        "args": ["serve"],
    }
    assert CLIENTS["claude-desktop"].entry("c", [], {"SAGE200_EDITION": "standard"}) == {
        "command": "c",
        "args": [],
        "env": {"SAGE200_EDITION": "standard"},
    }


@pytest.mark.parametrize(("client", "system"), LAYOUTS)
def test_install_creates_the_file_and_its_folders(
    client: str, system: System, tmp_path: Path
) -> None:
    spec = CLIENTS[client]
    path = spec.path(machine(system, tmp_path), "user")
    change = add_server(path, spec.container, "sage200", ENTRY, spec.jsonc)
    assert change.action == "added" and change.backup is None
    assert json.loads(path.read_text()) == {spec.container: {"sage200": ENTRY}}


@pytest.mark.parametrize(("client", "system"), LAYOUTS)
def test_install_merges_into_a_file_with_other_servers_byte_for_byte(
    client: str, system: System, tmp_path: Path
) -> None:
    spec = CLIENTS[client]
    path = spec.path(machine(system, tmp_path), "user")
    path.parent.mkdir(parents=True, exist_ok=True)
    servers = (
        '{\n      "github": {\n         "command": "npx",'
        '\n         "args": ["-y", "@modelcontextprotocol/server-github"]\n      }\n   }'
    )
    original = (
        f'{{\n   "numStartups": 41,\n   "{spec.container}": {servers},'
        '\n   "tipsHistory": {"shift-enter": 27}\n}\n'
    ).encode()
    path.write_bytes(original)
    path.chmod(0o640)

    change = add_server(path, spec.container, "sage200", ENTRY, spec.jsonc)

    text = path.read_bytes()
    github_end = original.index(b"]\n      }") + len(b"]\n      }")
    assert text.startswith(original[:github_end] + b',\n      "sage200": {\n         "command"')
    assert text.endswith(original[github_end:])
    assert json.loads(text)[spec.container]["sage200"] == ENTRY
    assert path.stat().st_mode & 0o777 == 0o640
    assert change.backup is not None and change.backup.read_bytes() == original
    assert change.backup.parent == path.parent
    assert change.backup.name.startswith(path.name + ".bak-")

    again = add_server(
        path, spec.container, "sage200", {**ENTRY, "args": ["serve", "--demo"]}, False
    )
    assert again.action == "updated"
    removed = remove_server(path, spec.container, "sage200", spec.jsonc)
    assert removed.action == "removed" and path.read_bytes() == original
    assert remove_server(path, spec.container, "sage200", spec.jsonc).action == "absent"


@pytest.mark.parametrize(("client", "system"), LAYOUTS)
def test_a_broken_file_is_refused_and_left_alone(
    client: str, system: System, tmp_path: Path
) -> None:
    spec = CLIENTS[client]
    path = spec.path(machine(system, tmp_path), "user")
    path.parent.mkdir(parents=True, exist_ok=True)
    broken = b'{\n  "%s": {\n    "a": {"command": "x"}\n    "b": {}\n  }\n}\n' % (
        spec.container.encode()
    )
    path.write_bytes(broken)
    for attempt in (
        lambda: add_server(path, spec.container, "sage200", ENTRY, spec.jsonc),
        lambda: remove_server(path, spec.container, "sage200", spec.jsonc),
    ):
        with pytest.raises(ConfigFileError) as refused:
            attempt()
        assert str(refused.value).startswith(f"{path}:4:5: not valid JSON")
        assert "\n" not in str(refused.value) and "left untouched" in str(refused.value)
    assert path.read_bytes() == broken
    assert list(path.parent.iterdir()) == [path]  # no backup, no temporary file
