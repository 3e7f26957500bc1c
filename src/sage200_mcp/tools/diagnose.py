"""The `diagnose` tool: `sage200-mcp doctor` from the chat, for "why doesn't it work?"."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult

from sage200_mcp import doctor
from sage200_mcp.tools.errors import guarded
from sage200_mcp.tools.output import respond
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import READ_ONLY


def register(mcp: MCPServer[AppState]) -> None:
    @mcp.tool(
        title="Diagnose the connection to Sage",
        description=(
            "Check every hop to the user's Sage 200 books (configuration, Sage ID, sign-in and"
            " its renewal, both editions, the selected company, $count support, error bodies,"
            " read times, lookups) and report what was found, by name. Use it when tools keep"
            " failing or the user asks why something does not work. Renews the sign-in once;"
            " reads nothing but counts. The report hides every identifier."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def diagnose(ctx: Context[AppState, Any]) -> Annotated[CallToolResult, doctor.Report]:
        state = app_state(ctx)
        return respond(await doctor.diagnose(state.settings, state.session, state.client.http))
