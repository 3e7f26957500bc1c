"""Sage ID (an Auth0 tenant) as the sandbox plays it: clients, users, codes and tokens.

The rules are the ones a client must survive against the real service (docs/SAGE200_API.md §1,
§8): two kinds of registered application, as Sage registers them (a *web* application with a
secret and https redirect URIs only; a *desktop* application with loopback http redirect URIs, no
secret, and PKCE required), exact redirect URIs, PKCE S256, the grant types each client may use,
single-use codes that expire after 60 seconds, refresh tokens that rotate on every use, a reused
refresh token refused with ``invalid_grant`` (and, as Auth0's reuse detection does, the whole
family revoked), and an absolute refresh-token lifetime. RFC 8628 device authorization is here too,
off unless asked for: no public evidence shows Sage ID offering it. No HTTP in this module:
``sageid.py`` serves it.
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
from typing import Any, Literal
from urllib.parse import urlsplit

from sage200_mcp.sandbox.seed.companies import USERS, UserPlan

AUDIENCE = "s200ukipd/sage200"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CODE_GRANTS = ("authorization_code", "refresh_token")
KNOWN_GRANTS = (*CODE_GRANTS, DEVICE_CODE_GRANT)
SCOPES = ("openid", "profile", "email", "offline_access")

WEB_CLIENT = "sandbox-client"
WEB_SECRET = "sandbox-secret"
WEB_REDIRECT_URI = "https://sage200-mcp.example/callback"  # .example never resolves
DESKTOP_CLIENT = "sandbox-desktop"
DESKTOP_REDIRECT_URI = "http://localhost:8765/callback"
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

ClientKind = Literal["web", "desktop"]

# invalid_grant descriptions of a refused refresh token: reused (or never issued) is Auth0's own
# text; a family revoked (after reuse, or by /oauth/revoke) and one past its lifetime differ
REFRESH_UNKNOWN = "Unknown or invalid refresh token."
REFRESH_REVOKED = "Refresh token has been revoked."
REFRESH_EXPIRED = "Refresh token has expired; sign in again."
PUBLIC_CLIENT_SENT_SECRET = (
    "A public (desktop) application has no client secret: send client_id alone, with PKCE."
)
PKCE_REQUIRED = (
    "A public (desktop) application must use PKCE: send a code_challenge with"
    " code_challenge_method=S256."
)


class OAuthError(Exception):
    """An error answer of the token endpoint: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def redirect_kind(uri: str) -> ClientKind:
    """Which kind of application may register ``uri``: ``"web"`` (https) or ``"desktop"``
    (http on a loopback host), as Sage's registration form allows; anything else is refused."""
    parts = urlsplit(uri)
    if not parts.fragment and parts.scheme == "https" and parts.hostname:
        return "web"
    if not parts.fragment and parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return "desktop"
    raise ValueError(
        f"{uri!r} cannot be registered: a web application's redirect URIs are https, a desktop"
        " application's are http://localhost:<port> (or 127.0.0.1, [::1])."
    )


