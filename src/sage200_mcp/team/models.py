"""What the team store keeps, as values: what callers read and write, never rows."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

PersonStatus = Literal["allowed", "revoked"]
SECRET_WORDS = ("token", "secret", "password", "authorization", "cookie", "api_key")
REDACTED = "[redacted]"


@dataclass(frozen=True)
class Person:
    subject: str  # the Sage ID subject: the one identity that never changes
    email: str | None
    display_name: str | None
    status: PersonStatus
    toolsets: tuple[str, ...] | None  # None: the server's default toolsets
    created_at: float


@dataclass(frozen=True)
class Activity:
    """What an admin sees of a person's use (``team users``), from times alone: never a token."""

    subject: str
    signed_in_at: float | None  # None: no Sage sign-in held
    sign_in_until: float | None  # when the held sign-in ends (its refresh token's expiry)
    last_seen: float | None  # the latest tool call in the audit log, else the sign-in


@dataclass(frozen=True)
class SageSignIn:
    """One person's Sage tokens, in the clear: they exist decrypted only in a replica's memory."""

    access_token: str
    refresh_token: str | None
    access_expires_at: float
    refresh_expires_at: float
    signed_in_at: float
    scope: str
    generation: int = 0  # set by the store: how many times this sign-in has been written
    obtained_at: float = 0.0  # set by the store: when it was written, so when the access
    # token was obtained

    def access_valid(self, now: float, margin: float = 30.0) -> bool:
        """Good for at least ``margin`` more seconds, or a tenth of its lifetime if that is
        less: a token that lives five seconds would otherwise never count as valid."""
        lifetime = self.access_expires_at - self.obtained_at
        if self.obtained_at and lifetime > 0:
            margin = min(margin, lifetime / 10)
        return self.access_expires_at - margin > now


@dataclass(frozen=True)
class Company:
    site_id: str
    company_id: int
    name: str | None = None


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    metadata: dict[str, Any]  # the registration (RFC 7591) or client ID metadata document
    registered_at: float


@dataclass(frozen=True)
class Grant:
    """What an MCP token issued by the server stands for."""

    subject: str
    client_id: str
    resource: str  # RFC 8707: the one MCP server the token works at
    scope: str
    expires_at: float
    family: str  # the sign-in it descends from; reuse of a refresh token ends the family


@dataclass(frozen=True)
class AuthorizationCode:
    grant: Grant
    redirect_uri: str
    code_challenge: str  # PKCE S256 challenge, checked by the authorization server


@dataclass(frozen=True)
class PendingAuthorization:
    """An MCP client's authorization request, kept while the person signs in at Sage ID: the
    server's own ``state`` at Sage names it, and any replica may receive Sage's callback."""

    client_id: str
    redirect_uri: str
    code_challenge: str  # the MCP client's PKCE S256 challenge, for our code
    client_state: str | None  # echoed to the MCP client with our code
    resource: str
    scope: str
    sage_verifier: str  # our PKCE verifier at Sage ID: useless without Sage's code, which
    # only ever reaches the callback
    expires_at: float


RefreshOutcome = Literal["rotated", "reused", "unknown"]


@dataclass(frozen=True)
class RefreshUse:
    """Spending an MCP refresh token: ``rotated`` with its grant (issue the next one),
    ``reused`` (it was spent before: the family is now revoked), or ``unknown``/expired."""

    outcome: RefreshOutcome
    grant: Grant | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: float
    subject: str
    company: str | None
    tool: str
    arguments: dict[str, Any]
    result_chars: int | None
    duration_ms: float
    outcome: str  # "ok", or the error's class name: what went wrong, never its data
    id: int | None = None

    def json_line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def without_secrets(value: Any) -> Any:
    """``value`` with anything under a secret-sounding key replaced: tool arguments hold no
    secrets today, and the audit log must not start keeping one if a tool ever takes one."""
    if isinstance(value, dict):
        return {
            key: REDACTED
            if any(word in str(key).lower() for word in SECRET_WORDS)
            else without_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [without_secrets(item) for item in value]
    return value
