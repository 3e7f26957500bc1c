"""`serve`: the MCP server over stdio (for desktop clients) or streamable HTTP."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sage200_mcp.config import Settings
from sage200_mcp.listener import tcp_listener

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
    settings: Settings | None,
    transport: str,
    host: str,
    port: int,
    demo: bool,
    toolsets: str | None,
) -> int:
    configure_logging()
    with _collector_paused():
        from sage200_mcp.server import create_server, parse_toolsets

        chosen = parse_toolsets(toolsets or os.environ.get("SAGE200_TOOLSETS"))
        if settings is not None:
            settings.require_client_id()
        mcp = create_server(settings, demo=demo, toolsets=chosen)
    if transport == "stdio":
        mcp.run("stdio")
        return 0
    return _serve_http(mcp, host, port)


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


def _serve_http(mcp: MCPServer[Any], host: str, port: int) -> int:
    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

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
    app = mcp.streamable_http_app(transport_security=security, host=host)
    shown = f"[{host}]" if ":" in host else host
    sys.stderr.write(
        f"sage200-mcp: MCP endpoint on http://{shown}:{listener.getsockname()[1]}/mcp\n"
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[listener])
    return 0
