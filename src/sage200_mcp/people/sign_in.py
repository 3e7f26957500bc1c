"""A team person's sign-in as the tools see it (tools.state.SignInView).

On a team server nobody signs in through a tool: the MCP client signs its person in through
this server (OAuth), and the server through Sage ID. So the tools can say who is signed in and
until when, but ``begin`` and ``complete`` say where signing in happens instead.
"""

from __future__ import annotations

from sage200_mcp.auth import SignInState, Started
from sage200_mcp.errors import Sage200Error
from sage200_mcp.people.tokens import PersonTokens

SIGN_IN_ELSEWHERE = (
    "On this team server you sign in through your MCP client, not with a tool: disconnect and"
    " reconnect the server there (or sign out of it) and the client opens Sage's sign-in page."
)


class SignInThroughClient(Sage200Error):
    """A tool asked a team server to start a sign-in, which only the MCP client can."""


class TeamSignIn:
    def __init__(self, tokens: PersonTokens, who: str) -> None:
        self._tokens = tokens
        self._who = who

    async def state(self) -> SignInState:
        held = await self._tokens.current()
        if held is None:
            return SignInState(problem=f"Sage ended your sign-in. {SIGN_IN_ELSEWHERE}")
        return SignInState(self._who, held.access_expires_at, held.refresh_expires_at)

    @property
    def in_progress(self) -> bool:
        return False

    @property
    def last_failure(self) -> str | None:
        return None

    async def begin(self) -> Started:
        raise SignInThroughClient(SIGN_IN_ELSEWHERE)

    async def complete(self, address: str) -> str:
        raise SignInThroughClient(SIGN_IN_ELSEWHERE)
