"""The SDK's ``OAuthAuthorizationServerProvider`` over the team store: what the SDK's /authorize,
/token and /register handlers and its bearer middleware ask of an authorization server.

The SDK's handlers check the request's form, the client's redirect URI and the PKCE verifier;
this provider adds what only it can know: the resource a token is for (RFC 8707: this server's
MCP URL, nothing else), the sign-in at Sage ID that stands behind each code, and the single use
of codes and refresh tokens across replicas (the store deletes or marks them in the statement
that reads them).

Access and refresh tokens are opaque random strings (256 bits), stored as digests: a JWT would
let a replica skip one indexed read per request, but could not be revoked before it expires,
and revocation (``team revoke``) must take effect at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl, AnyUrl, ValidationError

from sage200_mcp.auth.oauth import Pkce, SageId, new_state
from sage200_mcp.team.models import Grant, PendingAuthorization, Person
from sage200_mcp.team.store import TeamStore
from sage200_mcp.teamserver.clients import ClientDirectory
from sage200_mcp.teamserver.options import TeamServerOptions


class TeamCode(AuthorizationCode):
    """The SDK's code, with what the store always knows of it required."""

    subject: str
    resource: str
    family: str  # the sign-in the code starts: every token issued from it shares this


class TeamRefreshToken(RefreshToken):
    subject: str
    resource: str
    family: str


class TeamAccessToken(AccessToken):
    subject: str
    resource: str
    family: str
    person: Person  # as the token was checked: allowed, with their toolsets


def same_resource(given: str, ours: str) -> bool:
    """RFC 8707 resource indicators compared as the SDK's bearer middleware compares them: as
    URLs (host case and default ports aside), a trailing slash aside."""
    try:
        return str(AnyHttpUrl(given)).removesuffix("/") == str(AnyHttpUrl(ours)).removesuffix("/")
    except ValidationError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


class TeamAuthProvider(
    OAuthAuthorizationServerProvider[TeamCode, TeamRefreshToken, TeamAccessToken]
):
    def __init__(
        self,
        store: TeamStore,
        clients: ClientDirectory,
        sage: SageId,
        options: TeamServerOptions,
        *,
        resource: str,
        callback_url: str,
        clock: Callable[[], float],
    ) -> None:
        self.store = store
        self.clients = clients
        self.sage = sage
        self.options = options
        self.resource = resource
        self.callback_url = callback_url
        self.clock = clock

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return await self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self.clients.register(client_info)

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        """Keep the client's request in the store under a fresh state of ours, and send the
        browser to Sage ID with that state and our own PKCE; ``/sage/callback`` carries on."""
        if not params.redirect_uri_provided_explicitly:
            # OAuth 2.1 makes it required; the token endpoint then always compares it
            raise AuthorizeError("invalid_request", "redirect_uri is required")
        if params.resource is not None and not same_resource(params.resource, self.resource):
            raise AuthorizeError(
                "invalid_target", f"This server issues tokens for {self.resource} only."
            )
        if client.client_id is None:
            raise AuthorizeError("unauthorized_client", "The client has no client_id.")
        state, pkce = new_state(), Pkce.new()
        await self.store.save_pending(
            state,
            PendingAuthorization(
                client_id=client.client_id,
                redirect_uri=str(params.redirect_uri),
                code_challenge=params.code_challenge,
                client_state=params.state,
                # an absent indicator can only mean this server: it is the only resource here
                resource=self.resource,
                scope=" ".join(params.scopes or []),
                sage_verifier=pkce.verifier,
                expires_at=self.clock() + self.options.sign_in_ttl,
            ),
        )
        return self.sage.authorize_url(state, pkce, self.callback_url)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> TeamCode | None:
        """Take the code: it is spent here, before the SDK checks the verifier, so a wrong
        verifier costs the code (RFC 6749 §10.5: a code is tried once)."""
        taken = await self.store.take_code(authorization_code)
        if taken is None:
            return None
        grant = taken.grant
        return TeamCode(
            code=authorization_code,
            scopes=grant.scope.split(),
            expires_at=grant.expires_at,
            client_id=grant.client_id,
            code_challenge=taken.code_challenge,
            redirect_uri=AnyUrl(taken.redirect_uri),
            redirect_uri_provided_explicitly=True,
            resource=grant.resource,
            subject=grant.subject,
            family=grant.family,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: TeamCode
    ) -> OAuthToken:
        return await self._issue(
            authorization_code.subject,
            authorization_code.client_id,
            authorization_code.resource,
            authorization_code.scopes,
            authorization_code.family,
        )

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> TeamRefreshToken | None:
        """Spend the refresh token (rotation). A token spent before ends its whole family in
        the store (reuse detection) and is refused like an unknown one. The person must still
        be allowed: the allow-list and ``team revoke`` take effect at the next refresh, at the
        latest one access-token lifetime later."""
        grant = (await self.store.use_refresh_token(refresh_token)).grant
        if grant is None:  # unknown, expired, or reused (and its family now ended)
            return None
        person = await self.store.person(grant.subject)
        if (
            person is None
            or person.status != "allowed"
            or not self.options.allow.admits(person.email)
        ):
            return None
        return TeamRefreshToken(
            token=refresh_token,
            client_id=grant.client_id,
            scopes=grant.scope.split(),
            expires_at=int(grant.expires_at),
            resource=grant.resource,
            subject=grant.subject,
            family=grant.family,
        )

    async def exchange_refresh_token(
        self,
        client: OAuthClientInformationFull,
        refresh_token: TeamRefreshToken,
        scopes: list[str],
    ) -> OAuthToken:
        return await self._issue(
            refresh_token.subject,
            refresh_token.client_id,
            refresh_token.resource,
            scopes,
            refresh_token.family,
        )

    async def load_access_token(self, token: str) -> TeamAccessToken | None:
        """The token, if live and its person still allowed (``team revoke`` also deletes a
        person's tokens; this holds should a token outlive that)."""
        found = await self.store.bearer(token)
        if found is None or found[1].status != "allowed":
            return None
        grant, person = found
        return TeamAccessToken(
            token=token,
            client_id=grant.client_id,
            scopes=grant.scope.split(),
            expires_at=int(grant.expires_at),
            resource=grant.resource,
            subject=grant.subject,
            family=grant.family,
            person=person,
        )

    async def verify_token(self, token: str) -> AccessToken | None:
        """The bearer middleware's question (the SDK's ``TokenVerifier``), on every request."""
        return await self.load_access_token(token)

    async def revoke_token(self, token: TeamAccessToken | TeamRefreshToken) -> None:
        """Revoking either token ends the whole sign-in it belongs to (RFC 7009 §2.1 lets it)."""
        await self.store.end_family(token.family)

    async def _issue(
        self, subject: str, client_id: str, resource: str, scopes: list[str], family: str
    ) -> OAuthToken:
        now = self.clock()
        scope = " ".join(scopes)
        access, refresh = new_token(), new_token()
        ttl = self.options.access_token_ttl
        await self.store.save_access_token(
            access, Grant(subject, client_id, resource, scope, now + ttl, family)
        )
        await self.store.save_refresh_token(
            refresh,
            Grant(
                subject, client_id, resource, scope, now + self.options.refresh_token_ttl, family
            ),
        )
        return OAuthToken(
            access_token=access,
            expires_in=int(ttl),
            scope=scope or None,
            refresh_token=refresh,
        )
