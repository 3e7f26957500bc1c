"""Round trips: the longest chain of requests each of which waited for the one before."""

from __future__ import annotations

import pytest

from sage200_mcp.sandbox.trips import RequestLog, longest_chain


def test_requests_one_after_another_are_as_many_round_trips() -> None:
    assert longest_chain([(0, 1), (1, 2), (2.5, 3), (3, 4)]) == 4


def test_requests_that_all_overlap_are_one_round_trip() -> None:
    assert longest_chain([(0, 10), (1, 9), (2, 11), (0.5, 3)]) == 1


@pytest.mark.parametrize(
    ("intervals", "trips"),
    [
        ([], 0),
        # two pages fetched together, then one more: two waits
        ([(0, 1), (0.1, 1.1), (1.2, 2)], 2),
        # a long request beside three short ones in a row: the short ones are the chain
        ([(0, 10), (0, 1), (1, 2), (2, 3)], 3),
        # given out of order
        ([(5, 6), (0, 1), (3, 4), (0.5, 5.5)], 3),
        # one starting a moment before the other ends overlaps it
        ([(0, 1), (0.999, 2)], 1),
    ],
)
def test_mixed_requests_count_the_longest_chain(
    intervals: list[tuple[float, float]], trips: int
) -> None:
    assert longest_chain(intervals) == trips


def test_the_log_keeps_the_last_requests_and_clears() -> None:
    log = RequestLog(size=3)
    for second in range(5):
        log.record(second, second + 1)
    assert log.round_trips() == 3
    log.clear()
    assert log.round_trips() == 0
