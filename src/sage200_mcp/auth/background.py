"""Sign-in started from a chat: at most one attempt at a time, run in the background.

A tool call that finds no sign-in must not wait for a person at a browser (the client would time
out), so it starts this, gets the URL back at once, and tells the user to sign in and ask again.
With a loopback redirect (a desktop application) the listener keeps waiting in the background
and saves the tokens when the browser comes back. With a web application's https redirect the
browser lands on a page nobody here can see, so the person hands the address to the assistant,
which passes it to ``complete`` (the `complete_login` tool); that works for a loopback attempt
too, when the browser ran on another computer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sage200_mcp.auth.errors import AuthError, SignInFailed
from sage200_mcp.auth.login import SignInAttempt
from sage200_mcp.auth.loopback import DEFAULT_TIMEOUT
from sage200_mcp.auth.session import Session
from sage200_mcp.auth.store import StoredTokens

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    """A sign-in waiting for the person: where to sign in, and how it comes back."""

    url: str
    opened: bool  # a browser was asked to open ``url`` just now
    paste_from: str | None  # the address to copy back from the browser, when nobody listens


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
        self._attempt: SignInAttempt | None = None
        self._tasks: set[asyncio.Task[object]] = set()

    @property
    def in_progress(self) -> bool:
        return self._attempt is not None

    async def begin(self) -> Started:
        """The sign-in URL, starting an attempt unless one is already waiting."""
        if self._attempt is not None:
            return Started(self._attempt.url, False, self._paste_from(self._attempt))
        attempt = SignInAttempt(self.session)
        await attempt.start()  # a busy port or a refused redirect URI fails here
        self._attempt = attempt
        self.last_failure = None
        if not attempt.pasted:
            self._spawn(self._wait(attempt))
        opened = False
        if self.open_browser is not None:
            self._spawn(asyncio.to_thread(self.open_browser, attempt.url))
            opened = True
        return Started(attempt.url, opened, self._paste_from(attempt))

    async def complete(self, pasted: str) -> StoredTokens:
        """Finish the waiting attempt with the address the browser landed on."""
        attempt = self._attempt
        if attempt is None:
            raise SignInFailed(
                "No sign-in is waiting for an address: start one with the login tool, sign in"
                " in the browser, then pass the address it lands on."
            )
        tokens = await attempt.finish_pasted(pasted)  # a wrong address leaves it waiting
        if self._attempt is attempt:
            self._attempt = None
        log.info("Signed in as %s", tokens.who)
        return tokens

    async def _wait(self, attempt: SignInAttempt) -> None:
        try:
            tokens = await attempt.wait(self.timeout)
        except AuthError as error:
            self.last_failure = str(error)
            log.warning("Sign-in did not complete: %s", error)
        else:
            log.info("Signed in as %s", tokens.who)
        finally:
            if self._attempt is attempt:
                self._attempt = None

    @staticmethod
    def _paste_from(attempt: SignInAttempt) -> str | None:
        return attempt.redirect_uri if attempt.pasted else None

    def _spawn(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[object]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        if self._attempt is not None:
            await self._attempt.close()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
