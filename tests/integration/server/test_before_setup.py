"""A server started before it was set up: it lists its tools, every tool says what to set and
where (the CLI's own words), and it takes up the configuration once written, without a restart.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from sage200_mcp.config import Settings, write_toml
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import CLIENT_ID, PRO, TODAY, loopback_redirect, tool_snapshots

pytestmark = pytest.mark.anyio

EVERY_TOOL = {snapshot["name"] for snapshot in tool_snapshots()}


def loader(config_dir: Path) -> functools.partial[Settings]:
    """How `serve` reads its configuration: afresh each time, from files and this environment
    (a client that launched the server with no credentials in its "env")."""
    return functools.partial(
        Settings.load, environ={"SAGE200_CONFIG_DIR": str(config_dir), "SAGE200_TODAY": TODAY}
    )


def set_up(config_dir: Path, server: SandboxServer) -> None:
    """What `sage200-mcp setup` leaves behind, for the sandbox's desktop application."""
    write_toml(
        config_dir / "config.toml",
        {
            "client_id": CLIENT_ID,
            "id_url": server.url,
            "api_url": server.url + PRO,
            "redirect_uri": loopback_redirect(server),
        },
    )


def text_of(result: Any) -> str:
    """A tool error's own text, without the SDK's "Error executing tool NAME: " before it."""
    return str(result.content[0].text).split(": ", 1)[1]


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAGE200_NO_BROWSER", "1")
    return tmp_path / "config"


async def test_without_a_client_id_every_tool_says_what_to_set_then_set_up_takes_effect(
    config_dir: Path, sandbox_server: SandboxServer, signed_in_tokens: Path
) -> None:
    load = loader(config_dir)
    expected = load().setup_problem()
    assert expected is not None and "sage200-mcp setup" in expected
    assert str(config_dir / "config.toml") in expected
    async with Client(create_server(None, load=load)) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == EVERY_TOOL
        for name, arguments in [
            ("list_sites", {}),
            ("list_customers", {}),
            ("get_customer", {"customer": "ABS001"}),
            ("login", {}),
            ("get_trial_balance", {}),
            ("list_customers", {"company": "Ireland"}),  # before the company is looked up
        ]:
            answer = await client.call_tool(name, arguments)
            assert answer.is_error and text_of(answer) == expected, name
        status: Any = (await client.call_tool("get_status", {})).structured_content
        assert status["setup_needed"] == expected and not status["signed_in"]
        report: Any = (await client.call_tool("diagnose", {})).structured_content
        assert report["hops"][0]["name"] == "configuration"
        assert report["hops"][0]["status"] == "fail"
        with pytest.raises(Exception, match="sage200-mcp setup"):
            await client.read_resource("sage200://companies/selected")

        set_up(config_dir, sandbox_server)  # as if `sage200-mcp setup` ran meanwhile
        profile = load()
        profile.tokens_path.parent.mkdir(parents=True, mode=0o700)
        shutil.copy(signed_in_tokens, profile.tokens_path)  # ... and `sage200-mcp login`
        switched = await client.call_tool("switch_site", {"site": "Stockwell Office Supplies Ltd"})
        assert not switched.is_error
        page: Any = (await client.call_tool("list_customers", {"limit": 2})).structured_content
        assert len(page["customers"]) == 2
        status = (await client.call_tool("get_status", {})).structured_content
        assert "setup_needed" not in status and status["signed_in"]


async def test_a_configuration_it_cannot_read_is_told_in_every_answer_until_mended(
    config_dir: Path, sandbox_server: SandboxServer
) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text('client_id = "sandbox-desktop\n')  # unterminated
    async with Client(create_server(None, load=loader(config_dir))) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == EVERY_TOOL
        answer = await client.call_tool("list_customers", {})
        assert answer.is_error
        assert f"Cannot read {config_dir / 'config.toml'}" in text_of(answer)
        assert "Fix or delete the file." in text_of(answer)
        status: Any = (await client.call_tool("get_status", {})).structured_content
        assert status["setup_needed"] == text_of(answer)

        set_up(config_dir, sandbox_server)  # mended, not signed in: the sign-in is offered
        answer = await client.call_tool("list_customers", {})
        assert answer.is_error and "Not signed in to Sage yet" in text_of(answer)
        assert f"{sandbox_server.url}/authorize?" in text_of(answer)


async def test_a_web_application_without_its_secret_is_told_so(
    config_dir: Path, sandbox_server: SandboxServer
) -> None:
    write_toml(config_dir / "config.toml", {"client_id": "sandbox-client", "client_type": "web"})
    async with Client(create_server(None, load=loader(config_dir))) as client:
        answer = await client.call_tool("list_sites", {})
    assert answer.is_error and "SAGE200_CLIENT_SECRET" in text_of(answer)
