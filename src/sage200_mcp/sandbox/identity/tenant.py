"""Sage ID as one object: the parts of the tenant wired together, with the few operations that
span them (a reset, the users, the grants a client may use).

The parts share one re-entrant lock, because one request can touch several of them at once (a
code redeemed issues tokens; a reused code revokes them), and the HTTP server and tests call in
from many threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sage200_mcp.sandbox.identity.clients import Client, ClientRegistry
from sage200_mcp.sandbox.identity.clients import check_grant as check_client_grant
from sage200_mcp.sandbox.identity.codes import AuthorizationCodes
from sage200_mcp.sandbox.identity.counters import Counters
from sage200_mcp.sandbox.identity.device import DeviceFlow
from sage200_mcp.sandbox.identity.settings import IdentitySettings, Shared
from sage200_mcp.sandbox.identity.signing import same_text
from sage200_mcp.sandbox.identity.tokens import Tokens
from sage200_mcp.sandbox.seed.companies import USERS, UserPlan


class Identity:
    """All Sage ID state. Thread-safe: the HTTP server and tests may call it concurrently."""

    def __init__(
        self, settings: IdentitySettings, clock: Callable[[], float], redirect_uris: list[str]
    ) -> None:
        self.settings = settings
        self.users = {user.email.lower(): user for user in USERS}
        self.counters = Counters()
        self._lock = threading.RLock()
        self._issued: list[str] = []
        shared = Shared(settings, clock, self._lock, self.counters, self._issued)
        self.clients = ClientRegistry(self._lock)
        self.tokens = Tokens(shared)
        self.codes = AuthorizationCodes(shared, self.tokens)
        self.devices = DeviceFlow(shared, self.tokens)
        for uri in redirect_uris:
            self.clients.add_redirect_uri(uri)

    def issued_secrets(self) -> list[str]:
        """Every code and token handed out so far, for tests that check none of them leaks."""
        with self._lock:
            return list(self._issued)

    def add_redirect_uri(self, uri: str, client_id: str | None = None) -> str:
        """See ClientRegistry.add_redirect_uri; here because tests outside the sandbox register
        their callback URIs on the tenant."""
        return self.clients.add_redirect_uri(uri, client_id)

    def check_user(self, username: str, password: str) -> UserPlan | None:
        user = self.users.get(username.strip().lower())
        if user is None or not same_text(password, user.password):
            return None
        return user

    def check_grant(self, client: Client, grant_type: str) -> None:
        """Refuse a grant this client may not use now (the device grant depends on whether the
        device flow is on at the moment of asking)."""
        check_client_grant(client, grant_type, device_flow=self.settings.device_flow)

    def reset(self) -> None:
        """Forget every sign-in, code and token (registered clients stay), and zero the counters."""
        with self._lock:
            self.codes.clear()
            self.tokens.clear()
            self.devices.clear()
            self.counters.clear()
