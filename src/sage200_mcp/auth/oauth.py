"""Sage ID's OAuth 2.0 endpoints, as docs/SAGE200_API.md §1 describes them.

The authorize URL carries ``audience=s200ukipd/sage200`` (Sage's requirement), a ``state`` of 256
random bits and a PKCE S256 challenge. Token requests are form-encoded with the client id and
secret in the body. A refresh is never retried here: if the answer to a refresh was lost, sending
the same refresh token again would be a reuse, and Sage ID may revoke the whole sign-in for it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from sage200_mcp.auth.errors import (
    AccessDenied,
    AuthError,
    InvalidClient,
    SageIdUnavailable,
    SignInExpired,
    SignInFailed,
)
from sage200_mcp.config import Settings

SCOPE = "openid profile email offline_access"
AUDIENCE = "s200ukipd/sage200"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43..128
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def new_state() -> str:
    """An unguessable ``state``: 256 random bits."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    refresh_token: str | None
    id_token: str | None
    scope: str
    expires_in: float
    token_type: str

    @classmethod
    def parse(cls, data: Any) -> TokenResponse:
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise SageIdUnavailable("Sage ID's token answer has no access token; try again.")
        try:
            expires_in = float(data.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_in = 3600.0
        return cls(
            access_token=data["access_token"],
            refresh_token=_optional_text(data.get("refresh_token")),
            id_token=_optional_text(data.get("id_token")),
            scope=str(data.get("scope", "")),
            expires_in=max(1.0, expires_in),
            token_type=str(data.get("token_type", "Bearer")),
        )


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float


class DevicePending(AuthError):
    """``authorization_pending``: the person has not approved yet."""


class DeviceSlowDown(AuthError):
    """``slow_down``: poll less often (RFC 8628 says: add five seconds)."""


class SageId:
    """The token, revocation and device endpoints of one Sage ID tenant, for one client."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http

    def authorize_url(self, state: str, pkce: Pkce) -> str:
        query = urlencode(
            {
                "client_id": self.settings.require_client_id(),
                "response_type": "code",
                "redirect_uri": self.settings.redirect_uri,
                "scope": SCOPE,
                "audience": AUDIENCE,
                "state": state,
                "code_challenge": pkce.challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.settings.id_url}/authorize?{query}"

    async def exchange(self, code: str, verifier: str) -> TokenResponse:
        data = await self._post(
            "/oauth/token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.settings.redirect_uri,
                "code_verifier": verifier,
            },
        )
        return TokenResponse.parse(data)

    async def refresh(self, refresh_token: str) -> TokenResponse:
        data = await self._post(
            "/oauth/token",
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "redirect_uri": self.settings.redirect_uri,
            },
        )
        return TokenResponse.parse(data)

    async def revoke(self, token: str) -> None:
        await self._post("/oauth/revoke", {"token": token})

    async def start_device(self) -> DeviceAuthorization:
        data = await self._post("/oauth/device/code", {"scope": SCOPE, "audience": AUDIENCE})
        try:
            return DeviceAuthorization(
                device_code=str(data["device_code"]),
                user_code=str(data["user_code"]),
                verification_uri=str(data["verification_uri"]),
                verification_uri_complete=_optional_text(data.get("verification_uri_complete")),
                expires_in=float(data.get("expires_in", 900)),
                interval=float(data.get("interval", 5)),
            )
        except (KeyError, TypeError, ValueError):
            raise SageIdUnavailable("Sage ID's device sign-in answer is incomplete.") from None

    async def poll_device(self, device_code: str) -> TokenResponse:
        data = await self._post(
            "/oauth/token", {"grant_type": DEVICE_GRANT, "device_code": device_code}
        )
        return TokenResponse.parse(data)

    async def _post(self, path: str, fields: dict[str, str]) -> Any:
        form = {"client_id": self.settings.require_client_id(), **fields}
        if self.settings.client_secret:
            form["client_secret"] = self.settings.client_secret
        url = f"{self.settings.id_url}{path}"
        host = urlsplit(url).netloc
        try:
            response = await self.http.post(url, data=form, headers={"Accept": "application/json"})
        except httpx.TimeoutException:
            raise SageIdUnavailable(
                f"Sage ID ({host}) did not answer in time; check your connection and try again."
            ) from None
        except httpx.TransportError as error:
            raise SageIdUnavailable(
                f"Could not reach Sage ID at {host} ({type(error).__name__}); check your"
                " connection, proxy and SAGE200_ID_URL, then try again."
            ) from None
        return _answer(response, host)


def _answer(response: httpx.Response, host: str) -> Any:
    try:
        data = response.json() if response.content else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if response.is_success:
        if data is None:
            raise SageIdUnavailable(f"Sage ID ({host}) sent an unreadable answer; try again.")
        return data
    error = data.get("error") if isinstance(data, dict) else None
    description = str(data.get("error_description") or "") if isinstance(data, dict) else ""
    if error == "invalid_grant":
        raise SignInExpired(description or None)
    if error in ("invalid_client", "unauthorized_client"):
        raise InvalidClient()
    if error == "access_denied":
        raise AccessDenied()
    if error == "authorization_pending":
        raise DevicePending(description)
    if error == "slow_down":
        raise DeviceSlowDown(description)
    if error == "expired_token":
        raise SignInFailed(
            "The sign-in code expired before it was approved; run `sage200-mcp login --device`"
            " again and approve it sooner."
        )
    if isinstance(error, str) and response.status_code < 500:
        raise AuthError(f"Sage ID refused the request ({error}: {description or 'no detail'}).")
    raise SageIdUnavailable(
        f"Sage ID ({host}) answered HTTP {response.status_code}; try again in a minute."
    )


def identity_from_id_token(id_token: str | None) -> tuple[str | None, str | None]:
    """The email and name in an ID token, without verifying it.

    The token came straight from the token endpoint over TLS, which OpenID Connect accepts in
    place of a signature check for the code flow; it is only used to say who is signed in.
    """
    if not id_token or id_token.count(".") != 2:
        return None, None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(claims, dict):
        return None, None
    return _optional_text(claims.get("email")), _optional_text(claims.get("name"))


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
