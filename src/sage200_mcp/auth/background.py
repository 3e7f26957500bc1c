"""Sign-in started from a chat: at most one browser sign-in at a time, run in the background.

A tool call that finds no sign-in must not wait for a person at a browser (the client would time
out), so it starts this, gets the URL back at once, and tells the user to sign in and ask again.
The listener keeps waiting in the background and saves the tokens when the redirect arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sage200_mcp.auth.errors import AuthError
from sage200_mcp.auth.login import BrowserSignIn
from sage200_mcp.auth.loopback import DEFAULT_TIMEOUT
from sage200_mcp.auth.session import Session

log = logging.getLogger(__name__)


class BackgroundSignIn:
    def __init__(
        self,
        session: Session,
        open_browser: Callable[[str], bool] | None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.session = session
        self.open_browser = open_browser
        self.timeout = timeout
        self.last_failure: str | None = None
        self._attempt: BrowserSignIn | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self._waiting: asyncio.Task[object] | None = None

    @property
    def in_progress(self) -> bool:
        return self._waiting is not None and not self._waiting.done()

    async def begin(self) -> tuple[str, bool]:
        """The sign-in URL, starting an attempt unless one is already waiting; and whether a
        browser was asked to open it now."""
        if self.in_progress and self._attempt is not None:
            return self._attempt.url, False
        attempt = BrowserSignIn(self.session, self.timeout)
        await attempt.start()  # a busy port fails here, before anything else happens
        self._attempt = attempt
        self.last_failure = None
        self._waiting = self._spawn(self._finish(attempt))
        opened = False
        if self.open_browser is not None:
            self._spawn(asyncio.to_thread(self.open_browser, attempt.url))
            opened = True
        return attempt.url, opened

    async def _finish(self, attempt: BrowserSignIn) -> None:
        try:
            tokens = await attempt.finish()
        except AuthError as error:
            self.last_failure = str(error)
            log.warning("Sign-in did not complete: %s", error)
        else:
            log.info("Signed in as %s", tokens.who)

    def _spawn(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[object]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        if self._attempt is not None:
            await self._attempt.cancel()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
