"""Sage ID's OAuth 2.0 endpoints, as docs/SAGE200_API.md §1 and §8 describe them.

The authorize URL carries ``audience=s200ukipd/sage200`` (Sage's requirement), a ``state`` of 256
random bits and a PKCE S256 challenge. Token requests are form-encoded with the client id in the
body, and the secret too for a web application (a desktop application has none). A refresh is
never retried here: whether resending a refresh token is safe depends on how the last attempt
failed, which the session decides (a reused refresh token makes Sage ID end the sign-in).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from sage200_mcp.auth.errors import (
    AccessDenied,
    AuthError,
    DeviceFlowUnavailable,
    InvalidClient,
    RedirectRefused,
    SageIdUnavailable,
    SignInExpired,
    SignInFailed,
    UnauthorizedClient,
)
from sage200_mcp.config import Settings
from sage200_mcp.errors import ConfigError

SCOPE = "openid profile email offline_access"
AUDIENCE = "s200ukipd/sage200"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DISCOVERY_PATH = "/.well-known/openid-configuration"
# a refresh is worth waiting for: an answer given up on is a rotated refresh token lost
MIN_REFRESH_TIMEOUT = 60.0


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
            raise SageIdUnavailable(
                "Sage ID's token answer has no access token; try again.", maybe_processed=True
            )
        try:
            expires_in = float(data.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_in = 3600.0
        if expires_in != expires_in or expires_in in (float("inf"), float("-inf")):
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
    """The endpoints of one Sage ID tenant, for one client."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.refresh_timeout = max(MIN_REFRESH_TIMEOUT, 2 * settings.http_timeout)
        self._discovery: dict[str, Any] | None = None

    def authorize_url(self, state: str, pkce: Pkce, redirect_uri: str) -> str:
        query = urlencode(
            {
                "client_id": self.settings.require_client_id(),
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "audience": AUDIENCE,
                "state": state,
                "code_challenge": pkce.challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.settings.id_url}/authorize?{query}"

    async def check_redirect_accepted(self, authorize_url: str, redirect_uri: str) -> None:
        """Ask Sage ID for the sign-in page, as the browser will, and stop now if it refuses.

        An unregistered redirect URI gets an error page and never a redirect (Auth0's "Callback
        URL mismatch"); without this look, the person would stare at that page while a listener
        waited minutes for nothing. Anything this cannot read is left to the browser.
        """
        try:
            page = await self.http.get(authorize_url, headers={"Accept": "text/html"})
        except httpx.HTTPError:
            return
        location = page.headers.get("location", "")
        target = urlsplit(location)
        query = {k: v[0] for k, v in parse_qs(target.query).items()}
        if page.is_redirect and location.startswith(redirect_uri):
            error = query.get("error")
            if error:  # Sage ID accepted the redirect but not the request
                raise _authorize_error(error, query.get("error_description", ""), self.settings)
            return
        refused = page.is_client_error or (
            page.is_redirect and ("error" in query or target.path.rstrip("/").endswith("/error"))
        )
        if not refused:
            return
        detail = query.get("error_description") or _page_text(page)
        if any(word in detail.lower() for word in ("callback", "redirect")):
            raise RedirectRefused(redirect_uri, self.settings.client_type, detail)
        raise _authorize_error(query.get("error", "refused"), detail, self.settings)

    async def exchange(self, code: str, verifier: str, redirect_uri: str) -> TokenResponse:
        data = await self._post(
            "/oauth/token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            grant="authorization_code",
        )
        return TokenResponse.parse(data)

    async def refresh(self, refresh_token: str) -> TokenResponse:
        fields = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if redirect := self._refresh_redirect():
            fields["redirect_uri"] = redirect  # Sage's documented body carries it
        data = await self._post(
            "/oauth/token", fields, grant="refresh_token", timeout=self.refresh_timeout
        )
        return TokenResponse.parse(data)

    async def revoke(self, token: str) -> None:
        await self._post("/oauth/revoke", {"token": token}, grant="revoke")

    async def discovery(self) -> dict[str, Any]:
        """Sage ID's OpenID configuration: what it offers, read once."""
        if self._discovery is None:
            url = f"{self.settings.id_url}{DISCOVERY_PATH}"
            try:
                response = await self.http.get(url, headers={"Accept": "application/json"})
                data = response.json() if response.is_success else None
            except (httpx.HTTPError, ValueError):
                data = None
            if not isinstance(data, dict):
                raise SageIdUnavailable(
                    f"Could not read Sage ID's configuration at {url}; check SAGE200_ID_URL and"
                    " your connection, then try again."
                )
            self._discovery = data
        return self._discovery

    async def start_device(self) -> DeviceAuthorization:
        """Begin RFC 8628 sign-in where Sage ID advertises it (no evidence it does for Sage 200)."""
        endpoint = (await self.discovery()).get("device_authorization_endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            raise DeviceFlowUnavailable(
                "its configuration advertises no device authorization endpoint"
            )
        data = await self._post(
            endpoint, {"scope": SCOPE, "audience": AUDIENCE}, grant="device", absolute=True
        )
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
            "/oauth/token", {"grant_type": DEVICE_GRANT, "device_code": device_code}, grant="device"
        )
        return TokenResponse.parse(data)

    def _refresh_redirect(self) -> str | None:
        try:
            return self.settings.sign_in_redirect()
        except ConfigError:
            return None

    async def _post(
        self,
        path: str,
        fields: dict[str, str],
        *,
        grant: str,
        timeout: float | None = None,
        absolute: bool = False,
    ) -> Any:
        secret = self.settings.secret_to_send
        form = {"client_id": self.settings.require_client_id(), **fields}
        if secret:
            form["client_secret"] = secret
        url = path if absolute else f"{self.settings.id_url}{path}"
        host = urlsplit(url).netloc
        try:
            response = await self.http.post(
                url,
                data=form,
                headers={"Accept": "application/json"},
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise SageIdUnavailable(
                f"Could not reach Sage ID at {host} ({type(error).__name__}); check your"
                " connection, proxy and SAGE200_ID_URL, then try again."
            ) from None
        except httpx.TimeoutException:
            raise SageIdUnavailable(
                f"Sage ID ({host}) did not answer in time; check your connection and try again.",
                maybe_processed=True,
            ) from None
        except httpx.TransportError as error:
            raise SageIdUnavailable(
                f"The connection to Sage ID at {host} failed ({type(error).__name__}) before its"
                " answer arrived; try again.",
                maybe_processed=True,
            ) from None
        return _answer(response, host, grant, self.settings, bool(secret))


def _answer(
    response: httpx.Response, host: str, grant: str, settings: Settings, secret_sent: bool
) -> Any:
    try:
        data = response.json() if response.content else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if response.is_success:
        if data is None:  # granted, perhaps, but the answer is lost all the same
            raise SageIdUnavailable(
                f"Sage ID ({host}) sent an unreadable answer; try again.", maybe_processed=True
            )
        return data
    error = data.get("error") if isinstance(data, dict) else None
    description = str(data.get("error_description") or "") if isinstance(data, dict) else ""
    if error == "invalid_grant" and grant == "authorization_code":
        raise SignInFailed(
            "Sage ID refused the sign-in code (it lasts a minute and works once); sign in again."
        )
    if error == "invalid_grant":
        raise SignInExpired(description or None)
    if error == "invalid_client" or (error == "access_denied" and response.status_code == 401):
        raise InvalidClient(description, secret_sent)  # Auth0 says "access_denied" for a bad secret
    if error == "unauthorized_client":
        raise UnauthorizedClient(description, grant)
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
    if grant == "device" and response.status_code == 404:
        raise DeviceFlowUnavailable("its device authorization endpoint answered 404")
    if isinstance(error, str) and response.status_code < 500:
        raise AuthError(f"Sage ID refused the request ({error}: {description or 'no detail'}).")
    raise SageIdUnavailable(
        f"Sage ID ({host}) answered HTTP {response.status_code}; try again in a minute."
    )


def _authorize_error(error: str, description: str, settings: Settings) -> AuthError:
    if error == "unauthorized_client":
        return UnauthorizedClient(description, "authorization_code")
    if error == "access_denied":
        return AccessDenied()
    return SignInFailed(
        f'Sage ID refused the sign-in request ({error}: "{description or "no detail"}");'
        " check SAGE200_CLIENT_ID and SAGE200_CLIENT_TYPE against what Sage registered."
    )


def _page_text(page: httpx.Response, limit: int = 200) -> str:
    """The words of an HTML error page, for quoting it back."""
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.text, flags=re.S | re.I)
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())
    return words[:limit]


def id_token_claims(id_token: str | None) -> dict[str, Any]:
    """The claims of an ID token, without verifying it (empty when it cannot be read).

    The token came straight from the token endpoint over TLS, which OpenID Connect accepts in
    place of a signature check for the code flow (OIDC Core §3.1.3.7): only a token received
    that way may be read with this.
    """
    if not id_token or id_token.count(".") != 2:
        return {}
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def identity_from_id_token(id_token: str | None) -> tuple[str | None, str | None]:
    """The email and name in an ID token: only used to say who is signed in."""
    claims = id_token_claims(id_token)
    return _optional_text(claims.get("email")), _optional_text(claims.get("name"))


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
