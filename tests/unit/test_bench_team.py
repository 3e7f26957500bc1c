"""The team bench's arithmetic (bench/team.py): its percentiles are nearest-rank, so a p99 is a
latency some call really had, and its best round is the fastest of those with that many
replicas."""

from __future__ import annotations

import pytest
from bench.team import Round, best, percentile


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(n) for n in range(100, 0, -1)]  # 1..100, unsorted
    assert percentile(samples, 0.50) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile(samples, 1.0) == 100.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([5.0] * 7 + [9.0], 0.99) == 9.0  # 8 samples: p99 is the slowest
    assert percentile([4.0], 0.01) == 4.0


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_a_percentile_outside_zero_to_one_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], fraction)


def test_no_samples_have_no_percentile() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)


def test_the_best_round_is_the_fastest_with_that_many_replicas() -> None:
    rounds = [
        Round(1, 100, 4.0, 10.0, 20.0),
        Round(3, 100, 1.0, 10.0, 20.0),
        Round(1, 100, 2.0, 10.0, 20.0),
    ]
    assert best(rounds, 1) is rounds[2]
    assert best(rounds, 3) is rounds[1]
