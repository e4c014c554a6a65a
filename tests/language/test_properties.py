"""No input crashes the understanding, and whatever it offers the query language accepts."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language import understand
from bot.metrics.parser import parse
from bot.metrics.query import QueryError
from tests.language.shared import CATALOG, TODAY

PIECES = st.sampled_from(
    [
        "cac",
        "ltv",
        "roi",
        "留存",
        "次日留存",
        "获客成本",
        "抖音",
        "douyin",
        "tiktk",
        "上周",
        "本月",
        "近",
        "天",
        "月",
        "年",
        "季度",
        "十",
        "三",
        "7",
        "0",
        "99999",
        "2026",
        "2026-13-45",
        "2026-02-29",
        "q",
        "d",
        "last",
        "this",
        "by",
        "channel",
        "按渠道",
        "同比",
        "vs",
        "since",
        "from",
        "to",
        "到",
        "以来",
        "-",
        "~",
        "/",
        "=",
        "，",
        "？",
        "Ｑ３",
        "ltv/cac",
        "and",
        "和",
        "paid",
        "自然",
        "trend",
        "today",
        "第",
        "日",
        "号",
    ]
)


def _check(text: str, today: date = TODAY) -> None:
    understood = understand(text, CATALOG, today)
    assert understood.language in ("en", "zh")
    assert understood.command is None or understood.choices == ()
    assert len(understood.choices) <= 5
    for command in understood.choices:
        parse(command, CATALOG, today)  # every offered reading is valid today
    if understood.command is not None:
        try:
            parse(understood.command, CATALOG, today)
        except QueryError as problem:  # e.g. this-week on a Monday: said, not crashed
            assert str(problem)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_understood_or_answered_with_choices(text: str) -> None:
    _check(text)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.tuples(PIECES, st.sampled_from(["", " ", "的", "x"])), max_size=8))
def test_near_questions_never_crash(parts: list[tuple[str, str]]) -> None:
    _check("".join(a + b for a, b in parts))


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(1901, 1, 2), max_value=date(9998, 12, 31)),
    st.sampled_from(
        ["10月的cac", "q1 cac", "去年的ltv", "前天的roi", "上半年的花费", "since sep 1 cac"]
    ),
)
def test_time_phrases_work_on_any_day(today: date, question: str) -> None:
    _check(question, today)


@settings(max_examples=200, deadline=None)
@given(st.dates(), st.sampled_from(["前天的roi", "10月的cac", "去年的ltv", "11月到2月的cac"]))
def test_no_day_of_the_calendar_crashes_a_time_phrase(today: date, question: str) -> None:
    assert understand(question, CATALOG, today).language == "zh"