@dataclass
class Client:
    """A registered application: ``secret`` None makes it a public (desktop) one."""

    client_id: str
    secret: str | None
    redirect_uris: list[str] = field(default_factory=list)
    grant_types: tuple[str, ...] = CODE_GRANTS

    @property
    def kind(self) -> ClientKind:
        return "desktop" if self.secret is None else "web"

    def register(self, uri: str) -> None:
        """Add a redirect URI this kind of application may have (an http one never goes to a
        web application: Sage's form refuses it)."""
        kind = redirect_kind(uri)
        if kind != self.kind:
            raise ValueError(
                f"{uri!r} is a {kind} application's redirect URI; {self.client_id} is a"
                f" {self.kind} application."
            )
        if uri not in self.redirect_uris:
            self.redirect_uris.append(uri)


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
    device_flow: bool = False


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
        self.clients: dict[str, Client] = {}
        self.register_client(WEB_CLIENT, WEB_SECRET, [WEB_REDIRECT_URI])
        self.register_client(DESKTOP_CLIENT, None, [DESKTOP_REDIRECT_URI])
        for uri in redirect_uris:
            self.add_redirect_uri(uri)

    def issued_secrets(self) -> list[str]:
        """Every code and token handed out so far, for tests that check none of them leaks."""
        with self._lock:
            return list(self._issued)

    # -- clients and users -----------------------------------------------------------------------

    def register_client(
        self,
        client_id: str,
        secret: str | None,
        redirect_uris: list[str],
        grant_types: tuple[str, ...] = CODE_GRANTS,
    ) -> None:
        """Register an application (no secret: a desktop one), refusing a redirect URI its kind
        may not have."""
        client = Client(client_id, secret, grant_types=grant_types)
        for uri in redirect_uris:
            client.register(uri)
        with self._lock:
            self.clients[client_id] = client

    def add_redirect_uri(self, uri: str, client_id: str | None = None) -> str:
        """Register ``uri`` with ``client_id``, or by default with the sandbox's application of
        the kind the URI needs (https: the web client; loopback http: the desktop client).
        Returns the client it went to; a ValueError says why a URI cannot be registered."""
        chosen = client_id or (WEB_CLIENT if redirect_kind(uri) == "web" else DESKTOP_CLIENT)
        with self._lock:
            client = self.clients.get(chosen)
            if client is None:
                raise ValueError(f"no client {chosen!r} is registered")
            client.register(uri)
        return chosen

    def check_user(self, username: str, password: str) -> UserPlan | None:
        user = self.users.get(username.strip().lower())
        if user is None or not hmac.compare_digest(user.password, password):
            return None
        return user

    def authenticate_client(self, client_id: str, secret: str | None) -> Client:
        client = self.clients.get(client_id)
        if client is None:
            raise OAuthError("invalid_client", "Unknown client.", 401)
        if client.secret is None:
            if secret:
                raise OAuthError("invalid_client", PUBLIC_CLIENT_SENT_SECRET, 401)
            return client
        if not secret or not hmac.compare_digest(client.secret, secret):
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        return client

    def check_grant(self, client: Client, grant_type: str) -> None:
        """Refuse a grant Sage ID does not know, or one this client is not allowed (the device
        grant is allowed to every client only while the device flow is on)."""
        if grant_type not in KNOWN_GRANTS:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant type {grant_type!r}.")
        device = grant_type == DEVICE_CODE_GRANT and self.settings.device_flow
        if grant_type not in client.grant_types and not device:
            raise OAuthError(
                "unauthorized_client", f"Grant type '{grant_type}' not allowed for the client.", 403
            )

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
        self,
        client: Client,
        code: str,
        redirect_uri: str | None,
        verifier: str | None,
        *,
        issuer: str,
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
                client.client_id,
                grant.user,
                request.scope,
                family,
                self.clock(),
                request.nonce,
                issuer=issuer,
            )

    # -- refresh tokens --------------------------------------------------------------------------

    def refresh(self, client: Client, token: str, *, issuer: str) -> dict[str, Any]:
        """Rotate a refresh token. Each refusal says its real cause, since a client tells the
        user: reused (Auth0's own words, counted, the family revoked), revoked, or expired."""
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.client_id != client.client_id:
                raise OAuthError("invalid_grant", REFRESH_UNKNOWN)
            if record.family in self._revoked_families:
                raise OAuthError("invalid_grant", REFRESH_REVOKED)
            if record.spent:
                self.counters.refresh_token_reuse += 1
                self._revoke_family(record.family)
                raise OAuthError("invalid_grant", REFRESH_UNKNOWN)
            lifetime = self.settings.refresh_token_ttl_days * 86400
            if self.clock() > record.family_started + lifetime:
                raise OAuthError("invalid_grant", REFRESH_EXPIRED)
            record.spent = True
            return self._tokens(
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
        *,
        issuer: str,
    ) -> dict[str, Any]:
        now = self.clock()
        ttl = self.settings.access_token_ttl
        jti = secrets.token_urlsafe(12)
        self._access[jti] = AccessToken(jti, user, now + ttl, family)
        access = self._sign(
            {
                "iss": issuer,
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
                "iss": issuer,
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

    def poll_device(self, client: Client, device_code: str, *, issuer: str) -> dict[str, Any]:
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
                client.client_id,
                grant.user,
                grant.scope,
                secrets.token_urlsafe(12),
                now,
                None,
                issuer=issuer,
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
