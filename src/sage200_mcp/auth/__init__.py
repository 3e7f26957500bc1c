"""Signing in with Sage ID and keeping the sign-in alive; knows nothing of MCP or the API.

What other packages may use is listed in ``__all__``; the modules behind it are this package's
own (the build's import contracts keep tools/ to this surface).
"""

from __future__ import annotations

import httpx

from sage200_mcp.auth.background import Started
from sage200_mcp.auth.errors import AuthError, NotSignedIn
from sage200_mcp.auth.oauth import SageId
from sage200_mcp.auth.session import Session
from sage200_mcp.auth.signin import RENEWAL_WARNING_DAYS, SignIn, SignInState
from sage200_mcp.auth.store import TokenStore
from sage200_mcp.config import Settings

__all__ = [
    "RENEWAL_WARNING_DAYS",
    "AuthError",
    "NotSignedIn",
    "Session",
    "SignIn",
    "SignInState",
    "Started",
    "open_session",
]


def open_session(settings: Settings, http: httpx.AsyncClient) -> Session:
    """The Session for a profile: its token file and its Sage ID tenant."""
    return Session(settings, TokenStore(settings.tokens_path), SageId(settings, http))
