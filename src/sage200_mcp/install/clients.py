"""Where each MCP client keeps its server list, on each system, and the shape of an entry.

Everything is resolved from a ``Machine`` (system, home, environment, current directory) so the
tests can lay out every system's files under a fake home on any one system.

Sources (checked December 2026):
- Claude Desktop: ``claude_desktop_config.json``, ``mcpServers``; macOS
  ``~/Library/Application Support/Claude/``, Windows ``%APPDATA%\\Claude\\``
  (modelcontextprotocol.io, user quickstart). Anthropic ships no Linux build:
  ``~/.config/Claude/`` (``$XDG_CONFIG_HOME``) is where the community builds
  (aaddrick/claude-desktop-debian) read it; undocumented by Anthropic.
- Claude Code: user scope is the top-level ``mcpServers`` of ``~/.claude.json`` (on Windows
  ``%USERPROFILE%\\.claude.json``), project scope ``.mcp.json`` at the project's root, also
  ``mcpServers`` (code.claude.com/docs, MCP; anthropics/claude-code#4193). ``claude mcp add``
  writes ``"type": "stdio"``. With ``CLAUDE_CONFIG_DIR`` set, where Claude Code reads servers is
  unsettled (anthropics/claude-code#42217): use ``--config`` there.
- Cursor: ``~/.cursor/mcp.json`` (global) and ``.cursor/mcp.json`` (project), ``mcpServers``
  (cursor.com/docs/mcp).
- VS Code: ``.vscode/mcp.json`` (workspace) or ``mcp.json`` in the user folder
  (``~/.config/Code/User``, ``~/Library/Application Support/Code/User``, ``%APPDATA%\\Code\\User``),
  top-level ``servers``, entries with ``"type": "stdio"``; the file is JSONC
  (code.visualstudio.com, MCP configuration reference). A non-default VS Code profile keeps its
  own ``mcp.json`` under ``User/profiles/<id>/``: use ``--config`` for it.
- Windsurf: ``~/.codeium/windsurf/mcp_config.json`` (Windows ``%USERPROFILE%\\.codeium\\...``),
  ``mcpServers`` (docs.windsurf.com, Cascade MCP). Whether it accepts comments is undocumented,
  so it is treated as plain JSON.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

System = Literal["linux", "darwin", "windows"]
Scope = Literal["user", "project"]


@dataclass(frozen=True)
class Machine:
    system: System
    home: Path
    environ: Mapping[str, str]
    cwd: Path

    @classmethod
    def current(cls) -> Machine:
        system: System = (
            "windows"
            if sys.platform == "win32"
            else "darwin"
            if sys.platform == "darwin"
            else "linux"
        )
        return cls(system, Path.home(), os.environ, Path.cwd())

    def app_data(self) -> Path:
        """Windows' roaming application data; macOS' Application Support; Linux' XDG config."""
        if self.system == "windows":
            return Path(self.environ.get("APPDATA") or self.home / "AppData" / "Roaming")
        if self.system == "darwin":
            return self.home / "Library" / "Application Support"
        return Path(self.environ.get("XDG_CONFIG_HOME") or self.home / ".config")


@dataclass(frozen=True)
class Client:
    key: str  # as typed on the command line
    title: str
    container: str  # the top-level member holding the servers
    jsonc: bool  # comments and trailing commas allowed
    typed: bool  # entries carry "type": "stdio"
    user_path: Callable[[Machine], Path]
    project_path: Callable[[Path], Path] | None  # from the project's directory
    reload: str  # what to do for the client to see a new server

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return ("user", "project") if self.project_path else ("user",)

    def path(self, machine: Machine, scope: Scope, project: Path | None = None) -> Path:
        if scope == "project" and self.project_path is not None:
            return self.project_path(project or machine.cwd)
        return self.user_path(machine)

    def entry(self, command: str, args: list[str], env: Mapping[str, str]) -> dict[str, Any]:
        """The server's entry as this client wants it."""
        entry: dict[str, Any] = {"type": "stdio"} if self.typed else {}
        entry.update(command=command, args=args)
        if env:
            entry["env"] = dict(env)
        return entry


CLIENTS: dict[str, Client] = {
    client.key: client
    for client in (
        Client(
            "claude-desktop",
            "Claude Desktop",
            "mcpServers",
            jsonc=False,
            typed=False,
            user_path=lambda m: m.app_data() / "Claude" / "claude_desktop_config.json",
            project_path=None,
            reload="quit Claude Desktop completely (from the menu bar or tray, not just the"
            " window) and open it again",
        ),
        Client(
            "claude-code",
            "Claude Code",
            "mcpServers",
            jsonc=False,
            typed=True,
            user_path=lambda m: m.home / ".claude.json",
            project_path=lambda d: d / ".mcp.json",
            reload="start a new Claude Code session (check with /mcp)",
        ),
        Client(
            "cursor",
            "Cursor",
            "mcpServers",
            jsonc=False,
            typed=False,
            user_path=lambda m: m.home / ".cursor" / "mcp.json",
            project_path=lambda d: d / ".cursor" / "mcp.json",
            reload="restart Cursor (or turn the server on under Settings, MCP)",
        ),
        Client(
            "vscode",
            "VS Code",
            "servers",
            jsonc=True,
            typed=True,
            user_path=lambda m: m.app_data() / "Code" / "User" / "mcp.json",
            project_path=lambda d: d / ".vscode" / "mcp.json",
            reload="run 'Developer: Reload Window' in VS Code, then start the server from"
            " 'MCP: List Servers'",
        ),
        Client(
            "windsurf",
            "Windsurf",
            "mcpServers",
            jsonc=False,
            typed=False,
            user_path=lambda m: m.home / ".codeium" / "windsurf" / "mcp_config.json",
            project_path=None,
            reload="press Refresh in Windsurf's MCP panel (or restart Windsurf)",
        ),
    )
}
