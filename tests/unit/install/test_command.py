"""What `install` writes: a command that runs without the shell's PATH, and never a secret."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sage200_mcp.commands import install
from sage200_mcp.errors import ConfigError
from sage200_mcp.install.clients import Machine


def test_the_command_is_the_running_executable_by_absolute_path(tmp_path: Path) -> None:
    executable = tmp_path / "bin" / "sage200-mcp"
    executable.parent.mkdir()
    executable.touch()
    assert install.server_command(False, str(executable)) == [str(executable)]
    found = install.server_command(False, "sage200-mcp", which=lambda _: str(executable))
    assert found == [str(executable)]


def test_python_dash_m_and_an_unfindable_command_run_this_interpreter() -> None:
    module = [sys.executable, "-m", "sage200_mcp"]
    main = str(Path(install.__file__).parent.parent / "__main__.py")
    assert install.server_command(False, main) == module
    assert install.server_command(False, "sage200-mcp", which=lambda _: None) == module


def test_uvx_is_found_on_the_path_when_it_can_be() -> None:
    assert install.server_command(True, which=lambda _: "/opt/uv/uvx") == [
        "/opt/uv/uvx",
        "sage200-mcp",
    ]
    assert install.server_command(True, which=lambda _: None) == ["uvx", "sage200-mcp"]


def test_serve_arguments_pass_demo_profile_and_checked_toolsets() -> None:
    assert install.serve_arguments(True, "work", "Orders, customers") == [
        "serve",
        "--demo",
        "--profile",
        "work",
        "--toolsets",
        "orders,customers",
    ]
    with pytest.raises(ConfigError, match="Unknown toolset"):
        install.serve_arguments(False, None, "ledgers")


@pytest.mark.parametrize(
    "name",
    ["SAGE200_CLIENT_SECRET", "sage200_client_secret", "SAGE200_SUBSCRIPTION_KEY", "MY_TOKEN"],
)
def test_secrets_are_refused_without_showing_them(name: str) -> None:
    with pytest.raises(ConfigError, match="sage200-mcp setup") as refused:
        install.environment(["SAGE200_EDITION=standard", f"{name}=hunter2"])
    assert "hunter2" not in str(refused.value)


def test_other_settings_pass_through_and_malformed_ones_are_refused() -> None:
    assert install.environment(["SAGE200_EDITION=standard", "SAGE200_TODAY=2026-01-31"]) == {
        "SAGE200_EDITION": "standard",
        "SAGE200_TODAY": "2026-01-31",
    }
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        install.environment(["SAGE200_EDITION"])


def test_scopes_follow_the_client(tmp_path: Path) -> None:
    machine = Machine("linux", tmp_path, {}, tmp_path / "here")
    assert install.target("vscode", "sage200", "workspace", None, None, machine).path == (
        tmp_path / "here/.vscode/mcp.json"
    )
    assert install.target("cursor", "sage200", None, str(tmp_path / "p"), None, machine).path == (
        tmp_path / "p/.cursor/mcp.json"
    )
    assert (
        install.target("claude-code", "sage200", None, None, None, machine).path
        == tmp_path / ".claude.json"
    )
    assert install.target("windsurf", "sage200", None, None, "~/x.json", machine).path == (
        Path("~/x.json").expanduser()
    )
    with pytest.raises(ConfigError, match="--name must not be empty"):
        install.target("cursor", " ", None, None, None, machine)
    with pytest.raises(ConfigError, match="Claude Desktop has no per-project config"):
        install.target("claude-desktop", "sage200", "project", None, None, machine)


def test_claude_code_gets_its_own_one_liner() -> None:
    line = install.claude_mcp_add(
        "sage200", "user", ["/a b/sage200-mcp", "serve"], {"SAGE200_EDITION": "standard"}
    )
    assert line == (
        "claude mcp add --scope user --env SAGE200_EDITION=standard sage200 --"
        " '/a b/sage200-mcp' serve"
    )
