"""The query language: every accepted form, every error message, and no input that crashes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.metrics.catalog import CampaignInfo, Catalog, ChannelInfo
from bot.metrics.parser import is_metric_list, is_metric_question, parse
from bot.metrics.query import Query, QueryError

TODAY = date(2026, 11, 25)  # a Wednesday; yesterday is 2026-11-24
CATALOG = Catalog(
    channels=(
        ChannelInfo("tiktok", "TikTok", "paid"),
        ChannelInfo("douyin", "抖音 / Douyin", "paid"),
        ChannelInfo("xiaohongshu", "小红书", "paid"),
        ChannelInfo("organic", "Organic", "organic"),
    ),
    campaigns=(
        CampaignInfo("tt-q4", "tiktok", "TikTok Q4 always-on"),
        CampaignInfo("dy-11", "douyin", "Double 11"),
    ),
)


def q(text: str, today: date = TODAY) -> Query:
    return parse(text, CATALOG, today)


def error(text: str, today: date = TODAY) -> str:
    with pytest.raises(QueryError) as caught:
        parse(text, CATALOG, today)
    return str(caught.value)


def span(query: Query) -> tuple[str, str]:
    return query.period.start.isoformat(), query.period.end.isoformat()


# --------------------------------------------------------------------------- accepted forms


def test_slash_commands_fix_the_metric_and_default_to_the_last_30_complete_days() -> None:
    query = q("/ltv channel=tiktok")
    assert query.metric.name == "ltv"
    assert query.filters.channels == ("tiktok",)
    assert span(query) == ("2026-10-26", "2026-11-24")
    assert query.compare == "prev"
    previous = query.comparison_period()
    assert previous is not None
    assert (previous.start, previous.end) == (date(2026, 9, 26), date(2026, 10, 25))
    for command, name in [("/cac", "cac"), ("/roi", "roi"), ("/retention", "retention")]:
        assert q(command).metric.name == name


def test_metric_names_aliases_and_case() -> None:
    assert q("/metric ltv_cac kind=paid").metric.name == "ltv_cac"
    assert q("/metric LTV/CAC").metric.name == "ltv_cac"
    assert q("ltv channel=tiktok").metric.name == "ltv"
    assert q("metric gmv").metric.name == "revenue"
    assert q("/METRIC Repeat-Rate").metric.name == "repeat_rate"
    assert q("/metric cpl").metric.name == "cost_per_lead"
    assert q("/metric cost_per_lead").metric.name == "cost_per_lead"
    assert q("/metric cost_per_converted_lead").metric.name == "cost_per_converted_lead"


@pytest.mark.parametrize(
    ("text", "day_n"),
    [
        ("/retention", 1),
        ("/retention d=1 since=14d grain=day", 1),
        ("/retention D=30", 30),
        ("/metric retention_d7", 7),
        ("/metric d7_retention", 7),
        ("/metric D30", 30),
        ("/metric retention_d7 d=7", 7),
        ("retention d=90", 90),
    ],
)
def test_retention_day_n(text: str, day_n: int) -> None:
    query = q(text)
    assert query.metric.name == "retention"
    assert query.day_n == day_n


def test_options() -> None:
    query = q("/retention d=1 since=14d grain=day")
    assert (query.grain, span(query)) == ("day", ("2026-11-11", "2026-11-24"))
    query = q("/cac channel=tiktok,douyin by=channel vs=yoy grain=Weekly")
    assert query.filters.channels == ("tiktok", "douyin")
    assert (query.by, query.compare, query.grain) == ("channel", "yoy", "week")
    previous = query.comparison_period()
    assert previous is not None and previous.start == date(2025, 10, 26)
    assert q("/cac vs=none").comparison_period() is None
    assert q("/cac BY=Kind").by == "kind"
    assert q("/cac kind=Organic").filters.kind == "organic"


def test_channel_words_keys_names_aliases_and_full_width_input() -> None:
    assert q("/cac CHANNEL=TikTok").filters.channels == ("tiktok",)
    assert q("/cac channels=抖音").filters.channels == ("douyin",)
    assert q("/cac channel=douyin").filters.channels == ("douyin",)
    assert q("/cac channel=Douyin").filters.channels == ("douyin",)
    assert q("/cac channel = tiktok , 小红书").filters.channels == ("tiktok", "xiaohongshu")
    assert q("/cac channel＝抖音，tiktok").filters.channels == ("douyin", "tiktok")
    assert q("/cac channel=tiktok,TIKTOK").filters.channels == ("tiktok",)


def test_campaigns_by_id_name_or_none() -> None:
    assert q("/cac campaign=tt-q4").filters.campaigns == ("tt-q4",)
    assert q("/cac campaign=DY-11").filters.campaigns == ("dy-11",)
    assert q("/cac campaigns=none,tt-q4").filters.campaigns == ("", "tt-q4")
    # names with spaces in quotes, straight or curly (as Slack clients type them)
    assert q('/cac campaign="Double 11" since=7d').filters.campaigns == ("dy-11",)
    assert q("/cac campaign=“double 11”,tt-q4").filters.campaigns == ("dy-11", "tt-q4")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("/cac since=30d", "2026-10-26", "2026-11-24"),
        ("/cac since=12w", "2026-09-02", "2026-11-24"),
        ("/cac since=6m", "2026-05-25", "2026-11-24"),
        ("/cac since=1y", "2025-11-25", "2026-11-24"),
        ("/cac since=2026-09-01", "2026-09-01", "2026-11-24"),
        ("/cac period=2026-10", "2026-10-01", "2026-10-31"),
        ("/cac period=2026-2", "2026-02-01", "2026-02-28"),
        ("/cac period=2026-W44", "2026-10-26", "2026-11-01"),
        ("/cac period=2026w01", "2025-12-29", "2026-01-04"),
        ("/cac period=2026-Q3", "2026-07-01", "2026-09-30"),
        ("/cac period=2025", "2025-01-01", "2025-12-31"),
        ("/cac period=2026-10-05", "2026-10-05", "2026-10-05"),
        ("/cac from=2026-09-01 to=2026-09-30", "2026-09-01", "2026-09-30"),
        ("/cac to=2026-09-30", "2026-09-01", "2026-09-30"),
        ("/cac from=2026-11-01", "2026-11-01", "2026-11-24"),
        ("/cac yesterday", "2026-11-24", "2026-11-24"),
        ("/cac last-week", "2026-11-16", "2026-11-22"),
        ("/cac last_week", "2026-11-16", "2026-11-22"),
        ("/cac last-month", "2026-10-01", "2026-10-31"),
        ("/cac mtd", "2026-11-01", "2026-11-24"),
        ("/cac QTD", "2026-10-01", "2026-11-24"),
        ("/cac ytd", "2026-01-01", "2026-11-24"),
    ],
)
def test_periods(text: str, start: str, end: str) -> None:
    query = q(text)
    assert span(query) == (start, end)
    assert query.note is None


def test_last_week_on_a_monday_is_the_week_that_just_ended() -> None:
    assert span(q("/cac last-week", today=date(2026, 11, 23))) == ("2026-11-16", "2026-11-22")


def test_a_period_still_running_is_cut_at_yesterday_with_a_note() -> None:
    query = q("/cac period=2026-11")
    assert span(query) == ("2026-11-01", "2026-11-24")
    assert query.note == "2026-11 is not over: counted up to 2026-11-24"
    assert span(q("/cac from=2026-11-20 to=2026-12-31")) == ("2026-11-20", "2026-11-24")


def test_metric_list_and_question_detection() -> None:
    for text in ("/metric list", "/metric", "/Metric help", "metric list", "/metrics"):
        assert is_metric_list(text), text
    assert not is_metric_list("/metric ltv")
    assert is_metric_question("/ltv") and is_metric_question("ltv channel=tiktok")
    assert not is_metric_question("/fund list") and not is_metric_question("/warroom help")


# --------------------------------------------------------------------------- every mistake


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/ltv channel=tiktk", 'unknown channel "tiktk" — did you mean tiktok?'),
        ("/ltv channel=douyn", 'unknown channel "douyn" — did you mean douyin?'),
        ("/metric ltvv", 'unknown metric "ltvv" — did you mean ltv? Type /metric list'),
        ("/cac chanel=tiktok", 'unknown key "chanel" — did you mean channel?'),
        ("/cac from=2026-13-01", 'bad date "2026-13-01" in from=; write it as YYYY-MM-DD'),
        ("/cac from=yesterday", 'bad date "yesterday" in from='),
        ("/cac from=2026-10-10 to=2026-10-01", "from= (2026-10-10) is after to= (2026-10-01)"),
        ("/retention d=0", "d must be a whole number of days from 1 to 90"),
        ("/retention d=91", "d must be a whole number of days from 1 to 90"),
        ("/retention d=1.5", "d must be a whole number of days from 1 to 90"),
        ("/metric retention_d0", "d must be a whole number of days from 1 to 90"),
        ("/cac grain=year", "grain must be day, week or month"),
        ("/cac by=foo", "by must be channel, campaign or kind"),
        ("/cac vs=foo", "vs must be prev (the period before), yoy (a year earlier) or none"),
        ("/cac kind=paied", 'unknown kind "paied" — did you mean paid?'),
        ("/cac channel=tiktok channel=douyin", "channel= is given twice"),
        ("/cac since=30d period=2026-10", "give the period one way only (got since= and period="),
        ("/cac mtd yesterday", "give the period one way only (got mtd and yesterday)"),
        ("/cac since=14d mtd", "give the period one way only"),
        ("/cac d=7", "d= only applies to retention, not cac"),
        ("/metric retention_d7 d=1", "the metric says day 7 but d=1"),
        ("/cac channel=", "channel= needs a value, e.g. channel=tiktok"),
        ("/cac tiktok", 'unknown word "tiktok" — did you mean channel=tiktok?'),
        ("/cac yesterdya", 'unknown word "yesterdya" — did you mean yesterday?'),
        ("/cac ltv", "give one metric per question"),
        ("/cac since=0d", "since= needs at least one day"),
        ("/cac since=soon", 'bad since= value "soon"'),
        ("/cac since=9999d", "since= reaches back at most"),
        ("/cac period=2026-13", 'there is no period "2026-13"'),
        ("/cac period=2026-W60", 'there is no period "2026-W60"'),
        ("/cac period=autumn", 'bad period= value "autumn"'),
        (
            "/cac period=2026-12",
            "2026-12 has not happened yet; the last complete day is 2026-11-24",
        ),
        ("/cac period=1066", "that is too far back"),
        ("/cac campaign=spring", 'unknown campaign "spring"'),
        ("/cac grain=day since=2y", "grain=day gives more than 400 points"),
        ("/ltvv", 'unknown command "/ltvv" — did you mean /ltv?'),
        ("/metric", "/metric list shows every metric"),
        ("/metric channel=tiktok", "name a metric after /metric"),
        ("channel=tiktok", "start with a metric"),
        ("", "type a metric"),
        ("   ", "type a metric"),
    ],
)
def test_each_mistake_has_its_own_message(text: str, message: str) -> None:
    assert message in error(text)


def test_month_to_date_on_the_first_of_the_month() -> None:
    assert "the month has no complete day yet" in error("/cac mtd", today=date(2026, 12, 1))


def test_no_channels_loaded_yet() -> None:
    with pytest.raises(QueryError, match="no channels are loaded yet"):
        parse("/cac channel=tiktok", Catalog(), TODAY)


def test_messages_are_short() -> None:
    assert len(error("/cac " + "x" * 5000)) < 200
    assert len(error("/cac channel=" + "y" * 500)) < 200


# --------------------------------------------------------------------------- properties

WORDS = st.sampled_from(
    [
        "/ltv",
        "/cac",
        "/roi",
        "/retention",
        "/metric",
        "ltv",
        "retention_d7",
        "d1",
        "list",
        "channel=",
        "channels=",
        "campaign=",
        "kind=",
        "by=",
        "grain=",
        "vs=",
        "d=",
        "since=",
        "period=",
        "from=",
        "to=",
        "yesterday",
        "last-week",
        "mtd",
        "qtd",
        "tiktok",
        "抖音",
        "paid",
        "week",
        "2026-10",
        "2026-W53",
        "2026-Q5",
        "0000-01-01",
        "9999-12-31",
        "30d",
        "99999d",
        "6m",
        "=",
        ",",
        "，",
        "＝",
        "-1",
        "90",
        "0",
        "2026-02-29",
        "2024-02-29",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_query_or_a_clean_error(text: str) -> None:
    _parse_cleanly(text)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(WORDS, st.sampled_from(["", " ", "x", "1"]), WORDS), max_size=6))
def test_near_valid_questions_give_a_query_or_a_clean_error(parts) -> None:
    _parse_cleanly(" ".join(a + b + c for a, b, c in parts))


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(1901, 1, 1), max_value=date(9998, 12, 31)),
    st.sampled_from(["mtd", "qtd", "ytd", "last-week", "last-month", "yesterday", "since=6m"]),
)
def test_period_words_work_on_any_day(today: date, word: str) -> None:
    try:
        query = parse(f"/cac {word}", CATALOG, today)
    except QueryError as problem:
        assert "no complete day yet" in str(problem)
        return
    assert query.period.start <= query.period.end < today


def _parse_cleanly(text: str) -> None:
    try:
        query = parse(text, CATALOG, TODAY)
    except QueryError as problem:
        message = str(problem)
        assert message and "Traceback" not in message and len(message) < 400
        return
    assert query.period.start <= query.period.end <= date(2026, 11, 24)
