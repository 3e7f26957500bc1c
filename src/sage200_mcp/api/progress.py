"""Progress of a long read, told to whoever is listening.

A scan deep in the API layer knows how far it has got; only the tool layer knows how to tell the
person (an MCP progress notification). Passing a callback through every function in between
would make each signature about plumbing, so the tool layer sets a listener for the duration of
a call and the scan reports to it. A context variable follows the call into the tasks it starts,
and two calls running at once each keep their own listener.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

Listener = Callable[[float, float | None, str], Awaitable[None]]

_listener: ContextVar[Listener | None] = ContextVar("sage200_progress", default=None)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send this call's progress to ``listener(done, total, message)``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


async def report(done: float, total: float | None, message: str) -> None:
    """Tell the listener, if any; a listener that fails never fails the read it reports on."""
    listener = _listener.get()
    if listener is None:
        return
    try:
        await listener(done, total, message)
    except Exception as error:  # a closed stream or a client gone: the answer still matters
        log.debug("progress not sent: %s", type(error).__name__)
