"""OKR arithmetic worked by hand: progress for higher- and lower-is-better targets, the
status on both sides of its two boundaries (elapsed - 10 and - 30 points), the quarters and
the share of one gone by."""

from __future__ import annotations

from datetime import date

import pytest

from bot.okrs import elapsed_share, parse_quarter, progress_of, quarter_of, status_of
from bot.okrs.progress import QuarterError, mean_progress, next_quarters, worst_status


def test_progress_higher_is_better() -> None:
    # LTV/CAC from 2.0 towards 3.0: at 2.4 that is 0.4 / 1.0 of the way.
    assert progress_of(2.4, 2.0, 3.0) == pytest.approx(0.4)
    assert progress_of(3.0, 2.0, 3.0) == 1.0
    assert progress_of(3.6, 2.0, 3.0) == 1.0  # past the target: clipped
    assert progress_of(1.5, 2.0, 3.0) == 0.0  # worse than the baseline: clipped


def test_progress_lower_is_better() -> None:
    # CAC from 500 down to 400: at 475 that is -25 / -100 = 0.25 of the way.
    assert progress_of(475, 500, 400, "down") == pytest.approx(0.25)
    assert progress_of(400, 500, 400, "down") == 1.0
    assert progress_of(380, 500, 400, "down") == 1.0
    assert progress_of(520, 500, 400, "down") == 0.0
    # Response time 4 h down to 2 h: at 3.3 h, 0.7 / 2 = 0.35.
    assert progress_of(3.3, 4.0, 2.0, "down") == pytest.approx(0.35)


def test_progress_without_data_or_with_the_target_at_the_baseline() -> None:
    assert progress_of(None, 2.0, 3.0) is None
    assert progress_of(2.5, None, 3.0) is None
    assert progress_of(3.0, 3.0, 3.0) == 1.0
    assert progress_of(2.9, 3.0, 3.0) == 0.0
    assert progress_of(2.9, 3.0, 3.0, "down") == 1.0
    assert progress_of(3.1, 3.0, 3.0, "down") == 0.0


@pytest.mark.parametrize(
    ("progress", "elapsed", "status"),
    [
        (0.50, 0.50, "on_track"),
        (0.40, 0.50, "on_track"),  # exactly 10 points behind
        (0.39, 0.50, "at_risk"),  # 11 points behind
        (0.20, 0.50, "at_risk"),  # exactly 30 points behind
        (0.19, 0.50, "off_track"),  # 31 points behind
        (0.0, 0.30, "at_risk"),
        (0.0, 0.31, "off_track"),
        (0.0, 0.10, "on_track"),
        (0.0, 0.11, "at_risk"),
        (1.0, 1.0, "on_track"),
        (0.9, 1.0, "on_track"),
        (0.7, 1.0, "at_risk"),
        (0.69, 1.0, "off_track"),
        (0.0, 0.0, "on_track"),  # the quarter has not begun
        (None, 0.5, "no_data"),
    ],
)
def test_status_against_the_share_of_the_quarter_gone(
    progress: float | None, elapsed: float, status: str
) -> None:
    assert status_of(progress, elapsed) == status


def test_an_objective_is_as_far_behind_as_its_furthest_key_result() -> None:
    assert worst_status(["on_track", "at_risk", "no_data"]) == "at_risk"
    assert worst_status(["on_track", "off_track", "at_risk"]) == "off_track"
    assert worst_status(["no_data", "no_data"]) == "no_data"
    assert worst_status([]) == "no_data"
    assert mean_progress([0.2, None, 0.6]) == pytest.approx(0.4)
    assert mean_progress([None]) is None


def test_quarters() -> None:
    assert parse_quarter("2027-Q1") == (date(2027, 1, 1), date(2027, 3, 31))
    assert parse_quarter("2027q2") == (date(2027, 4, 1), date(2027, 6, 30))
    assert parse_quarter(" 2026-Q4 ") == (date(2026, 10, 1), date(2026, 12, 31))
    assert parse_quarter("2028-Q1") == (date(2028, 1, 1), date(2028, 3, 31))
    assert quarter_of(date(2027, 3, 31)) == (date(2027, 1, 1), date(2027, 3, 31))
    assert quarter_of(date(2027, 4, 1)) == (date(2027, 4, 1), date(2027, 6, 30))
    assert [q[0] for q in next_quarters(date(2026, 12, 31), 3)] == [
        date(2026, 10, 1),
        date(2027, 1, 1),
        date(2027, 4, 1),
    ]
    for bad in ("2027-Q5", "2027", "Q1", "next quarter", ""):
        with pytest.raises(QuarterError, match="2027-Q1"):
            parse_quarter(bad)


def test_share_of_the_quarter_gone_at_its_boundaries() -> None:
    start, end = parse_quarter("2027-Q1")  # 90 days
    assert elapsed_share(start, end, date(2026, 12, 31)) == 0.0  # the day before it starts
    assert elapsed_share(start, end, date(2027, 1, 1)) == pytest.approx(1 / 90)
    assert elapsed_share(start, end, date(2027, 2, 14)) == pytest.approx(45 / 90)
    assert elapsed_share(start, end, date(2027, 3, 30)) == pytest.approx(89 / 90)
    assert elapsed_share(start, end, date(2027, 3, 31)) == 1.0
    assert elapsed_share(start, end, date(2027, 6, 1)) == 1.0
    leap_start, leap_end = parse_quarter("2028-Q1")  # 91 days
    assert elapsed_share(leap_start, leap_end, date(2028, 2, 29)) == pytest.approx(60 / 91)
