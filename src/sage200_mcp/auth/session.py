"""The one place that hands out a valid access token.

A token is refreshed shortly before it expires (a minute early, or a tenth of its lifetime for
short-lived tokens). Sage ID rotates the refresh token on every use and treats a spent one as
stolen, ending the whole sign-in, so refreshing is guarded three ways:

- single flight across processes: under the token file's lock, where the file is read again
  first; if another process has already rotated the tokens, its new access token is used and the
  old refresh token is never sent;
- single flight within a process: every caller awaits one refresh task;
- shielded: callers await that task through ``asyncio.shield``, so a caller that is cancelled (a
  tool call the client gave up on) cannot abandon a refresh whose answer, carrying the only copy
  of the new refresh token, is on its way. The task itself waits long for the answer.

If the answer is lost anyway, whether resending the same refresh token is safe depends on how it
was lost: never sent (no connection) or refused by a failing Sage ID (5xx) — then it is still
valid and is sent again; lost after it may have been acted on — then it is sent once more at
once, the only way to ask Sage ID (which offers no other check), and if Sage ID refuses it the
person is told exactly that. Whenever Sage ID ends the sign-in, the token file keeps the reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sage200_mcp.auth.errors import (
    NotSignedIn,
    SageIdUnavailable,
    SignInEnded,
    SignInExpired,
)
from sage200_mcp.auth.oauth import SageId, TokenResponse
from sage200_mcp.auth.store import EndedSignIn, StoredTokens, TokenStore
from sage200_mcp.config import Settings
from sage200_mcp.errors import Sage200Error

REFRESH_ATTEMPTS = 3  # when the refresh token was provably never used
RETRY_DELAY = 1.0  # seconds, doubling


class Session:
    def __init__(
        self,
        settings: Settings,
        store: TokenStore,
        sage_id: SageId,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.store = store
        self.sage_id = sage_id
        self.clock = clock
        self.sleep = sleep
        self._refreshing: asyncio.Task[str] | None = None

    def current(self, fresh: bool = False) -> StoredTokens | None:
        """The saved sign-in if it belongs to this Sage ID and client, else None."""
        return saved_sign_in(self.settings, self.store, fresh)

    def why_signed_out(self) -> NotSignedIn:
        return why_signed_out(self.settings, self.store)

    def _signed_in(self, fresh: bool = False) -> StoredTokens:
        tokens = self.current(fresh)
        if tokens is None:
            raise self.why_signed_out()
        return tokens

    def is_fresh(self, tokens: StoredTokens) -> bool:
        margin = min(60.0, tokens.access_lifetime / 10)
        return self.clock() < tokens.access_expires_at - margin

    async def access_token(self) -> str:
        """A valid access token, refreshed first if it is about to expire."""
        tokens = self._signed_in()
        if self.is_fresh(tokens):
            return tokens.access_token
        return await self._renewed(stale=tokens.access_token, force=False)

    async def token_after_rejection(self, rejected: str) -> str:
        """A new access token after the API refused ``rejected`` with 401.

        If the token on file is already another one (refreshed meanwhile), that one is used;
        otherwise the tokens are refreshed once.
        """
        return await self._renewed(stale=rejected, force=True)

    async def _renewed(self, stale: str, force: bool) -> str:
        """The token after the one refresh in flight (started here if none is)."""
        token = stale
        for _ in range(2):  # a joined refresh may have kept a token this caller saw refused
            task = self._refreshing
            if task is None or task.done():
                task = asyncio.get_running_loop().create_task(self._refresh(stale, force))
                task.add_done_callback(_seen)
                self._refreshing = task
            token = await asyncio.shield(task)
            if token != stale or not force:
                break
        return token

    async def _refresh(self, stale: str, force: bool) -> str:
        async with self.store.lock.hold_async():
            tokens = self._signed_in(fresh=True)
            if tokens.access_token != stale and self.is_fresh(tokens):
                return tokens.access_token  # another caller or process got here first
            if not force and self.is_fresh(tokens):
                return tokens.access_token
            if not tokens.refresh_token:
                raise self._end(
                    tokens,
                    "no_refresh_token",
                    "Sage ID granted no refresh token, so it cannot be renewed",
                )
            response = await self._exchange(tokens, tokens.refresh_token)
            updated = tokens.after_refresh(response, self.clock())
            self.store.write(updated)
            return updated.access_token

    async def _exchange(self, tokens: StoredTokens, refresh_token: str) -> TokenResponse:
        """Sage ID's answer to the refresh, sending the token again only when that is safe."""
        lost = False
        delay = RETRY_DELAY
        for attempt in range(1, REFRESH_ATTEMPTS + 1):
            try:
                return await self.sage_id.refresh(refresh_token)
            except SageIdUnavailable as failure:
                if attempt == REFRESH_ATTEMPTS or (lost and failure.maybe_processed):
                    raise
                if failure.maybe_processed:
                    lost = True  # ask again at once, while Sage ID may still allow it
                else:
                    await self.sleep(delay)
                    delay *= 2
            except SignInExpired as refused:
                raise self._end(tokens, *self._cause(tokens, refused.description, lost)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _cause(self, tokens: StoredTokens, said: str, lost: bool) -> tuple[str, str]:
        """Why Sage ID refused the refresh token, as precisely as can be told: (kind, words)."""
        lower = said.lower()
        if lost:
            kind = "lost"
        elif self.clock() >= tokens.refresh_expires_at or "expired" in lower:
            kind = "expired"
        elif "revoked" in lower:
            kind = "revoked"
        else:
            kind = "reused"
        ends = datetime.fromtimestamp(tokens.refresh_expires_at, UTC).date().isoformat()
        early = kind == "expired" and self.clock() < tokens.refresh_expires_at
        reason = _CAUSES["expired_early" if early else kind].format(ends=ends)
        return kind, reason + (f' (Sage ID said: "{said}")' if said else "")

    def _end(self, tokens: StoredTokens, kind: str, reason: str) -> SignInEnded:
        self.store.end(EndedSignIn.of(tokens, reason, kind, self.clock()))
        return SignInEnded(reason, kind)

    async def save_sign_in(self, response: TokenResponse) -> StoredTokens:
        """Keep a new sign-in, replacing whatever the profile held."""
        tokens = StoredTokens.from_sign_in(
            response,
            self.clock(),
            self.settings.refresh_token_days,
            self.settings.id_url,
            self.settings.require_client_id(),
        )
        async with self.store.lock.hold_async():
            self.store.write(tokens)
        return tokens

    async def sign_out(self) -> tuple[bool, str | None]:
        """Revoke (best effort) and delete the saved sign-in.

        Returns whether there was one, and why revocation failed if it did: local tokens are
        deleted either way.
        """
        async with self.store.lock.hold_async():
            tokens = self.store.read(fresh=True)
            if tokens is None:
                self.store.delete()  # the note of an ended sign-in, if there is one
                return False, None
            problem = None
            token = tokens.refresh_token or tokens.access_token
            if _ours(self.settings, tokens.id_url, tokens.client_id):
                try:
                    await self.sage_id.revoke(token)
                except Sage200Error as error:  # revocation is best effort
                    problem = str(error)
            else:
                problem = "the saved sign-in belongs to another Sage ID or client"
            self.store.delete()
            return True, problem


_CAUSES = {
    "lost": "the answer to the last renewal was lost on the way back (a timeout or a dropped"
    " connection) after Sage ID had already replaced the refresh token, and Sage ID now"
    " refuses the old one",
    "expired": "it reached the end of its lifetime (about {ends}; Sage allows a sign-in at most"
    " 90 days)",
    "expired_early": "Sage ID says it has expired, before the {ends} expected: the refresh token"
    " lifetime chosen when the application was registered may be shorter than 90 days (set"
    " SAGE200_REFRESH_TOKEN_DAYS to it, and `status` will warn in time)",
    "revoked": "it was revoked at Sage ID (signed out elsewhere, or the application's access was"
    " withdrawn)",
    "reused": "Sage ID refused its refresh token as unknown or already used (Sage ID ends a"
    " sign-in when an old copy of its refresh token is presented, for example from a restored"
    " backup or a second computer)",
}


def saved_sign_in(
    settings: Settings, store: TokenStore, fresh: bool = False
) -> StoredTokens | None:
    """The profile's sign-in if it belongs to this Sage ID and client, else None."""
    tokens = store.read(fresh=fresh)
    if tokens is None or not _ours(settings, tokens.id_url, tokens.client_id):
        return None
    return tokens


def why_signed_out(settings: Settings, store: TokenStore) -> NotSignedIn:
    """The error for "no usable sign-in", carrying the real cause where one is known."""
    ended = store.ended()
    if ended is not None and _ours(settings, ended.id_url, ended.client_id):
        return SignInEnded(ended.reason, ended.kind)
    if store.read() is not None:
        return NotSignedIn(
            "The saved Sage sign-in belongs to another Sage ID or application (the client id or"
            " SAGE200_ID_URL changed since); run `sage200-mcp login` to sign in with this one."
        )
    return NotSignedIn()


def _ours(settings: Settings, id_url: str, client_id: str) -> bool:
    return id_url == settings.id_url and client_id == settings.client_id


def _seen(task: asyncio.Task[str]) -> None:
    """Mark the outcome of a refresh as retrieved: its callers may all have been cancelled,
    and the failure is theirs to report (on their next call), not the event loop's."""
    if not task.cancelled():
        task.exception()
