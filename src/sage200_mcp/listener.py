"""The listening socket both HTTP servers (``serve --transport http`` and the sandbox) use.

Bound here rather than by uvicorn so a busy port fails at once with a plain message, and
created with ``proto=IPPROTO_TCP`` rather than the default 0: asyncio turns Nagle off
(TCP_NODELAY) only on connections whose socket says TCP, and without that every request on a
kept-alive connection waits ~40 ms for the peer's delayed ACK (bench/ figure 2 found it).
"""

from __future__ import annotations

import errno
import socket

from sage200_mcp.errors import Sage200Error


def tcp_listener(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (0 picks a free port), for uvicorn's ``sockets=``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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
    return listener
