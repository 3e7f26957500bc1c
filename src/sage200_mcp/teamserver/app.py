"""The team server's Starlette app: the MCP endpoint behind bearer auth, the SDK's authorization
server routes over ``TeamAuthProvider``, both metadata documents, and ``/sage/callback``.

The SDK assembles it (``streamable_http_app`` with ``auth``, the provider and its token
verifier), so the 401 with ``WWW-Authenticate: Bearer resource_metadata=...``, RFC 9728 and RFC
8414 metadata, PKCE S256 and the token-resource check are the SDK's own. One route is ours in
place of the SDK's: the authorization server metadata, which must also say that client ID
metadata documents are accepted and that clients are public (the SDK's builder says neither).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from mcp.server.auth.handlers.metadata import MetadataHandler
from mcp.server.auth.routes import build_metadata, cors_middleware
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.routing import Route

from sage200_mcp.auth.oauth import SageId
from sage200_mcp.config import Settings
from sage200_mcp.errors import ConfigError
from sage200_mcp.team.store import TeamStore
from sage200_mcp.teamserver.callback import SageCallback
from sage200_mcp.teamserver.clients import ClientDirectory
from sage200_mcp.teamserver.options import TeamServerOptions
from sage200_mcp.teamserver.provider import TeamAuthProvider

MCP_PATH = "/mcp"
CALLBACK_PATH = "/sage/callback"
AS_METADATA_PATH = "/.well-known/oauth-authorization-server"


def public_base(public_url: str) -> str:
    """The server's public origin, as clients reach it: https (plain http on loopback only, for
    tests and one machine), no path (the SDK serves /authorize, /token and the metadata at the
    root), no query."""
    parts = urlsplit(public_url.rstrip("/"))
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(
            f"The team server's public URL {public_url!r} must be https (plain http only on"
            " 127.0.0.1 or localhost): clients send it tokens."
        )
    if parts.path or parts.query or parts.fragment:
        raise ConfigError(
            f"The team server's public URL {public_url!r} must be an origin only, as"
            " https://sage.example.com, with no path."
        )
    return f"{parts.scheme}://{parts.netloc}"


def callback_settings(settings: Settings, public_url: str) -> Settings:
    """``settings`` with the team server's Sage ID callback as the redirect: the one address
    registered with Sage, for signing in and refreshing alike."""
    callback_url = f"{public_base(public_url)}{CALLBACK_PATH}"
    if settings.redirect_uri not in (None, callback_url):
        raise ConfigError(
            f"SAGE200_REDIRECT_URI is {settings.redirect_uri} but the team server's Sage ID"
            f" callback is {callback_url}: register that with Sage and set it (or leave it unset)."
        )
    return dataclasses.replace(settings, redirect_uri=callback_url)


def build(
    settings: Settings,
    store: TeamStore,
    public_url: str,
    mcp_server: MCPServer[Any],
    *,
    options: TeamServerOptions,
    http: httpx.AsyncClient,
    transport_security: TransportSecuritySettings | None = None,
    clock: Callable[[], float] = time.time,
    http_options: Mapping[str, Any] | None = None,
) -> Starlette:
    """The app to serve. ``settings`` are the one Sage application's (client id, secret); its
    redirect must be ``<public_url>/sage/callback``, registered with Sage. ``http`` reaches Sage
    ID and client metadata documents; the caller owns it (and ``store``) for the app's life.
    ``transport_security`` as the SDK takes it (None: its loopback-only default on 127.0.0.1);
    ``http_options`` are more of the SDK's streamable HTTP options (stateless, body limit).
    """
    base = public_base(public_url)
    sage_settings = callback_settings(settings, public_url)
    callback_url = str(sage_settings.redirect_uri)
    sage = SageId(sage_settings, http)
    resource = f"{base}{MCP_PATH}"
    provider = TeamAuthProvider(
        store,
        ClientDirectory(store, http, options.documents, clock),
        sage,
        options,
        resource=resource,
        callback_url=callback_url,
        clock=clock,
    )
    registration = ClientRegistrationOptions(enabled=True)
    revocation = RevocationOptions(enabled=True)
    # from text, so the model's own setting keeps the issuer as given (no slash after the
    # origin): RFC 8414 compares issuers as strings
    auth = AuthSettings.model_validate(
        {
            "issuer_url": base,
            "resource_server_url": resource,
            "validate_token_resource": True,  # RFC 8707: a token for another resource is refused
            "client_registration_options": registration,
            "revocation_options": revocation,
        }
    )
    callback = SageCallback(store, sage, options, callback_url=callback_url, clock=clock)
    app = mcp_server._lowlevel_server.streamable_http_app(  # the SDK's own assembly
        streamable_http_path=MCP_PATH,
        transport_security=transport_security,
        host=urlsplit(base).hostname or "",
        auth=auth,
        auth_server_provider=provider,
        token_verifier=provider,
        custom_starlette_routes=[Route(CALLBACK_PATH, callback.handle, methods=["GET"])],
        **(http_options or {}),
    )
    metadata = build_metadata(auth.issuer_url, None, registration, revocation)
    metadata.client_id_metadata_document_supported = True
    metadata.token_endpoint_auth_methods_supported = ["none"]
    metadata.revocation_endpoint_auth_methods_supported = ["none"]
    # first match wins: this route answers before the SDK's own at the same path
    app.router.routes.insert(
        0,
        Route(
            AS_METADATA_PATH,
            endpoint=cors_middleware(MetadataHandler(metadata).handle, ["GET", "OPTIONS"]),
            methods=["GET", "OPTIONS"],
        ),
    )
    return app
