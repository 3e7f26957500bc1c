"""The HTTP client this package talks to Sage with (httpx; the MCP SDK's own is httpx2)."""

from __future__ import annotations

import httpx

from sage200_mcp import __version__

USER_AGENT = f"sage200-mcp/{__version__}"


def new_http_client(timeout: float = 30.0) -> httpx.AsyncClient:
    """A client with sane timeouts; no redirects followed, so credentials never leak on one."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )
