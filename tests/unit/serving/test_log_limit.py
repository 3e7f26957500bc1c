"""A flood of alike log records costs a bounded number of lines."""

from __future__ import annotations

import logging

from sage200_mcp.serving.log_limit import RateLimitedHandler
from tests.helpers import FakeClock


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def limited(clock: FakeClock) -> tuple[logging.Logger, Lines, RateLimitedHandler]:
    lines = Lines()
    handler = RateLimitedHandler(lines, per_key=3, total=10, window=60, clock=clock)
    logger = logging.getLogger(f"test.log_limit.{id(handler)}")
    logger.propagate = False
    logger.addHandler(handler)
    return logger, lines, handler


def test_ten_thousand_alike_records_make_a_few_lines_and_one_count() -> None:
    clock = FakeClock()
    logger, lines, _ = limited(clock)
    for n in range(10_000):
        logger.warning("Invalid HTTP request received from %s.", n)
    assert lines.lines == [
        *(f"Invalid HTTP request received from {n}." for n in range(3)),
        "dropping log records for up to 60 seconds: more than 3 alike or 10 in all",
    ]
    clock.advance(60)
    logger.warning("Invalid HTTP request received from %s.", "later")
    assert lines.lines[4:] == [
        "dropped 9997 log records (too many alike) in the last 60 seconds",
        "Invalid HTTP request received from later.",
    ]


def test_unique_messages_are_bounded_in_all() -> None:
    clock = FakeClock()
    logger, lines, handler = limited(clock)
    for n in range(10_000):
        logger.warning(f"Invalid Host header: evil{n}.example")  # as the SDK logs it
    assert len(lines.lines) == 11 and lines.lines[-1].startswith("dropping log records")
    handler.close()
    assert lines.lines[-1] == "dropped 9990 log records (too many alike) in the last 0 seconds"


def test_a_quiet_window_passes_everything() -> None:
    clock = FakeClock()
    logger, lines, _ = limited(clock)
    for n in range(3):
        logger.warning("one %d", n)
        logger.error("one %d", n)  # another level is another kind
    clock.advance(61)
    logger.warning("one %d", 3)
    assert len(lines.lines) == 7 and "suppressed" not in " ".join(lines.lines)
