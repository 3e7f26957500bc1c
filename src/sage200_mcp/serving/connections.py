"""Deadlines for receiving a request, and a cap on open connections, inside uvicorn.

uvicorn has no timeout on receiving a request: its keep-alive timer waits only between
requests and every byte received cancels it, so a client sending one header byte a second
holds its connection (and its file descriptor) for ever, and a few hundred such clients lock
everyone else out. An ASGI middleware cannot help, as it only runs once the head is parsed.
So the HTTP protocol itself is extended: the request head must arrive within
``header_timeout`` of the connection opening (or of the previous answer), and the body within
``body_timeout`` of the head; the clock is not reset by each byte.

Past ``max_connections``, a new connection first makes room by closing the one that has
waited longest for its first request head: clients send theirs at once, so that is an
attacker's. Only if there is none goes the keep-alive connection idle longest (closing one
between requests can fail a client's next request, so these go last). Refusing new
connections instead would let a slow-loris hold the cap and lock everyone out. Only when
every connection is busy with a request or an event stream is the new one refused, with 503.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from sage200_mcp.serving.limits import HttpLimits

logger = logging.getLogger(__name__)

REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"retry-after: 1\r\n"
    b"connection: close\r\n"
    b"content-length: 38\r\n"
    b"\r\n"
    b"Too many open connections: retry soon."
)


def guarded_protocol(limits: HttpLimits) -> type[H11Protocol]:
    """uvicorn's h11 protocol, enforcing ``limits``; for ``uvicorn.Config(http=...)``."""

    class Guarded(_GuardedH11Protocol):
        LIMITS = limits

    return Guarded


class _GuardedH11Protocol(H11Protocol):
    LIMITS: ClassVar[HttpLimits]
    _deadline: asyncio.TimerHandle | None = None
    _awaiting: type[h11.IDLE] | type[h11.SEND_BODY] | None = None
    _since = 0.0
    _served = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.LIMITS.max_connections and not self._make_room():
            logger.warning(
                "refused a connection: %d are open (--max-connections), all of them busy",
                self.LIMITS.max_connections,
            )
            transport.write(REFUSAL)
            transport.close()
            return
        self._watch()

    def _make_room(self) -> bool:
        """Close a connection waiting for a request head; False if none is."""
        waiting = [
            other
            for other in self.connections
            if isinstance(other, _GuardedH11Protocol)
            and other is not self
            and other._awaiting is h11.IDLE
            and not other.transport.is_closing()
        ]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda other: (other._served, other._since))
        logger.warning(
            "closed a connection %.1fs without a request head to make room for a new one"
            " (--max-connections %d)",
            self.loop.time() - oldest._since,
            self.LIMITS.max_connections,
        )
        oldest._disarm()
        oldest.transport.close()
        return True

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        self._served = True
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _watch(self) -> None:
        """Arm the deadline for what the client owes next, unless it is already running."""
        state = self.conn.their_state
        if self.transport.is_closing() or state not in (h11.IDLE, h11.SEND_BODY):
            self._disarm()  # the request is in (or the connection over): nothing owed
            return
        if state is self._awaiting:
            return
        self._disarm()
        timeout = self.LIMITS.header_timeout if state is h11.IDLE else self.LIMITS.body_timeout
        self._awaiting = state
        self._since = self.loop.time()
        self._deadline = self.loop.call_later(timeout, self._expire, timeout)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._awaiting = None

    def _expire(self, timeout: float) -> None:
        what = "request head" if self._awaiting is h11.IDLE else "request body"
        self._deadline = None
        self._awaiting = None
        if not self.transport.is_closing():
            logger.warning("closed a connection that took over %gs to send its %s", timeout, what)
            self.transport.close()
