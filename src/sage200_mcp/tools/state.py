"""What every tool call can reach: settings, the sign-in, the API client, the chosen company."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context

from sage200_mcp.api.client import SageClient
from sage200_mcp.auth.background import BackgroundSignIn
from sage200_mcp.auth.session import Session
from sage200_mcp.config import Settings


@dataclass
class AppState:
    settings: Settings
    session: Session
    client: SageClient
    sign_in: BackgroundSignIn
    toolsets: tuple[str, ...] = field(default_factory=tuple)


def app_state(ctx: Context[Any, Any]) -> AppState:
    state = ctx.request_context.lifespan_context
    assert isinstance(state, AppState), "the server's lifespan provides an AppState"
    return state
