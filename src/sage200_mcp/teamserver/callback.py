"""``/sage/callback``: where Sage ID sends the browser back, on whichever replica.

It takes the MCP client's pending request by the state we sent Sage (once: a replayed callback
finds nothing), exchanges Sage's code with our PKCE verifier, and identifies the person from the
ID token. Only someone on the allow-list, and not revoked, gets this server's authorization code;
their Sage tokens are sealed in the store and never leave the server. Whoever is refused gets a
page saying why, and the MCP client gets nothing.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from mcp.server.auth.provider import construct_redirect_uri
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sage200_mcp.auth.errors import AuthError
from sage200_mcp.auth.oauth import SageId, id_token_claims
from sage200_mcp.team.models import AuthorizationCode, Grant, SageSignIn
from sage200_mcp.team.store import TeamStore
from sage200_mcp.teamserver.options import TeamServerOptions
from sage200_mcp.teamserver.provider import new_token

logger = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}


def page(status: int, title: str, message: str) -> HTMLResponse:
    """A plain page for the person at the browser: the only one who can act on it."""
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


class SageCallback:
    def __init__(
        self,
        store: TeamStore,
        sage: SageId,
        options: TeamServerOptions,
        *,
        callback_url: str,
        clock: Callable[[], float],
    ) -> None:
        self.store = store
        self.sage = sage
        self.options = options
        self.callback_url = callback_url
        self.clock = clock

    async def handle(self, request: Request) -> Response:
        query = request.query_params
        state = query.get("state")
        pending = await self.store.take_pending(state) if state else None
        if pending is None:
            return page(
                400,
                "This sign-in link has expired",
                "It was already used, or is too old. Start the sign-in again from your MCP client.",
            )
        code = query.get("code")
        if not code:
            # Sage ID said no (the person declined, or it refused the request): tell the client
            logger.info("Sage ID sign-in ended without a code: %s", query.get("error", "none"))
            return RedirectResponse(
                construct_redirect_uri(
                    pending.redirect_uri,
                    error="access_denied",
                    error_description="The Sage ID sign-in did not complete.",
                    state=pending.client_state,
                ),
                status_code=302,
                headers=NO_STORE,
            )
        try:
            tokens = await self.sage.exchange(code, pending.sage_verifier, self.callback_url)
        except AuthError as error:
            return page(502, "Sage ID did not complete the sign-in", str(error))
        claims = id_token_claims(tokens.id_token)
        subject, email, name = claims.get("sub"), claims.get("email"), claims.get("name")
        if not isinstance(subject, str) or not subject:
            return page(502, "Sage ID did not say who signed in", "Try signing in again.")
        email = email if isinstance(email, str) else None
        if claims.get("email_verified") is False or not self.options.allow.admits(email):
            logger.warning("Sign-in refused: %s is not on the allow-list", email or subject)
            return page(
                403,
                "You are not on this server's allow-list",
                f"{email or 'This Sage ID account'} may not use this Sage 200 server. Ask its"
                " administrator to add you to SAGE200_TEAM_ALLOW.",
            )
        person = await self.store.upsert_person(
            subject, email, name if isinstance(name, str) else None
        )
        if person.status != "allowed":
            return page(
                403,
                "Your access to this server was revoked",
                "Ask the server's administrator to allow you again (sage200-mcp team users).",
            )
        now = self.clock()
        await self.store.save_sign_in(
            subject,
            SageSignIn(
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                access_expires_at=now + tokens.expires_in,
                refresh_expires_at=now + self.sage.settings.refresh_token_days * 86400,
                signed_in_at=now,
                scope=tokens.scope,
            ),
        )
        ours = new_token()
        grant = Grant(
            subject,
            pending.client_id,
            pending.resource,
            pending.scope,
            now + self.options.code_ttl,
            family="",  # the store gives the code's family when it is taken
        )
        await self.store.save_code(
            ours, AuthorizationCode(grant, pending.redirect_uri, pending.code_challenge)
        )
        return RedirectResponse(
            construct_redirect_uri(pending.redirect_uri, code=ours, state=pending.client_state),
            status_code=302,
            headers=NO_STORE,
        )
