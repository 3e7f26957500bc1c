"""Sage ID (an Auth0 tenant) as the sandbox plays it: clients, users, codes and tokens.

The rules are the ones a client must survive against the real service (docs/SAGE200_API.md §1):
exact redirect URIs, PKCE S256, single-use codes that expire after 60 seconds, refresh tokens that
rotate on every use, a reused refresh token refused with ``invalid_grant`` (and, as Auth0's
reuse detection does, the whole family revoked), and an absolute refresh-token lifetime. RFC 8628
device authorization is here too. No HTTP in this module: ``sageid.py`` serves it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sage200_mcp.sandbox.seed.companies import USERS, UserPlan

AUDIENCE = "s200ukipd/sage200"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class OAuthError(Exception):
    """An error answer of the token endpoint: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass
class Client:
    client_id: str
    secret: str | None
    redirect_uris: list[str]


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


@dataclass
class DeviceGrant:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: int
    last_poll: float = 0.0
    user: UserPlan | None = None
    denied: bool = False
    redeemed: bool = False


@dataclass
class IdentitySettings:
    access_token_ttl: float = 28800
    refresh_token_ttl_days: float = 90
    code_ttl: float = 60
    device_code_ttl: float = 900
    device_interval: int = 5
    issuer: str = "https://id.sandbox.sage200-mcp.invalid/"


@dataclass
class Counters:
    token_requests: dict[str, int] = field(default_factory=dict)
    token_errors: dict[str, int] = field(default_factory=dict)
    refresh_token_reuse: int = 0
    revocations: int = 0
    sign_ins: int = 0


