"""The statistics a measure kept as a distribution (counts per value) is summarised by: how
many values there are, and their median. Pure arithmetic over the counts the rollups return."""

from __future__ import annotations

from collections.abc import Callable

# (value, how often it occurs) pairs of one key.
Counts = list[tuple[float, int]]


def count_of(counts: Counts) -> float:
    """How many values there are."""
    return float(sum(n for _, n in counts))


def median_of_counts(counts: Counts) -> float:
    """The median of values given with how often each occurs: the middle value, or the mean
    of the two middle ones for an even number."""
    total = sum(n for _, n in counts)
    assert total > 0
    # The 1-based ranks of the middle values (the same one for an odd total).
    low_rank, high_rank = (total + 1) // 2, total // 2 + 1
    seen, low = 0, None
    for value, n in sorted(counts):
        seen += n
        if low is None and seen >= low_rank:
            low = value
        if seen >= high_rank:
            return (low + value) / 2  # type: ignore[operator]
    raise AssertionError("unreachable: the ranks are within the total")


STATISTICS: dict[str, Callable[[Counts], float]] = {
    "sum": count_of,
    "median": median_of_counts,
}
