"""The demo environment: a sandbox in this process and a throwaway profile signed in to it.

Nothing of the user's own configuration is read or written: the settings come from here alone,
the profile lives in a temporary directory that is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx

from sage200_mcp.auth import open_session
from sage200_mcp.auth.login import SignInAttempt
from sage200_mcp.clock import Clock
from sage200_mcp.config import EDITION_PATHS, Settings, parse_day
from sage200_mcp.errors import Sage200Error
from sage200_mcp.httpclient import new_http_client

DEMO_USER = ("demo@example.com", "demo")
# the sandbox's desktop application: a loopback redirect, no secret, PKCE (as Sage registers one)
CLIENT = "sandbox-desktop"


@contextlib.asynccontextmanager
async def demo_environment(customers: int = 500) -> AsyncIterator[Settings]:
    """Settings for a sandbox running on 127.0.0.1, signed in as the demo user.

    The sandbox's books end on the day the tools treat as today (``SAGE200_TODAY`` if set, else
    the real date), so overdue days and default date ranges agree with them.
    """
    from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
    from sage200_mcp.sandbox.server import SandboxServer

    today = demo_today()
    sandbox = Sandbox(SandboxSettings(customers=customers, today=today))
    server = await asyncio.to_thread(lambda: SandboxServer(sandbox, own_logging=False).start())
    sandbox.world.warm()
    config_dir = Path(tempfile.mkdtemp(prefix="sage200-mcp-demo-"))
    try:
        settings = Settings.load(
            profile="demo",
            environ={
                "SAGE200_CONFIG_DIR": str(config_dir),
                "SAGE200_ID_URL": server.url,
                "SAGE200_API_URL": f"{server.url}/{EDITION_PATHS['professional']}",
                "SAGE200_CLIENT_ID": CLIENT,
                "SAGE200_TODAY": today.isoformat(),
            },
        )
        async with new_http_client() as http:
            await sign_in_as_demo_user(settings, http)
        yield settings
    finally:
        await asyncio.to_thread(server.stop)
        shutil.rmtree(config_dir, ignore_errors=True)


def demo_today() -> date:
    """The day the demo's books end: ``SAGE200_TODAY`` if set, else the real date."""
    return Clock(parse_day(os.environ.get("SAGE200_TODAY") or None)).today()


async def sign_in_as_demo_user(settings: Settings, http: httpx.AsyncClient) -> None:
    """Walk the sandbox's sign-in page as the demo user would, and keep the tokens."""
    attempt = SignInAttempt(open_session(settings, http), listen=False)
    page = await http.get(attempt.url)
    found = re.search(r'name="transaction" value="([^"]+)"', page.text)
    if page.status_code != 200 or found is None:
        raise Sage200Error("The demo sandbox's sign-in page did not load.")
    answer = await http.post(
        f"{settings.id_url}/authorize",
        data={
            "transaction": found.group(1),
            "username": DEMO_USER[0],
            "password": DEMO_USER[1],
            "action": "approve",
        },
    )
    await attempt.finish_pasted(answer.headers.get("location", ""))
