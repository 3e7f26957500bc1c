"""`install CLIENT` and `uninstall CLIENT`: add this server to an MCP client's config, or take
it out, without the user finding and hand-editing a JSON file.

The command written is the one running now, by absolute path: desktop clients start servers
without the shell's PATH, so a bare ``sage200-mcp`` often fails there with nothing said.
Secrets never go into a client's config file; the server reads them from its own config.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sage200_mcp.config import ENVIRONMENT, Settings
from sage200_mcp.console import out
from sage200_mcp.errors import ConfigError
from sage200_mcp.install.clients import CLIENTS, Client, Machine, Scope
from sage200_mcp.install.config_file import Change, add_server, remove_server

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD")
_SECRETS = frozenset({ENVIRONMENT["client_secret"], ENVIRONMENT["subscription_key"]})
STATUS_QUESTION = "what is my Sage 200 status?"


@dataclass(frozen=True)
class Target:
    client: Client
    scope: Scope
    path: Path


def target(
    client_key: str,
    name: str,
    scope: str | None,
    workspace: str | None,
    config: str | None,
    machine: Machine,
) -> Target:
    """The client and the file to edit: ``--config``, else the client's file for the scope."""
    client = CLIENTS[client_key]
    if not name.strip():
        raise ConfigError("--name must not be empty: it is how the client lists the server.")
    wanted: Scope = "project" if scope in ("project", "workspace") or workspace else "user"
    if wanted not in client.scopes:
        raise ConfigError(
            f"{client.title} has no per-project config file; leave out --scope/--workspace"
            f" (its config is {client.path(machine, 'user')})."
        )
    if config:
        return Target(client, wanted, Path(config).expanduser().absolute())
    project = Path(workspace).expanduser().absolute() if workspace else None
    return Target(client, wanted, client.path(machine, wanted, project))


def server_command(
    uvx: bool,
    argv0: str | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> list[str]:
    """How a client starts this server, with no help from the shell's PATH."""
    if uvx:
        return [which("uvx") or "uvx", "sage200-mcp"]
    argv0 = sys.argv[0] if argv0 is None else argv0
    running = Path(argv0)
    if running.parent.name == "sage200_mcp" and running.suffix == ".py":  # python -m
        return [sys.executable, "-m", "sage200_mcp"]
    if os.sep in argv0 or (os.altsep and os.altsep in argv0):
        found: str | None = os.path.abspath(argv0)
    else:
        found = which(argv0)
    if found and not os.path.exists(found) and os.path.exists(found + ".exe"):
        found += ".exe"  # Windows' console-script launcher
    if found and os.path.exists(found):
        return [os.path.abspath(found)]
    return [sys.executable, "-m", "sage200_mcp"]


def serve_arguments(demo: bool, profile: str | None, toolsets: str | None) -> list[str]:
    arguments = ["serve"]
    if demo:
        arguments.append("--demo")
    if profile:
        arguments += ["--profile", profile]
    if toolsets:
        from sage200_mcp.server import parse_toolsets  # fail here, not inside the client

        arguments += ["--toolsets", ",".join(parse_toolsets(toolsets))]
    return arguments


def environment(pairs: Sequence[str]) -> dict[str, str]:
    """``--env NAME=VALUE`` settings for the entry; secrets are refused (by name, never shown)."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        name = name.strip()
        if not equals or not _ENV_NAME.fullmatch(name):
            raise ConfigError(
                f"--env takes NAME=VALUE, such as SAGE200_EDITION=standard; got {name!r}."
            )
        if name.upper() in _SECRETS or any(word in name.upper() for word in _SECRET_WORDS):
            raise ConfigError(
                f"{name} is a secret: in a client's config file it would sit in plain text. Keep"
                " it in sage200-mcp's own config (run `sage200-mcp setup`) or in the environment"
                " the server starts with, and install without it."
            )
        found[name] = value
    return found


def claude_mcp_add(name: str, scope: Scope, command: list[str], env: Mapping[str, str]) -> str:
    """Claude Code's own one-liner for the same entry."""
    options = ["--scope", scope] + [part for k, v in env.items() for part in ("--env", f"{k}={v}")]
    return shlex.join(["claude", "mcp", "add", *options, name, "--", *command])


def install(
    client_key: str,
    name: str,
    *,
    scope: str | None,
    workspace: str | None,
    config: str | None,
    demo: bool,
    profile: str | None,
    toolsets: str | None,
    env_pairs: Sequence[str],
    uvx: bool,
    show_only: bool,
    machine: Machine | None = None,
) -> int:
    where = target(client_key, name, scope, workspace, config, machine or Machine.current())
    env = environment(env_pairs)
    command = server_command(uvx)
    arguments = serve_arguments(demo, profile, toolsets)
    client = where.client
    entry = client.entry(command[0], command[1:] + arguments, env)
    if show_only:
        out(f"For {client.title}, in {where.path} under {json.dumps(client.container)}:")
        out(f"{json.dumps(name)}: {json.dumps(entry, indent=2)}")
        if client.key == "claude-code":
            out("Or with Claude Code's own command:")
            out("  " + claude_mcp_add(name, where.scope, command + arguments, env))
        out("(nothing was written)")
        return 0
    change = add_server(where.path, client.container, name, entry, client.jsonc)
    said = {"added": "Added {} to", "updated": "Updated {} in", "unchanged": "{} is up to date in"}
    out(f"{said[change.action].format(json.dumps(name))} {client.title}'s config {where.path}")
    out(f"  runs: {shlex.join(command + arguments)}")
    _said_backup(change)
    out(f'Next: {client.reload}, then ask: "{STATUS_QUESTION}"')
    if not demo:
        _credentials_hint(profile, env)
    return 0


def uninstall(
    client_key: str,
    name: str,
    *,
    scope: str | None,
    workspace: str | None,
    config: str | None,
    machine: Machine | None = None,
) -> int:
    where = target(client_key, name, scope, workspace, config, machine or Machine.current())
    client = where.client
    change = remove_server(where.path, client.container, name, client.jsonc)
    if change.action == "absent":
        out(f'Nothing to remove: {where.path} has no "{name}" server.')
        return 0
    out(f'Removed "{name}" from {client.title}\'s config {where.path}')
    _said_backup(change)
    out(f"Next: {client.reload}.")
    return 0


def _said_backup(change: Change) -> None:
    if change.backup is not None:
        out(f"  the previous file is kept as {change.backup}")


def _credentials_hint(profile: str | None, env: Mapping[str, str]) -> None:
    """Say so when the server will have no Sage application to sign in with."""
    try:
        settings = Settings.load(profile=profile, environ={**os.environ, **env})
    except ConfigError as error:
        out(f"Your Sage settings need attention before the server can sign in: {error}")
        return
    if settings.setup_problem() is not None:  # no client id, or a web app without its secret
        out(
            "Sage is not set up yet for this profile: run `sage200-mcp setup` first (or install"
            " with --demo to try the built-in sandbox, no Sage account needed)."
        )
