"""Stand-ins the API client's unit tests share: a token source that counts renewals, a clock
whose sleeps only move time on, and the address and company the mocked Sage answers for."""

from __future__ import annotations

from sage200_mcp.api.client import Company

API = "https://api.test.invalid/uk/sage200extra/accounts/v1/"
COMPANY = Company("site-guid", 7, "Site", "Company")


class Tokens:
    def __init__(self) -> None:
        self.renewals = 0
        self.current = "token-1"

    async def access_token(self) -> str:
        return self.current

    async def token_after_rejection(self, rejected: str) -> str:
        self.renewals += 1
        self.current = f"token-{self.renewals + 1}"
        return self.current


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
