"""The authorization code flow: a checked /authorize request waiting for its sign-in, then the
single-use code it becomes, redeemed once with its PKCE verifier.

A code is good once, for a minute by default, for the client and redirect URI it was issued to;
a code shown twice revokes the tokens its first use gave. PKCE is S256 only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sage200_mcp.sandbox.identity.clients import Client
from sage200_mcp.sandbox.identity.oauth import OAuthError
from sage200_mcp.sandbox.identity.settings import Shared
from sage200_mcp.sandbox.identity.signing import b64url, same_text
from sage200_mcp.sandbox.identity.tokens import Tokens
from sage200_mcp.sandbox.seed.companies import UserPlan

PKCE_REQUIRED = (
    "A public (desktop) application must use PKCE: send a code_challenge with"
    " code_challenge_method=S256."
)


@dataclass
class Authorization:
    """What a person was asked to approve at /authorize, kept server-side between form posts."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str | None
    nonce: str | None


@dataclass
class Code:
    value: str
    authorization: Authorization
    user: UserPlan
    expires_at: float
    used: bool = False
    family: str | None = None


class AuthorizationCodes:
    """Sign-ins under way and the codes they ended in."""

    def __init__(self, shared: Shared, tokens: Tokens) -> None:
        self._shared = shared
        self._tokens = tokens
        self._pending: dict[str, Authorization] = {}
        self._codes: dict[str, Code] = {}

    def begin(self, authorization: Authorization) -> str:
        """Remember a checked authorization request; the id travels in the sign-in form."""
        transaction = secrets.token_urlsafe(16)
        with self._shared.lock:
            self._pending[transaction] = authorization
        return transaction

    def pending(self, transaction: str) -> Authorization | None:
        with self._shared.lock:
            return self._pending.get(transaction)

    def finish(self, transaction: str) -> None:
        with self._shared.lock:
            self._pending.pop(transaction, None)

    def issue(self, authorization: Authorization, user: UserPlan) -> str:
        value = secrets.token_urlsafe(24)
        with self._shared.lock:
            self._shared.issued.append(value)
            self._codes[value] = Code(
                value, authorization, user, self._shared.clock() + self._shared.settings.code_ttl
            )
            self._shared.counters.sign_in()
        return value

    def redeem(
        self,
        client: Client,
        code: str,
        redirect_uri: str | None,
        verifier: str | None,
        *,
        issuer: str,
    ) -> dict[str, Any]:
        with self._shared.lock:
            grant = self._codes.get(code)
            if grant is None:
                raise OAuthError("invalid_grant", "Invalid authorization code.")
            if grant.authorization.client_id == client.client_id:
                self._shared.counters.user_request(grant.user, "authorization_code")
            if grant.used:
                if grant.family:
                    self._tokens.revoke_family(grant.family)
                raise OAuthError("invalid_grant", "Authorization code has already been used.")
            grant.used = True
            if self._shared.clock() > grant.expires_at:
                raise OAuthError("invalid_grant", "Authorization code has expired.")
            request = grant.authorization
            if request.client_id != client.client_id:
                raise OAuthError(
                    "invalid_grant", "Authorization code was issued to another client."
                )
            if redirect_uri != request.redirect_uri:
                raise OAuthError(
                    "invalid_grant", "redirect_uri does not match the authorization request."
                )
            if request.code_challenge is not None:
                if not verifier:
                    raise OAuthError("invalid_grant", "Missing code_verifier.")
                if not same_text(pkce_challenge(verifier), request.code_challenge):
                    raise OAuthError("invalid_grant", "Failed to verify code_verifier.")
            elif verifier:
                raise OAuthError("invalid_grant", "code_verifier sent but no code_challenge was.")
            family = secrets.token_urlsafe(12)
            grant.family = family
            return self._tokens.issue(
                client.client_id,
                grant.user,
                request.scope,
                family,
                self._shared.clock(),
                request.nonce,
                issuer=issuer,
            )

    def clear(self) -> None:
        with self._shared.lock:
            self._pending.clear()
            self._codes.clear()


def pkce_challenge(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
