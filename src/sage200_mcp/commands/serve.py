"""`serve`: the MCP server over stdio (for desktop clients) or streamable HTTP."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from sage200_mcp.config import Settings
from sage200_mcp.errors import ConfigError
from sage200_mcp.listener import tcp_listener
from sage200_mcp.serving.binding import TEAM_OVER_STDIO, check_exposure
from sage200_mcp.serving.limits import HttpLimits

if TYPE_CHECKING:  # the server is imported late: `serve --help` need not load MCP
    from mcp.server.mcpserver import MCPServer


def configure_logging() -> None:
    """Logs go to stderr only: on stdio, stdout carries JSON-RPC and nothing else."""
    level = os.environ.get("SAGE200_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, level, logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if level != "DEBUG":
        logging.getLogger("httpx").setLevel(logging.WARNING)


def serve(
    load: Callable[[], Settings] | None,
    transport: str,
    host: str,
    port: int,
    toolsets: str | None,
    *,
    limits: HttpLimits,
    team: bool = False,
    insecure_no_auth: bool = False,
    public_url: str | None = None,
    access_token_ttl: float | None = None,
) -> int:
    """Serve the books ``load`` configures, or (None) the demo sandbox's.

    A server not yet set up still starts: a client that launched it before the user set
    credentials would otherwise show only "disconnected", the reason lost in a log file.
    Every tool answers with what to set and where instead, and the configuration is read
    again on each call until it is complete.
    """
    if team and transport != "http":  # before anything loads: a refusal should be quick
        raise ConfigError(TEAM_OVER_STDIO)
    if team or transport == "http":
        check_exposure(host, team=team, insecure_no_auth=insecure_no_auth)
    if team:
        return _serve_team(load, host, port, toolsets, limits, public_url, access_token_ttl)
    configure_logging()
    with _collector_paused():
        from sage200_mcp.server import TOOLSETS, create_server, parse_toolsets

        try:
            chosen = parse_toolsets(_toolsets_asked(toolsets))
        except ConfigError as error:
            if load is None:  # the demo, started by hand: say so and stop
                raise
            # a typo in a client's settings form must not disconnect the server either: every
            # tool is listed and each says what to fix, none reads the books
            chosen, load = (
                tuple(TOOLSETS),
                _refusing(
                    f"{error} Fix the toolsets setting (--toolsets or SAGE200_TOOLSETS) and restart"
                    " the server."
                ),
            )
        if load is not None:
            _warn_if_not_set_up(load)
        mcp = create_server(None, demo=load is None, toolsets=chosen, load=load)
    if transport == "stdio":
        mcp.run("stdio")
        return 0
    return _serve_http(mcp, host, port, limits, insecure_no_auth)


def _toolsets_asked(flag: str | None) -> str | None:
    """--toolsets, else SAGE200_TOOLSETS (the extension's settings form sets it)."""
    return flag or os.environ.get("SAGE200_TOOLSETS")


def _serve_team(
    load: Callable[[], Settings] | None,
    host: str,
    port: int,
    toolsets: str | None,
    limits: HttpLimits,
    public_url: str | None,
    access_token_ttl: float | None,
) -> int:
    """A team server: unlike one person's, it starts only when set up (its administrator is
    at the terminal, and half-configured it would turn every person away)."""
    from sage200_mcp.commands.team_serve import serve_team
    from sage200_mcp.server import parse_toolsets
    from sage200_mcp.teamserver.options import DEFAULT_ACCESS_TOKEN_TTL

    if load is None:
        raise ConfigError("--team serves a team's real books: it cannot be combined with --demo.")
    configure_logging()
    return serve_team(
        load(),
        parse_toolsets(_toolsets_asked(toolsets)),
        host,
        port,
        limits,
        public_url=public_url,
        access_token_ttl=access_token_ttl or DEFAULT_ACCESS_TOKEN_TTL,
    )


def _refusing(problem: str) -> Callable[[], Settings]:
    """A configuration that cannot be used as given, whatever the files say."""

    def load() -> Settings:
        raise ConfigError(problem)

    return load


def _warn_if_not_set_up(load: Callable[[], Settings]) -> None:
    try:
        problem = load().setup_problem()
    except ConfigError as error:
        problem = str(error)
    if problem is not None:
        sys.stderr.write(
            f"sage200-mcp: {problem} Serving anyway: every tool says this until it is done.\n"
        )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Build the server with the cyclic garbage collector off, then freeze what was built.

    Start-up makes some 145,000 objects that live as long as the process (modules, pydantic
    models, tool schemas) and next to no garbage. Left on, the collector walks them several
    times while importing and once more, in full, inside the first answer: together about
    90 ms of a client's wait for ``tools/list``, for nothing. Frozen, later collections skip
    them (bench/ figure 1).
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _serve_http(
    mcp: MCPServer[Any], host: str, port: int, limits: HttpLimits, insecure_no_auth: bool
) -> int:
    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

    from sage200_mcp.serving.binding import INSECURE_WARNING
    from sage200_mcp.serving.connections import guarded_protocol
    from sage200_mcp.serving.log_limit import limit_logging
    from sage200_mcp.serving.rate_limit import RateLimiter, RateLimitMiddleware, client_address

    listener = tcp_listener(host, port)
    # DNS-rebinding protection: only these Host and Origin headers are accepted
    names = ["127.0.0.1", "localhost", "[::1]"]
    if host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::"):
        names.append(f"[{host}]" if ":" in host else host)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{name}:*" for name in names],
        allowed_origins=[f"http://{name}:*" for name in names],
    )
    app = mcp.streamable_http_app(
        transport_security=security,
        host=host,
        max_request_body_size=limits.max_body_size,
        session_idle_timeout=limits.session_idle_timeout,
    )
    shown = f"[{host}]" if ":" in host else host
    endpoint = f"http://{shown}:{listener.getsockname()[1]}/mcp"
    served: Any = app
    if insecure_no_auth:
        sys.stderr.write(INSECURE_WARNING.format(where=endpoint))
        served = RateLimitMiddleware(app, RateLimiter(limits.rate_limit), client_address)
    sys.stderr.write(f"sage200-mcp: MCP endpoint on {endpoint}\n")
    config = uvicorn.Config(
        served,
        http=guarded_protocol(limits),
        ws="none",  # MCP needs no WebSocket: one way in fewer
        log_level="warning",
        access_log=False,
    )
    # after uvicorn's own set-up (and the demo sandbox's), which gives "uvicorn" a handler
    limit_logging("uvicorn", "uvicorn.error")
    uvicorn.Server(config).run(sockets=[listener])
    return 0
