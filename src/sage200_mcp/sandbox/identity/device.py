"""RFC 8628 device authorization: a code shown on one device, approved on another, polled for.

Off unless asked for (no public evidence shows Sage ID offering it), but kept faithful so a client
that offers it can be tested: codes expire, polling too fast is told to slow down (and the
interval grows), and a device code is redeemed once.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from sage200_mcp.sandbox.identity.clients import Client
from sage200_mcp.sandbox.identity.oauth import DEVICE_CODE_GRANT, OAuthError
from sage200_mcp.sandbox.identity.settings import Shared
from sage200_mcp.sandbox.identity.tokens import Tokens
from sage200_mcp.sandbox.seed.companies import UserPlan

_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


@dataclass
class DeviceGrant:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: int
    last_poll: float = 0.0
    user: UserPlan | None = None
    denied: bool = False
    redeemed: bool = False


class DeviceFlow:
    def __init__(self, shared: Shared, tokens: Tokens) -> None:
        self._shared = shared
        self._tokens = tokens
        self._grants: dict[str, DeviceGrant] = {}

    def start(self, client: Client, scope: str) -> DeviceGrant:
        user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
        grant = DeviceGrant(
            secrets.token_urlsafe(32),
            f"{user_code[:4]}-{user_code[4:]}",
            client.client_id,
            scope,
            self._shared.clock() + self._shared.settings.device_code_ttl,
            self._shared.settings.device_interval,
        )
        with self._shared.lock:
            self._shared.issued.append(grant.device_code)
            self._grants[grant.device_code] = grant
        return grant

    def by_user_code(self, user_code: str) -> DeviceGrant | None:
        """The live grant a person typed the code of (any case, with or without the dash)."""
        wanted = "".join(ch for ch in user_code.upper() if ch in string.ascii_uppercase)
        with self._shared.lock:
            for grant in self._grants.values():
                if (
                    grant.user_code.replace("-", "") == wanted
                    and self._shared.clock() <= grant.expires_at
                ):
                    return grant
        return None

    def decide(self, grant: DeviceGrant, user: UserPlan | None) -> None:
        """Record the person's answer: approved as ``user``, or denied (None)."""
        with self._shared.lock:
            if user is None:
                grant.denied = True
            else:
                grant.user = user

    def poll(self, client: Client, device_code: str, *, issuer: str) -> dict[str, Any]:
        with self._shared.lock:
            grant = self._grants.get(device_code)
            if grant is not None and grant.client_id == client.client_id and grant.user is not None:
                self._shared.counters.user_request(grant.user, DEVICE_CODE_GRANT)
            if grant is None or grant.client_id != client.client_id or grant.redeemed:
                raise OAuthError("invalid_grant", "Unknown or used device code.")
            now = self._shared.clock()
            if now > grant.expires_at:
                raise OAuthError("expired_token", "The device code has expired; start again.")
            if grant.denied:
                raise OAuthError("access_denied", "The user denied the request.", 403)
            too_soon = grant.last_poll and now - grant.last_poll < grant.interval
            grant.last_poll = now
            if too_soon:
                grant.interval += 5
                raise OAuthError("slow_down", f"Polling too fast; wait {grant.interval} seconds.")
            if grant.user is None:
                raise OAuthError("authorization_pending", "The user has not yet approved.")
            grant.redeemed = True
            return self._tokens.issue(
                client.client_id,
                grant.user,
                grant.scope,
                secrets.token_urlsafe(12),
                now,
                None,
                issuer=issuer,
            )

    def clear(self) -> None:
        with self._shared.lock:
            self._grants.clear()
