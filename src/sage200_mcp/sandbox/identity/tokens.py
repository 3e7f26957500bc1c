"""Access and refresh tokens: issuing them, rotating refresh tokens, and refusing the wrong ones.

These are the rules a client must survive (docs/SAGE200_API.md §1, §8): every refresh token
rotates on use; a reused one is refused with ``invalid_grant`` and, as Auth0's reuse detection
does, its whole family is revoked (access tokens included); a family ends at an absolute lifetime
counted from the sign-in that started it. Each refusal says its real cause, since a client tells
the user.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sage200_mcp.sandbox.identity.clients import Client
from sage200_mcp.sandbox.identity.oauth import AUDIENCE, OAuthError, subject
from sage200_mcp.sandbox.identity.settings import Shared
from sage200_mcp.sandbox.identity.signing import Signer
from sage200_mcp.sandbox.seed.companies import UserPlan

# invalid_grant descriptions of a refused refresh token: reused (or never issued) is Auth0's own
# text; a family revoked (after reuse, or by /oauth/revoke) and one past its lifetime differ
REFRESH_UNKNOWN = "Unknown or invalid refresh token."
REFRESH_REVOKED = "Refresh token has been revoked."
REFRESH_EXPIRED = "Refresh token has expired; sign in again."


@dataclass
class RefreshToken:
    value: str
    family: str
    client_id: str
    user: UserPlan
    scope: str
    family_started: float
    spent: bool = False


@dataclass
class AccessToken:
    jti: str
    user: UserPlan
    expires_at: float
    family: str | None


class Tokens:
    """Every live token and revoked family. Callers share the tenant's lock, so a grant that
    checks a code and issues tokens does both in one step."""

    def __init__(self, shared: Shared) -> None:
        self._shared = shared
        self._signer = Signer()
        self._refresh: dict[str, RefreshToken] = {}
        self._access: dict[str, AccessToken] = {}
        self._revoked_families: set[str] = set()

    def issue(
        self,
        client_id: str,
        user: UserPlan,
        scope: str,
        family: str,
        family_started: float,
        nonce: str | None,
        *,
        issuer: str,
    ) -> dict[str, Any]:
        """The token endpoint's answer to a grant: an access token, a refresh token if
        ``offline_access`` was asked for, an ID token if ``openid`` was."""
        with self._shared.lock:
            now = self._shared.clock()
            ttl = self._shared.settings.access_token_ttl
            jti = secrets.token_urlsafe(12)
            self._access[jti] = AccessToken(jti, user, now + ttl, family)
            access = self._signer.sign(
                {
                    "iss": issuer,
                    "sub": subject(user),
                    "aud": AUDIENCE,
                    "iat": int(now),
                    "exp": int(now + ttl),
                    "scope": scope,
                    "azp": client_id,
                    "jti": jti,
                }
            )
            self._shared.issued.append(access)
            body: dict[str, Any] = {
                "access_token": access,
                "scope": scope,
                "expires_in": int(ttl),
                "token_type": "Bearer",
            }
            scopes = scope.split()
            if "offline_access" in scopes:
                refresh = secrets.token_urlsafe(36)
                self._shared.issued.append(refresh)
                self._refresh[refresh] = RefreshToken(
                    refresh, family, client_id, user, scope, family_started
                )
                body["refresh_token"] = refresh
            if "openid" in scopes:
                claims = {
                    "iss": issuer,
                    "sub": subject(user),
                    "aud": client_id,
                    "iat": int(now),
                    "exp": int(now + 36000),
                    "email": user.email,
                    "name": user.name,
                    "email_verified": True,
                }
                if nonce:
                    claims["nonce"] = nonce
                body["id_token"] = self._signer.sign(claims)
            return body

    def refresh(self, client: Client, token: str, *, issuer: str) -> dict[str, Any]:
        """Rotate a refresh token. Each refusal says its real cause, since a client tells the
        user: reused (Auth0's own words, counted, the family revoked), revoked, or expired."""
        with self._shared.lock:
            record = self._refresh.get(token)
            if record is None or record.client_id != client.client_id:
                raise OAuthError("invalid_grant", REFRESH_UNKNOWN)
            self._shared.counters.user_request(record.user, "refresh_token")
            if record.family in self._revoked_families:
                raise OAuthError("invalid_grant", REFRESH_REVOKED)
            if record.spent:
                self._shared.counters.reuse(record.user)
                self.revoke_family(record.family)
                raise OAuthError("invalid_grant", REFRESH_UNKNOWN)
            lifetime = self._shared.settings.refresh_token_ttl_days * 86400
            if self._shared.clock() > record.family_started + lifetime:
                raise OAuthError("invalid_grant", REFRESH_EXPIRED)
            record.spent = True
            return self.issue(
                client.client_id,
                record.user,
                record.scope,
                record.family,
                record.family_started,
                None,
                issuer=issuer,
            )

    def revoke(self, client: Client, token: str) -> None:
        """RFC 7009: revoking a refresh token ends its whole family; unknown tokens are ignored."""
        with self._shared.lock:
            self._shared.counters.revocation()
            record = self._refresh.get(token)
            if record is not None and record.client_id == client.client_id:
                self.revoke_family(record.family)
                return
            access = self._access_record(token)
            if access is not None:
                self._access.pop(access.jti, None)

    def revoke_family(self, family: str) -> None:
        """End a sign-in's refresh tokens and the access tokens they gave."""
        with self._shared.lock:
            self._revoked_families.add(family)
            for jti in [j for j, a in self._access.items() if a.family == family]:
                del self._access[jti]

    def user_for(self, access_token: str) -> UserPlan | None:
        """The user an access token speaks for, if it is genuine, unexpired and not revoked."""
        with self._shared.lock:
            record = self._access_record(access_token)
            if record is None or self._shared.clock() >= record.expires_at:
                return None
            return record.user

    def expire_access_tokens(self) -> None:
        """Make every access token stale now (for tests of refresh-on-401)."""
        with self._shared.lock:
            for record in self._access.values():
                record.expires_at = self._shared.clock()

    def clear(self) -> None:
        with self._shared.lock:
            self._refresh.clear()
            self._access.clear()
            self._revoked_families.clear()

    def _access_record(self, token: str) -> AccessToken | None:
        claims = self._signer.verify(token)
        if claims is None:
            return None
        return self._access.get(str(claims.get("jti")))
