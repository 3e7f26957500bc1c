"""Sage ID (an Auth0 tenant) as the sandbox plays it: clients, users, codes and tokens.

The rules are the ones a client must survive against the real service (docs/SAGE200_API.md §1,
§8): two kinds of registered application, as Sage registers them (a *web* application with a
secret and https redirect URIs only; a *desktop* application with loopback http redirect URIs, no
secret, and PKCE required), exact redirect URIs, PKCE S256, the grant types each client may use,
single-use codes that expire after 60 seconds, refresh tokens that rotate on every use, a reused
refresh token refused with ``invalid_grant`` (and, as Auth0's reuse detection does, the whole
family revoked), and an absolute refresh-token lifetime. RFC 8628 device authorization is here too,
off unless asked for: no public evidence shows Sage ID offering it. No HTTP in this package:
``sageid.py`` serves it.

Each rule lives with the state it guards: ``clients`` (registration and client authentication),
``codes`` (the authorization code flow and PKCE), ``tokens`` (issuing, rotation, reuse and
revocation), ``device`` (RFC 8628); ``tenant.Identity`` wires them together.
"""

from __future__ import annotations

from sage200_mcp.sandbox.identity.clients import (
    PUBLIC_CLIENT_SENT_SECRET,
    Client,
    redirect_kind,
)
from sage200_mcp.sandbox.identity.codes import PKCE_REQUIRED, Authorization
from sage200_mcp.sandbox.identity.oauth import (
    AUDIENCE,
    CODE_GRANTS,
    DEVICE_CODE_GRANT,
    SCOPES,
    OAuthError,
)
from sage200_mcp.sandbox.identity.settings import IdentitySettings
from sage200_mcp.sandbox.identity.tenant import Identity
from sage200_mcp.sandbox.identity.tokens import REFRESH_EXPIRED, REFRESH_REVOKED, REFRESH_UNKNOWN

__all__ = [
    "AUDIENCE",
    "CODE_GRANTS",
    "DEVICE_CODE_GRANT",
    "PKCE_REQUIRED",
    "PUBLIC_CLIENT_SENT_SECRET",
    "REFRESH_EXPIRED",
    "REFRESH_REVOKED",
    "REFRESH_UNKNOWN",
    "SCOPES",
    "Authorization",
    "Client",
    "Identity",
    "IdentitySettings",
    "OAuthError",
    "redirect_kind",
]
