"""The applications registered with Sage ID, and the rules of registering and authenticating one.

Sage registers two kinds of application: a *web* one, with a secret and https redirect URIs only,
and a *desktop* one, with loopback http redirect URIs and no secret (so it must use PKCE). A
client must survive both, so the sandbox refuses what Sage's registration form refuses, and
authenticates each kind the way Sage ID does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from sage200_mcp.sandbox.identity.oauth import (
    CODE_GRANTS,
    DEVICE_CODE_GRANT,
    KNOWN_GRANTS,
    OAuthError,
)
from sage200_mcp.sandbox.identity.signing import same_text

WEB_CLIENT = "sandbox-client"
WEB_SECRET = "sandbox-secret"
WEB_REDIRECT_URI = "https://sage200-mcp.example/callback"  # .example never resolves
DESKTOP_CLIENT = "sandbox-desktop"
DESKTOP_REDIRECT_URI = "http://localhost:8765/callback"
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

PUBLIC_CLIENT_SENT_SECRET = (
    "A public (desktop) application has no client secret: send client_id alone, with PKCE."
)

ClientKind = Literal["web", "desktop"]


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


class ClientRegistry(Mapping[str, Client]):
    """The tenant's applications by client_id: the sandbox's web and desktop ones from the start,
    and any a test registers beside them."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._clients: dict[str, Client] = {}
        self.register(WEB_CLIENT, WEB_SECRET, [WEB_REDIRECT_URI])
        self.register(DESKTOP_CLIENT, None, [DESKTOP_REDIRECT_URI])

    def __getitem__(self, client_id: str) -> Client:
        return self._clients[client_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._clients)

    def __len__(self) -> int:
        return len(self._clients)

    def register(
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
            self._clients[client_id] = client

    def add_redirect_uri(self, uri: str, client_id: str | None = None) -> str:
        """Register ``uri`` with ``client_id``, or by default with the sandbox's application of
        the kind the URI needs (https: the web client; loopback http: the desktop client).
        Returns the client it went to; a ValueError says why a URI cannot be registered."""
        chosen = client_id or (WEB_CLIENT if redirect_kind(uri) == "web" else DESKTOP_CLIENT)
        with self._lock:
            client = self._clients.get(chosen)
            if client is None:
                raise ValueError(f"no client {chosen!r} is registered")
            client.register(uri)
        return chosen

    def authenticate(self, client_id: str, secret: str | None) -> Client:
        client = self._clients.get(client_id)
        if client is None:
            raise OAuthError("invalid_client", "Unknown client.", 401)
        if client.secret is None:
            if secret:
                raise OAuthError("invalid_client", PUBLIC_CLIENT_SENT_SECRET, 401)
            return client
        if not secret or not same_text(secret, client.secret):
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        return client


def check_grant(client: Client, grant_type: str, *, device_flow: bool) -> None:
    """Refuse a grant Sage ID does not know, or one this client is not allowed (the device
    grant is allowed to every client only while the device flow is on)."""
    if grant_type not in KNOWN_GRANTS:
        raise OAuthError("unsupported_grant_type", f"Unsupported grant type {grant_type!r}.")
    device = grant_type == DEVICE_CODE_GRANT and device_flow
    if grant_type not in client.grant_types and not device:
        raise OAuthError(
            "unauthorized_client", f"Grant type '{grant_type}' not allowed for the client.", 403
        )
