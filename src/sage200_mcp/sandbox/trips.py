"""How many sequential round trips the API's requests took, from when each began and ended.

A benchmark over a slow link wants to know not only how many requests a tool call made but how
many it had to wait for one after another: requests sent together (concurrently) cost one wait.
The log keeps each request's (start, end) on the monotonic clock; the round trips are the longest
chain of requests in which each began at or after the previous one ended.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

# enough for any benchmark run between two resets; older requests fall out first
LOG_SIZE = 100_000


def longest_chain(intervals: Iterable[tuple[float, float]]) -> int:
    """The most intervals that follow one another without overlapping (touching is allowed).

    Taking, in order of end, each interval that starts at or after the last one taken ended is
    the classic greedy answer to interval scheduling, and it is optimal: O(n log n) for the sort.
    """
    chain = 0
    last_end = float("-inf")
    for start, end in sorted(intervals, key=lambda interval: interval[1]):
        if start >= last_end:
            chain += 1
            last_end = end
    return chain


class RequestLog:
    """The (start, end) of the last ``LOG_SIZE`` API requests, safe to use from any thread."""

    def __init__(self, size: int = LOG_SIZE) -> None:
        self._intervals: deque[tuple[float, float]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, start: float, end: float) -> None:
        with self._lock:
            self._intervals.append((start, end))

    def clear(self) -> None:
        with self._lock:
            self._intervals.clear()

    def round_trips(self) -> int:
        with self._lock:
            intervals = list(self._intervals)
        return longest_chain(intervals)
