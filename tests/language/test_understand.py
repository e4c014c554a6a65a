"""Questions in plain English and Chinese understood as commands of the query language."""

from __future__ import annotations

from datetime import date

import pytest

from bot.language import understand
from bot.metrics.catalog import Catalog, ChannelInfo
from bot.metrics.parser import parse
from tests.language.shared import CATALOG, TODAY
from tests.language.table import CHINESE, ENGLISH, FULL_WIDTH, MIXED, TABLE, TYPOS


def test_the_table_is_large_and_covers_both_languages() -> None:
    assert len(TABLE) >= 150
    assert len({question for question, _ in TABLE}) == len(TABLE)
    assert len(CHINESE) >= 50 and len(ENGLISH) >= 50
    assert len(TYPOS) >= 10 and len(MIXED) >= 10 and len(FULL_WIDTH) >= 5


@pytest.mark.parametrize(("question", "command"), TABLE)
def test_a_question_is_understood_as_its_command(question: str, command: str) -> None:
    understood = understand(question, CATALOG, TODAY)
    assert understood.command == command, (understood.choices, understood.problem)
    assert understood.choices == ()


@pytest.mark.parametrize(("question", "command"), TABLE)
def test_the_command_asks_what_the_hand_written_one_asks(question: str, command: str) -> None:
    understood = understand(question, CATALOG, TODAY)
    got, want = parse(understood.command, CATALOG, TODAY), parse(command, CATALOG, TODAY)
    assert (got.metric.name, got.period, got.filters, got.by, got.day_n) == (
        want.metric.name,
        want.period,
        want.filters,
        want.by,
        want.day_n,
    )


def test_the_issue_example() -> None:
    understood = understand("抖音上周的获客成本", CATALOG, TODAY)
    assert understood.command == "/cac channel=douyin last-week"
    assert understood.language == "zh"
    query = parse(understood.command, CATALOG, TODAY)
    assert (query.period.start, query.period.end) == (date(2026, 11, 16), date(2026, 11, 22))


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("cac last week", "en"),
        ("抖音上周的获客成本", "zh"),
        ("douyin 上周 cac", "zh"),
        ("ＣＡＣ，上周？", "zh"),
        ("ＣＡＣ last week", "en"),
    ],
)
def test_the_language_asked_in_is_known(question: str, language: str) -> None:
    assert understand(question, CATALOG, TODAY).language == language


def test_typos_are_said_as_read() -> None:
    understood = understand("retnetion for douyn yesterdya", CATALOG, TODAY)
    assert understood.command == "/retention channel=douyin yesterday"
    assert dict(understood.corrected) == {
        "retnetion": "retention",
        "douyn": "douyin",
        "yesterdya": "yesterday",
    }


def test_words_under_four_letters_are_not_guessed_at() -> None:
    # "cas" is one letter from "cac", but so are too many short words.
    understood = understand("cas last week", CATALOG, TODAY)
    assert understood.command is None
    assert "cas" in understood.ignored


def test_an_unknown_word_is_ignored_when_the_rest_is_clear() -> None:
    understood = understand("please pull the cac for douyin last week asap", CATALOG, TODAY)
    assert understood.command == "/cac channel=douyin last-week"
    assert understood.ignored == ("asap",)


# --------------------------------------------------------------------------- unclear


