"""Progress of a long read, told to whoever is listening.

A scan deep in the API layer knows how far it has got; only the tool layer knows how to tell the
person (an MCP progress notification). Passing a callback through every function in between
would make each signature about plumbing, so the tool layer listens for the duration of a call
and each read reports to it. A context variable follows the call into the tasks it starts, and
two calls running at once each keep their own listener.

One call may make several reads, some side by side; MCP asks that a call's progress only ever
increase, so the listener hears the sum over the call's reads: rows read so far, and the rows
expected in all while every read knows its total.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

Listener = Callable[[float, float | None, str], Awaitable[None]]


class _Call:
    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.reads: dict[Hashable, tuple[int, int | None]] = {}
        self.sent = 0

    def update(self, read: Hashable, done: int, total: int | None) -> tuple[int, int | None]:
        self.reads[read] = (done, total)
        totals = [t for _, t in self.reads.values()]
        known = None if any(t is None for t in totals) else sum(t or 0 for t in totals)
        return sum(d for d, _ in self.reads.values()), known


_call: ContextVar[_Call | None] = ContextVar("sage200_progress", default=None)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send this call's progress to ``listener(done, total, message)``."""
    token = _call.set(_Call(listener))
    try:
        yield
    finally:
        _call.reset(token)


async def report(read: Hashable, done: int, total: int | None, message: str) -> None:
    """Tell the listener, if any, that ``read`` (one read of this call) has ``done`` of
    ``total`` rows. Nothing is sent unless the call's sum has grown; a listener that fails never
    fails the read it reports on."""
    call = _call.get()
    if call is None:
        return
    done_in_call, total_in_call = call.update(read, done, total)
    if done_in_call <= call.sent:
        return
    call.sent = done_in_call
    try:
        await call.listener(done_in_call, total_in_call, message)
    except Exception as error:  # a closed stream or a client gone: the answer still matters
        log.debug("progress not sent: %s", type(error).__name__)
