"""What Sage ID has been asked and has refused, for the sandbox's /stats.

Tests and the benchmark read these to see what a client really did (how many refreshes, whether
it reused a refresh token); the parts of the tenant share one instance, so it is cleared in
place, never replaced.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Counters:
    token_requests: dict[str, int] = field(default_factory=dict)
    token_errors: dict[str, int] = field(default_factory=dict)
    refresh_token_reuse: int = 0
    revocations: int = 0
    sign_ins: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def request(self, grant_type: str) -> None:
        with self.lock:
            self.token_requests[grant_type] = self.token_requests.get(grant_type, 0) + 1

    def error(self, error: str) -> None:
        with self.lock:
            self.token_errors[error] = self.token_errors.get(error, 0) + 1

    def sign_in(self) -> None:
        with self.lock:
            self.sign_ins += 1

    def reuse(self) -> None:
        with self.lock:
            self.refresh_token_reuse += 1

    def revocation(self) -> None:
        with self.lock:
            self.revocations += 1

    def clear(self) -> None:
        with self.lock:
            self.token_requests.clear()
            self.token_errors.clear()
            self.refresh_token_reuse = 0
            self.revocations = 0
            self.sign_ins = 0
