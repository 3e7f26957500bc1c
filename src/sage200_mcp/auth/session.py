"""The one place that hands out a valid access token.

A token is refreshed shortly before it expires (a minute early, or a tenth of its lifetime for
short-lived tokens). Refreshing is single-flight twice over: one refresh at a time in a process
(an asyncio lock), and across processes under the token file's lock, where the file is read again
first. If another process has already rotated the tokens, its new access token is used and the old
refresh token is never sent: Sage ID treats a spent refresh token as stolen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sage200_mcp.auth.errors import NotSignedIn, SignInExpired
from sage200_mcp.auth.oauth import SageId, TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.config import Settings
from sage200_mcp.errors import Sage200Error


class Session:
    def __init__(
        self,
        settings: Settings,
        store: TokenStore,
        sage_id: SageId,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.sage_id = sage_id
        self.clock = clock
        self._lock: asyncio.Lock | None = None

    def current(self, fresh: bool = False) -> StoredTokens | None:
        """The saved sign-in if it belongs to this Sage ID and client, else None."""
        tokens = self.store.read(fresh=fresh)
        if tokens is None:
            return None
        if tokens.id_url != self.settings.id_url or tokens.client_id != self.settings.client_id:
            return None
        return tokens

    def _signed_in(self, fresh: bool = False) -> StoredTokens:
        tokens = self.current(fresh)
        if tokens is None:
            raise NotSignedIn()
        return tokens

    def is_fresh(self, tokens: StoredTokens) -> bool:
        margin = min(60.0, tokens.access_lifetime / 10)
        return self.clock() < tokens.access_expires_at - margin

    async def access_token(self) -> str:
        """A valid access token, refreshed first if it is about to expire."""
        tokens = self._signed_in()
        if self.is_fresh(tokens):
            return tokens.access_token
        return await self._refresh(stale=tokens.access_token)

    async def token_after_rejection(self, rejected: str) -> str:
        """A new access token after the API refused ``rejected`` with 401.

        If the token on file is already another one (refreshed meanwhile), that one is used;
        otherwise the tokens are refreshed once.
        """
        return await self._refresh(stale=rejected, force=True)

    async def _refresh(self, stale: str, force: bool = False) -> str:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock, self.store.lock.hold_async():
            tokens = self._signed_in(fresh=True)
            if tokens.access_token != stale and self.is_fresh(tokens):
                return tokens.access_token  # another caller or process got here first
            if not force and self.is_fresh(tokens):
                return tokens.access_token
            if not tokens.refresh_token:
                self.store.delete()
                raise SignInExpired("no refresh token was granted")
            try:
                response = await self.sage_id.refresh(tokens.refresh_token)
            except SignInExpired:
                self.store.delete()
                raise
            updated = tokens.after_refresh(response, self.clock())
            self.store.write(updated)
            return updated.access_token

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
                return False, None
            problem = None
            token = tokens.refresh_token or tokens.access_token
            if (
                tokens.id_url == self.settings.id_url
                and tokens.client_id == self.settings.client_id
            ):
                try:
                    await self.sage_id.revoke(token)
                except Sage200Error as error:  # revocation is best effort
                    problem = str(error)
            else:
                problem = "the saved sign-in belongs to another Sage ID or client"
            self.store.delete()
            return True, problem
