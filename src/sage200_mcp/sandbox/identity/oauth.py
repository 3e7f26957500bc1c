"""The OAuth words every part of Sage ID shares: its audience, grants and scopes, and the shape
of a refusal.

They live apart from the parts that use them so the HTTP layer (``sageid.py``) and each part of
the tenant name a grant or raise a refusal the same way.
"""

from __future__ import annotations

from sage200_mcp.sandbox.seed.companies import UserPlan

AUDIENCE = "s200ukipd/sage200"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CODE_GRANTS = ("authorization_code", "refresh_token")
KNOWN_GRANTS = (*CODE_GRANTS, DEVICE_CODE_GRANT)
SCOPES = ("openid", "profile", "email", "offline_access")


class OAuthError(Exception):
    """An error answer of the token endpoint: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def subject(user: UserPlan) -> str:
    """The user's ``sub``, as Auth0 writes a database user's: the same in access and ID tokens
    and in the sandbox's per-user stats."""
    return f"auth0|{user.id}"
