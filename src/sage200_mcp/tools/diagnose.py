"""The `diagnose` tool: `sage200-mcp doctor` from the chat, for "why doesn't it work?"."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult

from sage200_mcp.doctor import Report
from sage200_mcp.tools.output import respond
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import READ_ONLY, ToolContext, add_tool


async def diagnose(ctx: ToolContext) -> Annotated[CallToolResult, Report]:
    state = app_state(ctx)
    state.setup_problem()  # a server not yet set up takes up a configuration written since
    return respond(await state.diagnose())


def register(mcp: MCPServer[AppState]) -> None:
    add_tool(
        mcp,
        diagnose,
        title="Diagnose the connection to Sage",
        description=(
            "Check every hop to the user's Sage 200 books (configuration, Sage ID, sign-in and"
            " its renewal, both editions, the selected company, $count support, error bodies,"
            " read times, lookups) and report what was found, by name. Use it when tools keep"
            " failing or the user asks why something does not work. Renews the sign-in once;"
            " reads nothing but counts. The report hides every identifier."
        ),
        annotations=READ_ONLY,
        per_company=False,
        needs_setup=False,
    )
