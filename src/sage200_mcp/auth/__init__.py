"""Signing in with Sage ID and keeping the sign-in alive; knows nothing of MCP or the API."""

from __future__ import annotations

import httpx

from sage200_mcp.auth.oauth import SageId
from sage200_mcp.auth.session import Session
from sage200_mcp.auth.store import TokenStore
from sage200_mcp.config import Settings


def open_session(settings: Settings, http: httpx.AsyncClient) -> Session:
    """The Session for a profile: its token file and its Sage ID tenant."""
    return Session(settings, TokenStore(settings.tokens_path), SageId(settings, http))
