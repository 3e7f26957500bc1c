"""Who is calling: the person behind the MCP request being served, for tool code."""

from __future__ import annotations

from mcp.server.auth.middleware.auth_context import get_access_token


def current_subject() -> str | None:
    """The Sage ID subject (``Person.subject`` in the team store) whose token authorised the
    MCP request being served, or None outside an authenticated request.

    Read from the SDK's auth context, which its bearer middleware sets for each HTTP request.
    A session is bound to the principal that opened it (the SDK answers 404 to any other
    token), so every request of one session names the same person.
    """
    token = get_access_token()
    return None if token is None else token.subject
