"""`doctor`: check every hop to the user's Sage 200 books and print a report fit for a bug
report (no tokens, identifiers hashed). Exit 0 only when every hop passed."""

from __future__ import annotations

import asyncio

from sage200_mcp.auth import open_session
from sage200_mcp.config import Settings
from sage200_mcp.console import out
from sage200_mcp.doctor import Report, diagnose, render
from sage200_mcp.httpclient import new_http_client


def doctor(settings: Settings, as_json: bool) -> int:
    async def check() -> Report:
        async with new_http_client(settings.http_timeout) as http:
            return await diagnose(settings, open_session(settings, http), http)

    report = asyncio.run(check())
    out(report.model_dump_json(indent=2) if as_json else render(report))
    return 0 if report.ok else 1