@pytest.mark.parametrize(
    ("question", "choices", "problem"),
    [
        ("cac and roi last week", ("/cac last-week", "/roi last-week"), "more than one metric"),
        ("ltv and cac", ("/metric ltv_cac", "/ltv", "/cac"), "more than one metric"),
        ("ltv d7", ("/ltv", "/retention d=7"), "more than one metric"),
        (
            "ltv last week this month",
            ("/ltv last-week", "/ltv this-month"),
            "more than one period",
        ),
        ("cac last", ("/cac last-week", "/cac last-month", "/cac since=30d"), "which period"),
        (
            "today's revenue",
            (
                "/metric revenue yesterday",
                "/metric revenue this-week",
                "/metric revenue since=7d",
            ),
            "which period",
        ),
        (
            "spend by",
            (
                "/metric spend",
                "/metric spend by=channel",
                "/metric spend by=campaign",
                "/metric spend by=kind",
            ),
            '"by"',
        ),
        (
            "douyin last week",
            (
                "/cac channel=douyin last-week",
                "/ltv channel=douyin last-week",
                "/roi channel=douyin last-week",
                "/metric spend channel=douyin last-week",
                "/metric revenue channel=douyin last-week",
            ),
            "no metric",
        ),
        ("cac on kuaishou", ("/cac", "/cac by=channel"), '"kuaishou", which is no channel'),
        (
            "快手上周的获客成本",
            ("/cac last-week", "/cac by=channel last-week"),
            '"快手", which is no channel',
        ),
        ("/cac foo bar baz", ("/cac",), "most of its words are unknown"),
        ("双十一活动的投产比", ("/roi", "/roi by=campaign"), '"双十一", which is no campaign'),
        ("roi of the spring campaign", ("/roi", "/roi by=campaign"), '"spring", which is no'),
    ],
)
def test_an_unclear_question_gets_its_closest_readings(
    question: str, choices: tuple[str, ...], problem: str
) -> None:
    understood = understand(question, CATALOG, TODAY)
    assert understood.command is None
    assert understood.choices == choices
    assert problem in (understood.problem or "")


@pytest.mark.parametrize(
    "question", ["hello there", "tell me a joke", "", "   ", "？？？", "weather in beijing"]
)
def test_a_question_about_nothing_known_gets_examples(question: str) -> None:
    understood = understand(question, CATALOG, TODAY)
    assert understood.command is None
    assert understood.choices == (
        "/ltv last-week",
        "/cac by=channel last-month",
        "/retention d=7 since=30d",
    )
    assert "no metric, channel or period" in (understood.problem or "")


def test_a_misspelt_metric_too_far_off_is_suggested() -> None:
    understood = understand("revnu", CATALOG, TODAY)
    assert understood.command is None
    assert understood.choices == ("/metric revenue",)


def test_a_very_long_question_is_refused_quickly() -> None:
    understood = understand("cac " * 200, CATALOG, TODAY)
    assert understood.command is None
    assert "longer than 500 characters" in (understood.problem or "")
    assert understood.choices


def test_a_reading_the_query_language_refuses_today_is_not_offered() -> None:
    # On a Monday this week has no complete day: of "today"'s readings this-week goes.
    monday = date(2026, 11, 23)
    understood = understand("today's revenue", CATALOG, monday)
    assert understood.choices == ("/metric revenue yesterday", "/metric revenue since=7d")


# --------------------------------------------------------------------------- the catalog


def test_channels_come_from_the_catalog_in_either_language() -> None:
    catalog = Catalog(channels=(ChannelInfo("kuaishou", "Kuaishou / 快手", "paid"),))
    assert understand("快手上周的获客成本", catalog, TODAY).command == (
        "/cac channel=kuaishou last-week"
    )
    assert understand("cac on kuaishou", catalog, TODAY).command == "/cac channel=kuaishou"
    # Known names of a channel the catalog has under another display name.
    catalog = Catalog(channels=(ChannelInfo("douyin", "Douyin", "paid"),))
    assert understand("抖音的ltv", catalog, TODAY).command == "/ltv channel=douyin"
    # And none for a channel it does not have.
    assert understand("小红书的ltv", catalog, TODAY).command is None


def test_a_channel_name_wins_over_the_kind_of_the_same_name() -> None:
    with_channel = Catalog(channels=(ChannelInfo("organic", "Organic", "organic"),))
    assert understand("organic cac", with_channel, TODAY).command == "/cac channel=organic"
    assert understand("organic cac", Catalog(), TODAY).command == "/cac kind=organic"
