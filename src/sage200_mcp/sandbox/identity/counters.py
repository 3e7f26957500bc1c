"""What Sage ID has been asked and has refused, for the sandbox's /stats.

Tests and the benchmark read these to see what a client really did (how many refreshes, whether
it reused a refresh token); the parts of the tenant share one instance, so it is cleared in
place, never replaced.

Token requests and reuse are also counted per user, because a server that several people use at
once must refresh each person's tokens once per expiry: a total cannot tell one person refreshed
twice from two people once each. A token request is told against the user whose code, refresh
token or approved device code it presents to the client that code or token was issued to,
whatever the answer (a refused second refresh is still a second refresh); one naming nothing of
that client's is nobody's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sage200_mcp.sandbox.identity.oauth import subject
from sage200_mcp.sandbox.seed.companies import UserPlan


@dataclass
class UserCounts:
    token_requests: dict[str, int] = field(default_factory=dict)
    refresh_token_reuse: int = 0


@dataclass
class Counters:
    token_requests: dict[str, int] = field(default_factory=dict)
    token_errors: dict[str, int] = field(default_factory=dict)
    refresh_token_reuse: int = 0
    revocations: int = 0
    sign_ins: int = 0
    by_user: dict[str, UserCounts] = field(default_factory=dict)  # by email
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def request(self, grant_type: str) -> None:
        with self.lock:
            self.token_requests[grant_type] = self.token_requests.get(grant_type, 0) + 1

    def user_request(self, user: UserPlan, grant_type: str) -> None:
        with self.lock:
            requests = self.by_user.setdefault(user.email, UserCounts()).token_requests
            requests[grant_type] = requests.get(grant_type, 0) + 1

    def error(self, error: str) -> None:
        with self.lock:
            self.token_errors[error] = self.token_errors.get(error, 0) + 1

    def sign_in(self) -> None:
        with self.lock:
            self.sign_ins += 1

    def reuse(self, user: UserPlan) -> None:
        with self.lock:
            self.refresh_token_reuse += 1
            self.by_user.setdefault(user.email, UserCounts()).refresh_token_reuse += 1

    def revocation(self) -> None:
        with self.lock:
            self.revocations += 1

    def per_user(self, users: Iterable[UserPlan]) -> dict[str, dict[str, Any]]:
        """Each of ``users`` by email, zeros included, so a reader need not guess whether a
        missing user means none or a user it has not heard of."""
        with self.lock:
            answer: dict[str, dict[str, Any]] = {}
            for user in users:
                counts = self.by_user.get(user.email, UserCounts())
                answer[user.email] = {
                    "sub": subject(user),
                    "token_requests": dict(counts.token_requests),
                    "refresh_token_reuse": counts.refresh_token_reuse,
                }
            return answer

    def clear(self) -> None:
        with self.lock:
            self.token_requests.clear()
            self.token_errors.clear()
            self.refresh_token_reuse = 0
            self.revocations = 0
            self.sign_ins = 0
            self.by_user.clear()
