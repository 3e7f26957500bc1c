"""How many requests may be on their way to Sage at once, and when none may go.

Independent reads run side by side (a slow link costs one round trip for them all, not one
each), but a bounded few at a time: Sage 200 limits each application's request rate, and an
on-premises server behind Sage's tunnel serves few requests at once. After a 429 every request
waits out Sage's advice, not only the one that met it, since all share one limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

IN_FLIGHT = 4  # requests at once, per client (per person signed in)


class Gate:
    def __init__(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.in_flight = in_flight
        self._slots = asyncio.Semaphore(in_flight)
        self._paused_until = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the slots for one request, once any pause Sage asked for is over."""
        async with self._slots:
            while (wait := self._paused_until - self.clock()) > 0:
                await self.sleep(wait)
            yield

    def pause(self, seconds: float) -> None:
        """No request leaves for ``seconds`` (Sage's Retry-After, or our back-off)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
