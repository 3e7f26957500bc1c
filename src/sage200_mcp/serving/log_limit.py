"""Logging that a flood of bad requests cannot turn into a full disk.

Every malformed request, foreign Host header or slow client cut off is worth one line, but an
attacker can send thousands a second, and the server's stderr usually ends in a file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class RateLimitedHandler(logging.Handler):
    """Passes records on to ``target``, at most ``per_key`` alike and ``total`` in all per window.

    Records are alike when they share logger, level and format string (the SDK logs some with
    f-strings, each one unique, which is why ``total`` bounds them all as well). The first
    record dropped in a window is replaced by a line saying that dropping has begun (uvicorn
    ends the process on SIGTERM by raising the signal again, so nothing may be left for exit
    to say); the first record after the window, or closing the handler, adds how many were
    dropped. Each window costs at most ``total + 2`` lines, whatever arrives.
    """

    def __init__(
        self,
        target: logging.Handler,
        *,
        per_key: int = 5,
        total: int = 50,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.target = target
        self.per_key = per_key
        self.total = total
        self.window = window
        self.clock = clock
        self._window_start = clock()
        self._passed: dict[tuple[str, int, str], int] = {}
        self._passed_total = 0
        self._suppressed = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.clock() - self._window_start >= self.window:
            self._report_suppressed()
            self._window_start = self.clock()
            self._passed.clear()
            self._passed_total = 0
        key = (record.name, record.levelno, str(record.msg))
        seen = self._passed.get(key, 0)
        if seen >= self.per_key or self._passed_total >= self.total:
            if not self._suppressed:
                self._say(
                    "dropping log records for up to %d seconds: more than %d alike or %d in all",
                    round(self.window),
                    self.per_key,
                    self.total,
                )
            self._suppressed += 1
            return
        self._passed[key] = seen + 1
        self._passed_total += 1
        self.target.handle(record)

    def close(self) -> None:
        self.acquire()
        try:
            self._report_suppressed()
        finally:
            self.release()
        self.target.close()
        super().close()

    def _report_suppressed(self) -> None:
        if self._suppressed:
            self._say(
                "dropped %d log records (too many alike) in the last %d seconds",
                self._suppressed,
                round(self.clock() - self._window_start),
            )
            self._suppressed = 0

    def _say(self, msg: str, *args: object) -> None:
        self.target.handle(
            logging.makeLogRecord(
                {
                    "name": __name__,
                    "levelno": logging.WARNING,
                    "levelname": "WARNING",
                    "msg": msg,
                    "args": args,
                }
            )
        )


def limit_logging(*own_handlers: str) -> None:
    """Route each of the root logger's handlers through a :class:`RateLimitedHandler`, and the
    loggers named in ``own_handlers`` through the root's (they may have been given handlers of
    their own that would bypass the limit: uvicorn gives its loggers one)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if not isinstance(handler, RateLimitedHandler):
            root.removeHandler(handler)
            root.addHandler(RateLimitedHandler(handler))
    for name in own_handlers:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
