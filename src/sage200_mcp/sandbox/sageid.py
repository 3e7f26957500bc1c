"""Sage ID's HTTP endpoints: /authorize, /oauth/token, /oauth/revoke, OIDC discovery and, only
while the device flow is on, device authorization and activation (404 otherwise, as on a tenant
that does not offer it)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from sage200_mcp.sandbox import pages
from sage200_mcp.sandbox.identity import (
    AUDIENCE,
    CODE_GRANTS,
    DEVICE_CODE_GRANT,
    PKCE_REQUIRED,
    SCOPES,
    Authorization,
    Client,
    Identity,
    OAuthError,
)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class SageIdRoutes:
    def __init__(self, identity: Identity) -> None:
        self.identity = identity

    def routes(self) -> list[Route]:
        return [
            Route("/authorize", self.authorize, methods=["GET"]),
            Route("/authorize", self.authorize_decision, methods=["POST"]),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/oauth/revoke", self.revoke, methods=["POST"]),
            Route("/oauth/device/code", self.device_code, methods=["POST"]),
            Route("/activate", self.activate_page, methods=["GET"]),
            Route("/activate", self.activate_decision, methods=["POST"]),
            Route("/.well-known/openid-configuration", self.discovery, methods=["GET"]),
        ]

    # -- authorization code flow -----------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        client = self.identity.clients.get(params.get("client_id", ""))
        if client is None:
            return _html(
                pages.error_page(
                    "Unknown application", "The client_id is not registered with Sage ID."
                ),
                400,
            )
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return _html(
                pages.error_page(
                    "Callback URL mismatch",
                    "The redirect_uri is not registered for this application; Sage ID will not"
                    " redirect to it.",
                ),
                400,
            )
        state = params.get("state")
        problem = _authorize_problem(params, client)
        if problem is not None:
            error, description = problem
            return _redirect(redirect_uri, error=error, error_description=description, state=state)
        authorization = Authorization(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scope=params.get("scope", "openid"),
            state=state,
            code_challenge=params.get("code_challenge"),
            nonce=params.get("nonce"),
        )
        transaction = self.identity.codes.begin(authorization)
        return _html(pages.sign_in(transaction, client.client_id, authorization.scope))

    async def authorize_decision(self, request: Request) -> Response:
        form = await _form(request)
        transaction = form.get("transaction", "")
        authorization = self.identity.codes.pending(transaction)
        if authorization is None:
            return _html(
                pages.error_page(
                    "Sign-in expired",
                    "This sign-in page is no longer valid; start again from your application.",
                ),
                400,
            )
        if form.get("action") == "deny":
            self.identity.codes.finish(transaction)
            return _redirect(
                authorization.redirect_uri,
                error="access_denied",
                error_description="The user denied access.",
                state=authorization.state,
            )
        username = form.get("username", "")
        user = self.identity.check_user(username, form.get("password", ""))
        if user is None:
            return _html(
                pages.sign_in(
                    transaction,
                    authorization.client_id,
                    authorization.scope,
                    error="Wrong email or password.",
                    username=username,
                )
            )
        self.identity.codes.finish(transaction)
        code = self.identity.codes.issue(authorization, user)
        return _redirect(authorization.redirect_uri, code=code, state=authorization.state)

    # -- token endpoint --------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        form = await _form(request)
        grant_type = form.get("grant_type", "")
        self.identity.counters.request(grant_type or "(none)")
        issuer = f"{_origin(request)}/"
        try:
            client = self.identity.clients.authenticate(*_client_credentials(request, form))
            self.identity.check_grant(client, grant_type)
            if grant_type == "authorization_code":
                body = self.identity.codes.redeem(
                    client,
                    form.get("code", ""),
                    form.get("redirect_uri"),
                    form.get("code_verifier"),
                    issuer=issuer,
                )
            elif grant_type == "refresh_token":
                body = self.identity.tokens.refresh(
                    client, form.get("refresh_token", ""), issuer=issuer
                )
            else:
                body = self.identity.devices.poll(
                    client, form.get("device_code", ""), issuer=issuer
                )
        except OAuthError as error:
            self.identity.counters.error(error.error)
            return JSONResponse(
                {"error": error.error, "error_description": error.description},
                status_code=error.status,
                headers=_NO_STORE,
            )
        return JSONResponse(body, headers=_NO_STORE)

    async def revoke(self, request: Request) -> Response:
        form = await _form(request)
        try:
            client = self.identity.clients.authenticate(*_client_credentials(request, form))
        except OAuthError as error:
            return JSONResponse(
                {"error": error.error, "error_description": error.description},
                status_code=error.status,
            )
        self.identity.tokens.revoke(client, form.get("token", ""))
        return Response(status_code=200)

    # -- device authorization --------------------------------------------------------------------

    async def device_code(self, request: Request) -> Response:
        if not self.identity.settings.device_flow:
            return _not_found()
        form = await _form(request)
        client = self.identity.clients.get(form.get("client_id", ""))
        if client is None:
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Unknown client."}, status_code=401
            )
        if form.get("audience", AUDIENCE) != AUDIENCE:
            return JSONResponse(
                {"error": "invalid_request", "error_description": f"audience must be {AUDIENCE}."},
                status_code=400,
            )
        grant = self.identity.devices.start(client, form.get("scope", "openid"))
        verification = f"{_origin(request)}/activate"
        complete = f"{verification}?{urlencode({'user_code': grant.user_code})}"
        return JSONResponse(
            {
                "device_code": grant.device_code,
                "user_code": grant.user_code,
                "verification_uri": verification,
                "verification_uri_complete": complete,
                "expires_in": int(self.identity.settings.device_code_ttl),
                "interval": grant.interval,
            },
            headers=_NO_STORE,
        )

    async def activate_page(self, request: Request) -> Response:
        if not self.identity.settings.device_flow:
            return _not_found()
        return _html(pages.activate(request.query_params.get("user_code", "")))

    async def activate_decision(self, request: Request) -> Response:
        if not self.identity.settings.device_flow:
            return _not_found()
        form = await _form(request)
        grant = self.identity.devices.by_user_code(form.get("user_code", ""))
        if grant is None:
            return _html(
                pages.activate(
                    form.get("user_code", ""), error="That code is not valid or has expired."
                )
            )
        if form.get("action") == "deny":
            self.identity.devices.decide(grant, None)
            return _html(pages.message_page("Request denied", "You can close this window."))
        user = self.identity.check_user(form.get("username", ""), form.get("password", ""))
        if user is None:
            return _html(
                pages.activate(form.get("user_code", ""), error="Wrong email or password.")
            )
        self.identity.devices.decide(grant, user)
        return _html(
            pages.message_page("Device activated", "You are signed in; return to your application.")
        )

    async def discovery(self, request: Request) -> Response:
        """The OIDC discovery document; the device endpoint and grant only while they exist."""
        origin = _origin(request)
        device = self.identity.settings.device_flow
        document: dict[str, Any] = {
            "issuer": f"{origin}/",
            "authorization_endpoint": f"{origin}/authorize",
            "token_endpoint": f"{origin}/oauth/token",
            "revocation_endpoint": f"{origin}/oauth/revoke",
            "grant_types_supported": [*CODE_GRANTS, *([DEVICE_CODE_GRANT] if device else [])],
            "response_types_supported": ["code"],
            "scopes_supported": list(SCOPES),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "client_secret_basic",
                "none",
            ],
        }
        if device:
            document["device_authorization_endpoint"] = f"{origin}/oauth/device/code"
        return JSONResponse(document)


def _authorize_problem(params: Any, client: Client) -> tuple[str, str] | None:
    if params.get("response_type") != "code":
        return "unsupported_response_type", "response_type must be code."
    if params.get("audience") != AUDIENCE:
        return "invalid_request", f"audience must be {AUDIENCE}."
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is None and method is not None:
        return "invalid_request", "code_challenge_method sent without code_challenge."
    if challenge is not None and method != "S256":
        return "invalid_request", "Only the S256 code_challenge_method is supported."
    if challenge is not None and not 43 <= len(challenge) <= 128:
        return "invalid_request", "code_challenge has the wrong length."
    if challenge is None and client.secret is None:
        return "invalid_request", PKCE_REQUIRED
    return None


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    """client_id and client_secret from the body, or from HTTP Basic authentication."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret")


async def _form(request: Request) -> dict[str, str]:
    """A form-encoded (or JSON) body as a flat dict; later duplicates are ignored."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    fields: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(key, value)
    return fields


def _redirect(uri: str, **params: str | None) -> RedirectResponse:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers={"Cache-Control": "no-store"})


def _not_found() -> Response:
    """What a path the tenant does not serve answers (the device endpoints, while off)."""
    return PlainTextResponse("Not Found", status_code=404)
