"""`serve`: the MCP server over stdio (for desktop clients) or streamable HTTP."""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys

from sage200_mcp.config import Settings
from sage200_mcp.errors import Sage200Error


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
    from sage200_mcp.server import create_server, parse_toolsets

    chosen = parse_toolsets(toolsets or os.environ.get("SAGE200_TOOLSETS"))
    if settings is not None:
        settings.require_client_id()
    mcp = create_server(settings, demo=demo, toolsets=chosen)
    if transport == "stdio":
        mcp.run("stdio")
        return 0
    return _serve_http(mcp, host, port)


def _serve_http(mcp: object, host: str, port: int) -> int:
    import uvicorn
    from mcp.server.mcpserver import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings

    assert isinstance(mcp, MCPServer)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise Sage200Error(
                f"Port {port} is already in use; choose another with --port."
            ) from None
        raise Sage200Error(f"Cannot listen on {host}:{port}: {error.strerror}.") from None
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
