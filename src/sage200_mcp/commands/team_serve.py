"""`serve --transport http --team`: one server for a whole team, any number of replicas.

Every replica is the same process: the team store (``SAGE200_DATABASE_URL``) holds all state, so
a load balancer may send any request to any of them, and MCP runs stateless (no session pinned
to a replica). The server is the one Sage application registered with Sage ID: it signs people
in through Sage ID and issues MCP clients its own tokens (``teamserver``), then serves each call
as its caller (``people``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sage200_mcp.commands.team import missing_extra
from sage200_mcp.config import Settings
from sage200_mcp.errors import ConfigError
from sage200_mcp.listener import tcp_listener
from sage200_mcp.serving.binding import is_loopback
from sage200_mcp.serving.limits import HttpLimits

if TYPE_CHECKING:  # the team modules need the [team] extra: imported only once it is checked
    import httpx
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette

    from sage200_mcp.team.store import TeamStore
    from sage200_mcp.teamserver.options import TeamServerOptions

PUBLIC_URL_VARIABLE = "SAGE200_PUBLIC_URL"


def serve_team(
    settings: Settings,
    toolsets: tuple[str, ...],
    host: str,
    port: int,
    limits: HttpLimits,
    *,
    public_url: str | None,
    access_token_ttl: float,
) -> int:
    problem = settings.setup_problem()
    if problem is not None:
        raise ConfigError(f"{problem} A team server starts only once it is set up.")
    try:
        from sage200_mcp.team.settings import open_store
        from sage200_mcp.teamserver.options import TeamServerOptions
    except ModuleNotFoundError as error:
        raise missing_extra(error) from None
    options = TeamServerOptions.from_environ(access_token_ttl=access_token_ttl)
    listener = tcp_listener(host, port)
    public = _public_url(public_url, host, listener.getsockname()[1])

    async def run() -> None:
        store = await open_store()
        try:
            await _serve(settings, toolsets, store, options, listener, public, limits)
        finally:
            await store.close()

    asyncio.run(run())
    return 0


def _public_url(given: str | None, host: str, port: int) -> str:
    """Where clients reach the server: given, or this listener when it is on loopback."""
    given = given or os.environ.get(PUBLIC_URL_VARIABLE)
    if given:
        return given
    if is_loopback(host):
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"
    raise ConfigError(
        f"A team server on {host} needs --public-url (or {PUBLIC_URL_VARIABLE}): the https"
        " address clients reach it at, e.g. https://sage.example.com, whose /sage/callback is"
        " registered with Sage as the application's redirect."
    )


async def _serve(
    settings: Settings,
    toolsets: tuple[str, ...],
    store: TeamStore,
    options: TeamServerOptions,
    listener: socket.socket,
    public: str,
    limits: HttpLimits,
) -> None:
    import uvicorn

    from sage200_mcp.httpclient import new_http_client
    from sage200_mcp.serving.connections import guarded_protocol
    from sage200_mcp.serving.log_limit import limit_logging
    from sage200_mcp.teamserver.app import MCP_PATH

    async with new_http_client(settings.http_timeout) as http:
        app = team_app(settings, toolsets, store, options, public, limits, http)
        config = uvicorn.Config(
            app,
            http=guarded_protocol(limits),
            ws="none",
            log_level="warning",
            access_log=False,
        )
        sys.stderr.write(f"sage200-mcp: team server, MCP endpoint on {public}{MCP_PATH}\n")
        limit_logging("uvicorn", "uvicorn.error")
        await uvicorn.Server(config).serve(sockets=[listener])


def team_app(
    settings: Settings,
    toolsets: tuple[str, ...],
    store: TeamStore,
    options: TeamServerOptions,
    public: str,
    limits: HttpLimits,
    http: httpx.AsyncClient,
) -> Starlette:
    """The whole team server as one ASGI app: sign-in, the MCP endpoint, each call served as
    its caller. ``store`` and ``http`` are the caller's to close, after the app has stopped."""
    from sage200_mcp.auth.oauth import SageId
    from sage200_mcp.people.directory import People
    from sage200_mcp.server import create_server
    from sage200_mcp.serving.rate_limit import RateLimiter
    from sage200_mcp.teamserver.app import build, callback_settings

    # a cursor one replica hands out must page on at any other
    settings = dataclasses.replace(settings, cursor_key=store.cipher.derived_key("cursors"))
    sage_id = SageId(callback_settings(settings, public), http)
    rate = RateLimiter(limits.rate_limit)

    def people(toolset_of: Mapping[str, str]) -> People:
        return People(
            settings, store, sage_id, http, toolsets=toolsets, toolset_of=toolset_of, rate=rate
        )

    return build(
        settings,
        store,
        public,
        create_server(settings, toolsets=toolsets, team=people),
        options=options,
        http=http,
        transport_security=_accepting(public),
        http_options={
            "stateless_http": True,  # no session lives in one replica
            "max_request_body_size": limits.max_body_size,
        },
    )


def _accepting(public: str) -> TransportSecuritySettings:
    """Host and Origin headers the MCP endpoint accepts (DNS-rebinding protection): the public
    address's, as a load balancer passes it on, and loopback's, for the replica's own checks."""
    from mcp.server.transport_security import TransportSecuritySettings

    parts = urlsplit(public)
    hosts = {parts.netloc, f"{parts.hostname}:*", "127.0.0.1:*", "localhost:*", "[::1]:*"}
    origins = {f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{parts.hostname}:*"}
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=sorted(hosts),
        allowed_origins=sorted(origins),
    )
