"""The limits ``serve --transport http`` holds every client to, with defaults that a person's
MCP client never meets and a hostile one meets at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HttpLimits:
    header_timeout: float = 10.0
    """Seconds to send a request head: clients send theirs in one packet, slow-loris never does."""
    body_timeout: float = 30.0
    """Seconds to send a body once the head is in: a whole ``max_body_size`` at 35 kB/s."""
    max_body_size: int = 1024 * 1024
    """Bytes: a tool call's arguments are a few hundred; the SDK's 4 MiB would let each of
    ``max_connections`` clients make the server hold 4 MiB."""
    max_connections: int = 100
    """Open connections: a person's client holds two or three (its event stream and calls),
    well under the default 1,024 file descriptors the process may open."""
    session_idle_timeout: float = 30 * 60.0
    """Seconds an MCP session may sit unused before it is closed and forgotten."""
    rate_limit: int = 600
    """Requests a minute per client (per address until team mode keys it by person)."""
