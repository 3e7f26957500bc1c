"""`install` and `uninstall` as real processes, with HOME (and APPDATA) in a temporary directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DESKTOP = Path(".config/Claude/claude_desktop_config.json")  # under HOME, on Linux
OTHERS = (
    b'{\n  "globalShortcut": "Alt+Space",\n  "mcpServers": {\n    "filesystem": {\n'
    b'      "command": "npx",\n      "args": ["-y", "@modelcontextprotocol/server-filesystem"]'
    b"\n    }\n  }\n}\n"
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    (tmp_path / "project").mkdir()
    return tmp_path / "home"


def run(
    home: Path, *args: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SAGE200_", "XDG_", "APPDATA"))
    }
    env.update(
        HOME=str(home),
        APPDATA=str(home / "AppData" / "Roaming"),
        SAGE200_CONFIG_DIR=str(home / "sage200-mcp"),
        **(extra or {}),
    )
    result = subprocess.run(
        [sys.executable, "-m", "sage200_mcp", *args],
        env=env,
        cwd=home.parent / "project",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in result.stderr
    return result


def test_install_merges_and_uninstall_restores_the_bytes(home: Path) -> None:
    config = home / DESKTOP
    config.parent.mkdir(parents=True)
    config.write_bytes(OTHERS)

    added = run(home, "install", "claude-desktop", "--demo")

    assert added.returncode == 0, added.stderr
    assert f'Added "sage200" to Claude Desktop\'s config {config}' in added.stdout
    assert 'ask: "what is my Sage 200 status?"' in added.stdout
    assert "setup" not in added.stdout  # the sandbox needs no credentials
    written = json.loads(config.read_bytes())
    assert written["mcpServers"]["filesystem"]["command"] == "npx"
    assert written["globalShortcut"] == "Alt+Space"
    entry = written["mcpServers"]["sage200"]
    assert entry == {
        "command": sys.executable,
        "args": ["-m", "sage200_mcp", "serve", "--demo"],
    }
    backups = list(config.parent.glob("claude_desktop_config.json.bak-*"))
    assert [b.read_bytes() for b in backups] == [OTHERS]
    assert f"the previous file is kept as {backups[0]}" in added.stdout

    updated = run(home, "install", "claude-desktop", "--profile", "work")
    assert updated.returncode == 0 and 'Updated "sage200" in' in updated.stdout
    assert json.loads(config.read_bytes())["mcpServers"]["sage200"]["args"][-2:] == [
        "--profile",
        "work",
    ]

    removed = run(home, "uninstall", "claude-desktop")
    assert removed.returncode == 0 and 'Removed "sage200"' in removed.stdout
    assert config.read_bytes() == OTHERS
    again = run(home, "uninstall", "claude-desktop")
    assert again.returncode == 0 and "Nothing to remove" in again.stdout


def test_the_written_command_starts_without_the_shells_path(home: Path) -> None:
    assert run(home, "install", "cursor", "--demo").returncode == 0
    entry = json.loads((home / ".cursor/mcp.json").read_text())["mcpServers"]["sage200"]
    serve = entry["args"].index("serve")
    started = subprocess.run(
        [entry["command"], *entry["args"][:serve], "--version"],
        env={"PYTHONPATH": os.environ.get("PYTHONPATH", "")},  # no PATH, no HOME
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0 and started.stdout.startswith("sage200-mcp ")


def test_a_broken_file_is_refused_in_one_line_and_never_overwritten(home: Path) -> None:
    config = home / ".codeium/windsurf/mcp_config.json"
    config.parent.mkdir(parents=True)
    broken = b'{\n  "mcpServers": {\n    "a": {"command": "x"},\n  }\n}\n'
    config.write_bytes(broken)
    for command in ("install", "uninstall"):
        result = run(home, command, "windsurf")
        assert result.returncode == 1
        assert result.stderr.startswith(
            f"sage200-mcp: {config}:3:26: not valid JSON (a trailing comma before '}}')."
        )
        assert result.stderr.count("\n") == 1 and "Fix the file by hand" in result.stderr
    assert config.read_bytes() == broken
    assert os.listdir(config.parent) == ["mcp_config.json"]


def test_without_credentials_install_says_to_run_setup_and_still_installs(home: Path) -> None:
    result = run(home, "install", "claude-code", "--env", "SAGE200_EDITION=standard")
    assert result.returncode == 0, result.stderr
    assert "run `sage200-mcp setup`" in result.stdout
    entry = json.loads((home / ".claude.json").read_text())["mcpServers"]["sage200"]
    assert entry["type"] == "stdio" and entry["env"] == {"SAGE200_EDITION": "standard"}

    configured = run(home, "install", "claude-code", extra={"SAGE200_CLIENT_ID": "app"})
    assert configured.returncode == 0 and "setup" not in configured.stdout
    web = {"SAGE200_CLIENT_ID": "app", "SAGE200_CLIENT_TYPE": "web"}  # and no secret
    assert "run `sage200-mcp setup`" in run(home, "install", "claude-code", extra=web).stdout

    (home / "sage200-mcp").mkdir()
    (home / "sage200-mcp/config.toml").write_text("client_id = ")
    unreadable = run(home, "install", "claude-code")
    assert unreadable.returncode == 0 and "need attention" in unreadable.stdout


def test_a_secret_is_refused_and_nothing_is_written(home: Path) -> None:
    result = run(home, "install", "claude-desktop", "--env", "SAGE200_CLIENT_SECRET=s3cr3t")
    assert result.returncode == 1
    assert "SAGE200_CLIENT_SECRET is a secret" in result.stderr
    assert "sage200-mcp setup" in result.stderr and "s3cr3t" not in result.stderr
    assert not (home / DESKTOP).exists()


def test_print_shows_the_entry_and_claude_codes_one_liner_and_writes_nothing(home: Path) -> None:
    result = run(home, "install", "claude-code", "--print", "--scope", "project", "--uvx")
    assert result.returncode == 0, result.stderr
    project = home.parent / "project"
    assert f'in {project / ".mcp.json"} under "mcpServers"' in result.stdout
    assert '"args": [\n    "sage200-mcp",\n    "serve"\n  ]' in result.stdout
    assert "claude mcp add --scope project sage200 -- " in result.stdout
    assert "nothing was written" in result.stdout
    assert os.listdir(project) == [] and os.listdir(home) == []


def test_vscode_workspace_and_scopes_a_client_lacks(home: Path) -> None:
    result = run(home, "install", "vscode", "--scope", "workspace", "--toolsets", "customers")
    assert result.returncode == 0, result.stderr
    written = json.loads((home.parent / "project/.vscode/mcp.json").read_text())
    assert written["servers"]["sage200"]["type"] == "stdio"
    assert written["servers"]["sage200"]["args"][-2:] == ["--toolsets", "customers"]

    refused = run(home, "install", "claude-desktop", "--scope", "project")
    assert refused.returncode == 1 and "no per-project config" in refused.stderr
    unknown = run(home, "install", "vscode", "--toolsets", "ledgers")
    assert unknown.returncode == 1 and "Unknown toolset" in unknown.stderr
