"""The pieces under the understanding: numbers, typos, and which year a time phrase means
(each boundary from both sides, the dates worked out by hand)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.language import understand
from bot.language.text import han_number, normalise, osa_distance, units
from tests.language.shared import CATALOG


@pytest.mark.parametrize(
    ("chars", "value"),
    [
        ("七", 7),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("三十", 30),
        ("两", 2),
        ("一百", 100),
        ("二〇二五", 2025),
        ("九十", 90),
        ("", None),
        ("七天", None),
    ],
)
def test_chinese_numerals(chars: str, value: int | None) -> None:
    assert han_number(chars) == value


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("retention", "retention", 0),
        ("retnetion", "retention", 1),  # two letters swapped: one edit
        ("douyn", "douyin", 1),
        ("reveune", "revenue", 1),
        ("rentention", "retention", 1),
        ("abc", "xyz", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert osa_distance(a, b, 3) == distance


def test_units_fold_full_width_forms_and_cut_chinese_into_characters() -> None:
    found = [(u.kind, u.text) for u in units(normalise("ＣＡＣ，上周 2026-09-01 d7"))]
    assert found == [
        ("word", "cac"),
        ("han", "上"),
        ("han", "周"),
        ("date", "2026-09-01"),
        ("word", "d"),
        ("num", "7"),
    ]


def _command(question: str, today: date) -> str | None:
    return understand(question, CATALOG, today).command


@pytest.mark.parametrize(
    ("question", "today", "command"),
    [
        # A month means the latest one that has begun (has a complete day).
        ("10月的cac", date(2026, 10, 1), "/cac period=2025-10"),
        ("10月的cac", date(2026, 10, 2), "/cac period=2026-10"),
        ("cac in october", date(2026, 10, 2), "/cac period=2026-10"),
        ("Q4 cac", date(2026, 10, 1), "/cac period=2025-Q4"),
        ("Q4 cac", date(2026, 10, 2), "/cac period=2026-Q4"),
        ("9月30日的cac", date(2026, 9, 30), "/cac period=2025-09-30"),
        ("9月30日的cac", date(2026, 10, 1), "/cac period=2026-09-30"),
        ("上半年的cac", date(2026, 1, 1), "/cac from=2025-01-01 to=2025-06-30"),
        ("上半年的cac", date(2026, 1, 2), "/cac from=2026-01-01 to=2026-06-30"),
        # A year said with it is kept.
        ("去年10月的cac", date(2026, 11, 25), "/cac period=2025-10"),
        ("2024年一季度的cac", date(2026, 11, 25), "/cac period=2024-Q1"),
        ("cac october 2024", date(2026, 11, 25), "/cac period=2024-10"),
        # A range whose end month comes before its start runs into the next year.
        ("11月到2月的cac", date(2027, 3, 10), "/cac from=2026-11-01 to=2027-02-28"),
        ("cac from nov 1 to nov 30", date(2026, 11, 25), "/cac from=2026-11-01 to=2026-11-30"),
        # Days back from today.
        ("前天的cac", date(2026, 3, 1), "/cac period=2026-02-27"),
        ("大前天的cac", date(2026, 3, 1), "/cac period=2026-02-26"),
    ],
)
def test_which_year_a_time_phrase_means(question: str, today: date, command: str) -> None:
    assert _command(question, today) == command


@pytest.mark.parametrize(
    ("question", "said"), [("13月的cac", "13月"), ("2月30日的cac", "2月30日"), ("q5 cac", "q5")]
)
def test_a_date_that_does_not_exist_is_not_read_as_one(question: str, said: str) -> None:
    understood = understand(question, CATALOG, date(2026, 11, 25))
    assert understood.command is None
    assert understood.choices == ("/cac",)
    assert understood.problem == f'there is no such period as "{said}"'
