"""Who is calling: the person behind the MCP request being served, for tool code."""

from __future__ import annotations

from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from sage200_mcp.team.models import Person
from sage200_mcp.teamserver.provider import TeamAccessToken


def current_person(request: Any = None) -> Person | None:
    """The person (``Person`` in the team store) whose token authorised the MCP request being
    served, as the token check read them: allowed, with their toolsets; None outside an
    authenticated request.

    Read from ``request`` (the HTTP request a tool's context carries), where the SDK's bearer
    middleware put the user: a stateless server answers each request in a task of its own,
    which need not see the request's context variables. Without one, from the SDK's auth
    context variable, which that middleware also sets.
    """
    token = _token(request)
    return token.person if isinstance(token, TeamAccessToken) else None


def _token(request: Any) -> AccessToken | None:
    scope = getattr(request, "scope", None)
    user = scope.get("user") if isinstance(scope, dict) else None
    return user.access_token if isinstance(user, AuthenticatedUser) else get_access_token()
