"""The sign-in as the tools see it: who is signed in and until when, or why nobody is; and a
browser sign-in to start or finish. Never a token: tools/ reach the sign-in through this alone,
so no answer they build can carry one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sage200_mcp.auth.background import BackgroundSignIn, Started
from sage200_mcp.auth.errors import NotSignedIn
from sage200_mcp.auth.session import Session

# within this many days of the sign-in's end, status (CLI and tool) says to sign in again
RENEWAL_WARNING_DAYS = 14


@dataclass(frozen=True)
class SignInState:
    user: str | None = None  # None: not signed in
    access_expires_at: float | None = None  # epoch seconds
    ends_at: float | None = None  # when Sage stops renewing it (an estimate), epoch seconds
    problem: str | None = None  # why there is no usable sign-in, when the cause is known


class SignIn:
    def __init__(self, session: Session, background: BackgroundSignIn) -> None:
        self._session = session
        self._background = background

    async def state(self) -> SignInState:
        """Async as a team person's is (read from the team store); here, the token file."""
        try:
            tokens = self._session.current()
        except NotSignedIn as damaged:  # an unreadable token file: say so
            return SignInState(problem=str(damaged))
        if tokens is None:
            why = self._session.why_signed_out()
            return SignInState(problem=str(why) if why.explained else None)
        return SignInState(tokens.who, tokens.access_expires_at, tokens.refresh_expires_at)

    @property
    def in_progress(self) -> bool:
        """A browser sign-in is waiting for the person."""
        return self._background.in_progress

    @property
    def last_failure(self) -> str | None:
        return self._background.last_failure

    async def begin(self) -> Started:
        """Where to sign in, starting an attempt unless one is waiting."""
        return await self._background.begin()

    async def complete(self, address: str) -> str:
        """Finish the waiting attempt with the address the browser landed on; who signed in."""
        return (await self._background.complete(address)).who
