"""The MCP clients the authorization server knows: registered (RFC 7591) or named by the URL of
their client ID metadata document (draft-ietf-oauth-client-id-metadata-document), both kept in
the team store so every replica knows them.

Every client is public (``token_endpoint_auth_method`` ``none``): a secret handed to whoever
registers authenticates nobody, PKCE is what binds a code to the client that asked for it, and
the store then never holds a working secret. A registration asking for a secret is answered
without one, which RFC 7591 §3.2.1 allows ("the server MAY replace"); the SDK's client accepts
that answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import ValidationError

from sage200_mcp.team.store import TeamStore
from sage200_mcp.teamserver.options import DocumentLimits

logger = logging.getLogger(__name__)
FETCHED_AT = "fetched_at"  # beside a document's metadata in the store: when it was read


class ClientDocumentError(Exception):
    """A client ID metadata document that cannot be used, and why (logged, never shown to the
    browser: the authorization endpoint answers "unknown client")."""


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


async def _refuse_inward(host: str, limits: DocumentLimits) -> None:
    """Refuse a document whose host resolves to anything but public addresses.

    The URL is whoever calls /authorize's to choose, so without this the server would fetch,
    from inside the network it runs in, whatever address it was told (a cloud's metadata
    service, an admin page): server-side request forgery. The name is resolved here and again
    when the request connects, so a host that changes its answer in between is not caught:
    this closes the plain case, and the request itself reads no more than a bounded JSON body.
    """
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        raise ClientDocumentError("names a host that does not resolve") from None
    for *_, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        if not ip.is_global and not (limits.allow_loopback_http and ip.is_loopback):
            raise ClientDocumentError(f"names a host on a non-public address ({ip})")


def is_document_url(client_id: str, limits: DocumentLimits) -> bool:
    """Whether ``client_id`` names a metadata document: an https URL with a path (plain http on
    loopback only when the limits allow it, for tests)."""
    parts = urlsplit(client_id)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and limits.allow_loopback_http and _loopback(parts.hostname)
    )
    return secure and bool(parts.hostname) and parts.path not in ("", "/") and not parts.fragment


async def fetch_document(
    http: httpx.AsyncClient, url: str, limits: DocumentLimits
) -> OAuthClientInformationFull:
    """Read and check the document at ``url``: JSON of at most ``max_bytes``, no redirect
    followed, its ``client_id`` the URL itself, redirect URIs given, no secret."""
    await _refuse_inward(urlsplit(url).hostname or "", limits)
    try:
        async with http.stream(
            "GET",
            url,
            headers={"Accept": "application/json"},
            follow_redirects=False,
            timeout=limits.timeout,
        ) as response:
            if response.status_code != 200:
                raise ClientDocumentError(f"answered HTTP {response.status_code}")
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                raise ClientDocumentError(f"is {kind or 'untyped'}, not application/json")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limits.max_bytes:
                    raise ClientDocumentError(f"is larger than {limits.max_bytes} bytes")
    except httpx.HTTPError as error:
        raise ClientDocumentError(f"could not be read ({type(error).__name__})") from None
    try:
        document = json.loads(body)
    except ValueError:
        raise ClientDocumentError("is not JSON") from None
    if not isinstance(document, dict):
        raise ClientDocumentError("is not a JSON object")
    if document.get("client_id") != url:
        raise ClientDocumentError("names another client_id than its own URL")
    if not document.get("redirect_uris"):
        raise ClientDocumentError("lists no redirect_uris")
    if document.get("token_endpoint_auth_method", "none") != "none" or "client_secret" in document:
        raise ClientDocumentError("asks for a client secret, which a public document cannot hold")
    try:
        return OAuthClientInformationFull.model_validate(
            {**document, "token_endpoint_auth_method": "none"}
        )
    except ValidationError as error:
        count = error.error_count()
        raise ClientDocumentError(f"is not valid client metadata ({count} errors)") from None


class ClientDirectory:
    def __init__(
        self,
        store: TeamStore,
        http: httpx.AsyncClient,
        limits: DocumentLimits,
        clock: Callable[[], float],
    ) -> None:
        self.store = store
        self.http = http
        self.limits = limits
        self.clock = clock

    async def get(self, client_id: str) -> OAuthClientInformationFull | None:
        """The client, or None when unknown (or its document cannot be used). A document is
        read again once its cached copy is older than ``cache_seconds``."""
        stored = await self.store.client(client_id)
        document = is_document_url(client_id, self.limits)
        if stored is not None:
            metadata: dict[str, Any] = dict(stored.metadata)
            fetched_at = float(metadata.pop(FETCHED_AT, 0.0))
            if not document or self.clock() - fetched_at < self.limits.cache_seconds:
                return OAuthClientInformationFull.model_validate(metadata)
        if not document:
            return None
        try:
            client = await fetch_document(self.http, client_id, self.limits)
        except ClientDocumentError as error:
            logger.warning("Client ID metadata document %s %s", client_id, error)
            return None
        record = {**client.model_dump(mode="json", exclude_none=True), FETCHED_AT: self.clock()}
        await self.store.register_client(client_id, record)
        return client

    async def register(self, client: OAuthClientInformationFull) -> None:
        """Keep a dynamically registered client, made public (see the module's docstring)."""
        client.token_endpoint_auth_method = "none"
        client.client_secret = None
        client.client_secret_expires_at = None
        if client.client_id is None:
            raise ValueError("the SDK's registration handler assigns the client id")
        await self.store.register_client(
            client.client_id, client.model_dump(mode="json", exclude_none=True)
        )
