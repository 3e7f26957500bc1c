"""One replica's part in the refresh race: ``python -m tests.integration.team.racer COUNTER START``.

It opens the store named by the environment, waits for the shared start time, runs ``TASKS``
concurrent callers that each need a fresh Sage access token, and prints the tokens they got, one
a line. Its fake Sage refresh appends a line to COUNTER (so the test counts refreshes across
every process) and takes a while, widening the window a missing lock would let a second refresh
through.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sage200_mcp.team.models import SageSignIn
from sage200_mcp.team.settings import open_store
from sage200_mcp.team.store import TeamStore

SUBJECT = "racing-person"
TASKS = 5
REFRESH_SECONDS = 0.3

Refresh = Callable[[str], Awaitable[str]]


async def fresh_access_token(store: TeamStore, subject: str, refresh: Refresh) -> str:
    """What a replica does before calling Sage; ``refresh`` plays Sage's token endpoint."""

    async def renew(held: SageSignIn) -> SageSignIn:
        assert held.refresh_token is not None
        token = await refresh(held.refresh_token)
        return SageSignIn(
            access_token=token,
            refresh_token=f"refresh-after-{token}",
            access_expires_at=time.time() + 300,
            refresh_expires_at=held.refresh_expires_at,
            signed_in_at=held.signed_in_at,
            scope=held.scope,
        )

    return (await store.fresh_sign_in(subject, renew)).access_token


async def race(counter: Path, start: float) -> list[str]:
    store = await open_store()

    async def refresh(refresh_token: str) -> str:
        with counter.open("a") as file:
            file.write(f"{os.getpid()} {refresh_token}\n")
        await asyncio.sleep(REFRESH_SECONDS)
        return f"access-from-{os.getpid()}"

    try:
        await asyncio.sleep(max(0.0, start - time.time()))
        return list(
            await asyncio.gather(
                *(fresh_access_token(store, SUBJECT, refresh) for _ in range(TASKS))
            )
        )
    finally:
        await store.close()


if __name__ == "__main__":
    for line in asyncio.run(race(Path(sys.argv[1]), float(sys.argv[2]))):
        print(line)
