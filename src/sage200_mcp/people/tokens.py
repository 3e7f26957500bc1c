"""One person's Sage access token on a team server, from the team store.

The store holds each person's Sage tokens for every replica; this keeps the latest one seen in
this replica's memory, so a call reads the database for a token only when it is about to expire
(or Sage refused it). The refresh itself is the store's single flight (``fresh_sign_in``): one
replica holds the person's row lock, re-reads the row and refreshes only if no other replica
did meanwhile, so Sage never sees a refresh token twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sage200_mcp.auth.errors import SignInExpired
from sage200_mcp.auth.oauth import SageId
from sage200_mcp.team.models import SageSignIn
from sage200_mcp.team.store import TeamStore


class PersonTokens:
    """The ``TokenSource`` a person's SageClient asks (api.client.TokenSource)."""

    def __init__(
        self,
        store: TeamStore,
        subject: str,
        sage_id: SageId,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.subject = subject
        self.sage_id = sage_id
        self.clock = clock
        self.latest: SageSignIn | None = None  # the newest sign-in this replica has seen

    async def access_token(self) -> str:
        latest = self.latest
        if latest is not None and latest.access_valid(self.clock()):
            return latest.access_token
        return (await self._fresh(rejected=None)).access_token

    async def token_after_rejection(self, rejected: str) -> str:
        """A token other than ``rejected``, which Sage refused: the store's, if another call
        or replica has already refreshed; else refreshed once, for every replica."""
        latest = self.latest
        if latest is not None and latest.access_token != rejected:
            if latest.access_valid(self.clock()):
                return latest.access_token
            latest = None
        return (await self._fresh(rejected=latest)).access_token

    async def current(self) -> SageSignIn | None:
        """The person's sign-in as stored now (for status), remembered as the latest."""
        found = await self.store.sign_in(self.subject)
        if found is not None:
            self._seen(found)
        return found

    async def _fresh(self, rejected: SageSignIn | None) -> SageSignIn:
        found = await self.store.fresh_sign_in(self.subject, self._refresh, rejected=rejected)
        self._seen(found)
        return found

    def _seen(self, sign_in: SageSignIn) -> None:
        if self.latest is None or sign_in.generation >= self.latest.generation:
            self.latest = sign_in

    async def _refresh(self, held: SageSignIn) -> SageSignIn | None:
        """Sage's new tokens for ``held`` (read under the person's refresh lock), or None when
        Sage ID ended the sign-in: the store then forgets it, and the person signs in again.

        Sage ID being unreachable is raised as is: the refresh token was then either never
        sent or possibly spent; either way nothing is written, and the next call tries again.
        """
        if held.refresh_token is None:
            return None
        try:
            answer = await self.sage_id.refresh(held.refresh_token)
        except SignInExpired:
            return None
        return SageSignIn(
            access_token=answer.access_token,
            refresh_token=answer.refresh_token or held.refresh_token,
            access_expires_at=self.clock() + answer.expires_in,
            refresh_expires_at=held.refresh_expires_at,
            signed_in_at=held.signed_in_at,
            scope=answer.scope or held.scope,
        )