class Identity:
    """All Sage ID state. Thread-safe: the HTTP server and tests may call it concurrently."""

    def __init__(
        self, settings: IdentitySettings, clock: Callable[[], float], redirect_uris: list[str]
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.clients = {
            "sandbox-client": Client("sandbox-client", "sandbox-secret", list(redirect_uris))
        }
        self.users = {user.email.lower(): user for user in USERS}
        self.counters = Counters()
        self._lock = threading.RLock()
        self._signing_key = secrets.token_bytes(32)
        self._pending: dict[str, Authorization] = {}
        self._codes: dict[str, Code] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._access: dict[str, AccessToken] = {}
        self._devices: dict[str, DeviceGrant] = {}
        self._revoked_families: set[str] = set()
        self._issued: list[str] = []

    def issued_secrets(self) -> list[str]:
        """Every code and token handed out so far, for tests that check none of them leaks."""
        with self._lock:
            return list(self._issued)

    # -- clients and users -----------------------------------------------------------------------

    def register_client(self, client_id: str, secret: str | None, redirect_uris: list[str]) -> None:
        with self._lock:
            self.clients[client_id] = Client(client_id, secret, list(redirect_uris))

    def add_redirect_uri(self, uri: str, client_id: str = "sandbox-client") -> None:
        with self._lock:
            uris = self.clients[client_id].redirect_uris
            if uri not in uris:
                uris.append(uri)

    def check_user(self, username: str, password: str) -> UserPlan | None:
        user = self.users.get(username.strip().lower())
        if user is None or not hmac.compare_digest(user.password, password):
            return None
        return user

    def authenticate_client(self, client_id: str, secret: str | None) -> Client:
        client = self.clients.get(client_id)
        if client is None:
            raise OAuthError("invalid_client", "Unknown client.", 401)
        if client.secret is not None and (
            secret is None or not hmac.compare_digest(client.secret, secret)
        ):
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        return client

    # -- authorization code flow -----------------------------------------------------------------

    def begin(self, authorization: Authorization) -> str:
        """Remember a checked authorization request; the id travels in the sign-in form."""
        transaction = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[transaction] = authorization
        return transaction

    def pending(self, transaction: str) -> Authorization | None:
        with self._lock:
            return self._pending.get(transaction)

    def finish(self, transaction: str) -> None:
        with self._lock:
            self._pending.pop(transaction, None)

    def issue_code(self, authorization: Authorization, user: UserPlan) -> str:
        value = secrets.token_urlsafe(24)
        with self._lock:
            self._issued.append(value)
            self._codes[value] = Code(
                value, authorization, user, self.clock() + self.settings.code_ttl
            )
            self.counters.sign_ins += 1
        return value

    def redeem_code(
        self, client: Client, code: str, redirect_uri: str | None, verifier: str | None
    ) -> dict[str, Any]:
        with self._lock:
            grant = self._codes.get(code)
            if grant is None:
                raise OAuthError("invalid_grant", "Invalid authorization code.")
            if grant.used:
                if grant.family:
                    self._revoke_family(grant.family)
                raise OAuthError("invalid_grant", "Authorization code has already been used.")
            grant.used = True
            if self.clock() > grant.expires_at:
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
                if not hmac.compare_digest(pkce_challenge(verifier), request.code_challenge):
                    raise OAuthError("invalid_grant", "Failed to verify code_verifier.")
            elif verifier:
                raise OAuthError("invalid_grant", "code_verifier sent but no code_challenge was.")
            family = secrets.token_urlsafe(12)
            grant.family = family
            return self._tokens(
                client.client_id, grant.user, request.scope, family, self.clock(), request.nonce
            )

    # -- refresh tokens --------------------------------------------------------------------------

    def refresh(self, client: Client, token: str) -> dict[str, Any]:
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.client_id != client.client_id:
                raise OAuthError("invalid_grant", "Unknown or invalid refresh token.")
            if record.family in self._revoked_families:
                raise OAuthError("invalid_grant", "Refresh token has been revoked.")
            if record.spent:
                self.counters.refresh_token_reuse += 1
                self._revoke_family(record.family)
                raise OAuthError("invalid_grant", "Unknown or invalid refresh token.")
            lifetime = self.settings.refresh_token_ttl_days * 86400
            if self.clock() > record.family_started + lifetime:
                raise OAuthError("invalid_grant", "Refresh token has expired; sign in again.")
            record.spent = True
            return self._tokens(
                client.client_id,
                record.user,
                record.scope,
                record.family,
                record.family_started,
                None,
            )

    def revoke(self, client: Client, token: str) -> None:
        """RFC 7009: revoking a refresh token ends its whole family; unknown tokens are ignored."""
        with self._lock:
            self.counters.revocations += 1
            record = self._refresh.get(token)
            if record is not None and record.client_id == client.client_id:
                self._revoke_family(record.family)
                return
            access = self._access_record(token)
            if access is not None:
                self._access.pop(access.jti, None)

    def _revoke_family(self, family: str) -> None:
        self._revoked_families.add(family)
        for jti in [j for j, a in self._access.items() if a.family == family]:
            del self._access[jti]

    # -- access tokens ---------------------------------------------------------------------------

    def user_for(self, access_token: str) -> UserPlan | None:
        """The user an access token speaks for, if it is genuine, unexpired and not revoked."""
        with self._lock:
            record = self._access_record(access_token)
            if record is None or self.clock() >= record.expires_at:
                return None
            return record.user

    def expire_access_tokens(self) -> None:
        """Make every access token stale now (for tests of refresh-on-401)."""
        with self._lock:
            for record in self._access.values():
                record.expires_at = self.clock()

    def _access_record(self, token: str) -> AccessToken | None:
        claims = self._verify(token)
        if claims is None:
            return None
        return self._access.get(str(claims.get("jti")))

    def _tokens(
        self,
        client_id: str,
        user: UserPlan,
        scope: str,
        family: str,
        family_started: float,
        nonce: str | None,
    ) -> dict[str, Any]:
        now = self.clock()
        ttl = self.settings.access_token_ttl
        jti = secrets.token_urlsafe(12)
        self._access[jti] = AccessToken(jti, user, now + ttl, family)
        access = self._sign(
            {
                "iss": self.settings.issuer,
                "sub": f"auth0|{user.id}",
                "aud": AUDIENCE,
                "iat": int(now),
                "exp": int(now + ttl),
                "scope": scope,
                "azp": client_id,
                "jti": jti,
            }
        )
        self._issued.append(access)
        body: dict[str, Any] = {
            "access_token": access,
            "scope": scope,
            "expires_in": int(ttl),
            "token_type": "Bearer",
        }
        scopes = scope.split()
        if "offline_access" in scopes:
            refresh = secrets.token_urlsafe(36)
            self._issued.append(refresh)
            self._refresh[refresh] = RefreshToken(
                refresh, family, client_id, user, scope, family_started
            )
            body["refresh_token"] = refresh
        if "openid" in scopes:
            claims = {
                "iss": self.settings.issuer,
                "sub": f"auth0|{user.id}",
                "aud": client_id,
                "iat": int(now),
                "exp": int(now + 36000),
                "email": user.email,
                "name": user.name,
                "email_verified": True,
            }
            if nonce:
                claims["nonce"] = nonce
            body["id_token"] = self._sign(claims)
        return body

    # -- device authorization (RFC 8628) ---------------------------------------------------------

    def start_device(self, client: Client, scope: str) -> DeviceGrant:
        alphabet = "BCDFGHJKLMNPQRSTVWXZ"
        user_code = "".join(secrets.choice(alphabet) for _ in range(8))
        grant = DeviceGrant(
            secrets.token_urlsafe(32),
            f"{user_code[:4]}-{user_code[4:]}",
            client.client_id,
            scope,
            self.clock() + self.settings.device_code_ttl,
            self.settings.device_interval,
        )
        with self._lock:
            self._issued.append(grant.device_code)
            self._devices[grant.device_code] = grant
        return grant

    def device_by_user_code(self, user_code: str) -> DeviceGrant | None:
        wanted = "".join(ch for ch in user_code.upper() if ch in string.ascii_uppercase)
        with self._lock:
            for grant in self._devices.values():
                if grant.user_code.replace("-", "") == wanted and self.clock() <= grant.expires_at:
                    return grant
        return None

    def decide_device(self, grant: DeviceGrant, user: UserPlan | None) -> None:
        with self._lock:
            if user is None:
                grant.denied = True
            else:
                grant.user = user

    def poll_device(self, client: Client, device_code: str) -> dict[str, Any]:
        with self._lock:
            grant = self._devices.get(device_code)
            if grant is None or grant.client_id != client.client_id or grant.redeemed:
                raise OAuthError("invalid_grant", "Unknown or used device code.")
            now = self.clock()
            if now > grant.expires_at:
                raise OAuthError("expired_token", "The device code has expired; start again.")
            if grant.denied:
                raise OAuthError("access_denied", "The user denied the request.", 403)
            too_soon = grant.last_poll and now - grant.last_poll < grant.interval
            grant.last_poll = now
            if too_soon:
                grant.interval += 5
                raise OAuthError("slow_down", f"Polling too fast; wait {grant.interval} seconds.")
            if grant.user is None:
                raise OAuthError("authorization_pending", "The user has not yet approved.")
            grant.redeemed = True
            return self._tokens(
                client.client_id, grant.user, grant.scope, secrets.token_urlsafe(12), now, None
            )

    # -- signing ---------------------------------------------------------------------------------

    def _sign(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "sandbox"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha256)
        return f"{header}.{payload}.{_b64(signature.digest())}"

    def _verify(self, token: str) -> dict[str, Any] | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(self._signing_key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256)
        if not hmac.compare_digest(_b64(expected.digest()), parts[2]):
            return None
        try:
            claims: dict[str, Any] = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        return claims

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
            self._codes.clear()
            self._refresh.clear()
            self._access.clear()
            self._devices.clear()
            self._revoked_families.clear()
            self.counters = Counters()

    def count(self, kind: str, name: str) -> None:
        with self._lock:
            table = (
                self.counters.token_requests if kind == "request" else self.counters.token_errors
            )
            table[name] = table.get(name, 0) + 1


def pkce_challenge(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii", "replace")).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
