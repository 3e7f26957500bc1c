"""Who is calling: the person behind the MCP request being served, for tool code."""

from __future__ import annotations

from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser


def current_subject(request: Any = None) -> str | None:
    """The Sage ID subject (``Person.subject`` in the team store) whose token authorised the
    MCP request being served, or None outside an authenticated request.

    Read from ``request`` (the HTTP request a tool's context carries), where the SDK's bearer
    middleware put the user: a stateless server answers each request in a task of its own,
    which does not see the request's context variables. Without one, from the SDK's auth
    context variable, which that middleware also sets. A session is bound to the principal
    that opened it (the SDK answers 404 to any other token), so every request of one session
    names the same person.
    """
    scope = getattr(request, "scope", None)
    user = scope.get("user") if isinstance(scope, dict) else None
    token = user.access_token if isinstance(user, AuthenticatedUser) else get_access_token()
    return None if token is None else token.subject
