"""The period words the plain questions need, in the query language itself: this-week,
this-month, this-quarter, last-quarter, this-year, last-year, and the words written as two or
three ("last month", "month to date", "last 7 days"). Every date is worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.metrics.catalog import Catalog, ChannelInfo
from bot.metrics.parser import parse
from bot.metrics.periods import PERIOD_MEANINGS, PERIOD_WORDS
from bot.metrics.query import QueryError

CATALOG = Catalog(channels=(ChannelInfo("tiktok", "TikTok", "paid"),))
WEDNESDAY = date(2026, 11, 25)  # yesterday 2026-11-24


def span(text: str, today: date = WEDNESDAY) -> tuple[str, str, str]:
    query = parse(text, CATALOG, today)
    return query.period.start.isoformat(), query.period.end.isoformat(), query.period.label


def error(text: str, today: date = WEDNESDAY) -> str:
    with pytest.raises(QueryError) as caught:
        parse(text, CATALOG, today)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("/cac this-week", "2026-11-23", "2026-11-24", "this week"),
        ("/cac this-month", "2026-11-01", "2026-11-24", "this month"),
        ("/cac this-quarter", "2026-10-01", "2026-11-24", "this quarter"),
        ("/cac last-quarter", "2026-07-01", "2026-09-30", "last quarter"),
        ("/cac this-year", "2026-01-01", "2026-11-24", "this year"),
        ("/cac last-year", "2025-01-01", "2025-12-31", "last year"),
        ("/cac wtd", "2026-11-23", "2026-11-24", "this week"),
        ("/cac thisweek", "2026-11-23", "2026-11-24", "this week"),
        ("/cac last_quarter", "2026-07-01", "2026-09-30", "last quarter"),
        # Two or three words.
        ("/ltv last month", "2026-10-01", "2026-10-31", "last month"),
        ("/ltv Last Week", "2026-11-16", "2026-11-22", "last week"),
        ("/ltv this year", "2026-01-01", "2026-11-24", "this year"),
        ("/ltv month to date", "2026-11-01", "2026-11-24", "month to date"),
        ("/ltv year to date channel=tiktok", "2026-01-01", "2026-11-24", "year to date"),
        ("/ltv last 7 days", "2026-11-18", "2026-11-24", "last 7d"),
        ("/ltv past 2 weeks", "2026-11-11", "2026-11-24", "last 2w"),
        ("/ltv last 6 months", "2026-05-25", "2026-11-24", "last 6m"),
    ],
)
def test_period_words(text: str, start: str, end: str, label: str) -> None:
    assert span(text) == (start, end, label)


@pytest.mark.parametrize(
    ("text", "today", "start", "end"),
    [
        # The week starts on Monday: on Tuesday it holds Monday alone.
        ("/cac this-week", date(2026, 11, 24), "2026-11-23", "2026-11-23"),
        # Last quarter from the first days of a quarter and of a year.
        ("/cac last-quarter", date(2026, 4, 1), "2026-01-01", "2026-03-31"),
        ("/cac last-quarter", date(2026, 1, 15), "2025-10-01", "2025-12-31"),
        ("/cac last-year", date(2026, 1, 1), "2025-01-01", "2025-12-31"),
        ("/cac this-quarter", date(2026, 10, 2), "2026-10-01", "2026-10-01"),
        ("/cac this-year", date(2026, 1, 2), "2026-01-01", "2026-01-01"),
    ],
)
def test_period_words_at_their_boundaries(text: str, today: date, start: str, end: str) -> None:
    assert span(text, today)[:2] == (start, end)


@pytest.mark.parametrize(
    ("text", "today", "message"),
    [
        ("/cac this-week", date(2026, 11, 23), "the week has no complete day yet"),
        ("/cac this-month", date(2026, 12, 1), "the month has no complete day yet"),
        ("/cac this-quarter", date(2026, 10, 1), "ask for last-quarter or since=30d"),
        ("/cac this-year", date(2026, 1, 1), "ask for last-year or since=30d"),
    ],
)
def test_a_period_with_no_complete_day_says_what_to_ask(
    text: str, today: date, message: str
) -> None:
    assert message in error(text, today)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "/cac last month yesterday",
            "give the period one way only (got last-month and yesterday)",
        ),
        ("/cac last 7 days since=30d", "give the period one way only (got since=7d and since=30d)"),
        ("/cac since=30d last 7 days", "give the period one way only (got since=30d and since=7d)"),
        ("/cac last 7 days this-week", "give the period one way only (got since=7d and this-week)"),
        ("/cac last 7 fortnights", 'unknown word "last"'),
        ("/cac last", 'unknown word "last"'),
    ],
)
def test_period_phrase_mistakes(text: str, message: str) -> None:
    assert message in error(text)


def test_every_period_word_is_documented() -> None:
    assert set(PERIOD_MEANINGS) == set(PERIOD_WORDS)
    assert {"this-week", "this-month", "this-quarter", "last-quarter", "this-year"} <= set(
        PERIOD_WORDS
    )


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(1901, 1, 1), max_value=date(9998, 12, 31)),
    st.sampled_from([*PERIOD_WORDS, "last month", "last 7 days", "month to date"]),
)
def test_the_period_words_work_on_any_day(today: date, word: str) -> None:
    try:
        query = parse(f"/cac {word}", CATALOG, today)
    except QueryError as problem:
        assert "no complete day yet" in str(problem)
        return
    assert query.period.start <= query.period.end < today
