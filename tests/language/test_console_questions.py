"""Plain questions at the console: answered with what they were understood as, and an
unclear one's readings numbered, so typing a number answers that reading."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.console import answer_text, console_context
from bot.core.clock import ManualClock
from tests.slack_data import load_small_data_set

CLOCK = ManualClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))


def test_a_question_in_plain_words_is_answered_with_its_command(settings, db) -> None:
    load_small_data_set(db, settings, CLOCK)
    ctx = console_context(settings, db, CLOCK)
    shown = answer_text("what is our cac on tiktok in the last 30 days?", ctx)
    assert shown.startswith("Understood as /cac channel=tiktok since=30d\n")
    assert "¥500" in shown
    # Asked in Chinese, answered in Chinese.
    shown = answer_text("抖音上个月的获客成本", ctx)
    assert shown.startswith("理解为 /cac channel=douyin last-month\n获客成本 · douyin · 上个月")
    assert "¥900" in shown
    assert shown.endswith("输入编号按下按钮。")


def test_the_query_language_is_answered_as_before(settings, db) -> None:
    load_small_data_set(db, settings, CLOCK)
    ctx = console_context(settings, db, CLOCK)
    assert not answer_text("/ltv last month", ctx).startswith("Understood as")
    assert 'unknown channel "tiktk"' in answer_text("/ltv channel=tiktk", ctx)


def test_readings_are_numbered_and_a_number_picks_one(settings, db) -> None:
    ctx = console_context(settings, db, CLOCK)
    shown = answer_text("ltv and cac", ctx)
    assert "I am not sure what you mean: it names more than one metric." in shown
    assert "  1. /metric ltv_cac\n  2. /ltv\n  3. /cac\nType a number to choose one." in shown
    assert "[/ltv]" not in shown  # no button that cannot be pressed here
    assert answer_text("3", ctx).startswith("Understood as /cac\n")
    # The choice is used up: "3" is now a question of its own.
    assert "I am not sure what you mean" in answer_text("3", ctx)


def test_another_session_does_not_see_the_readings(settings, db) -> None:
    first, second = console_context(settings, db, CLOCK), console_context(settings, db, CLOCK)
    answer_text("ltv and cac", first)
    assert "I am not sure what you mean" in answer_text("2", second)
    assert answer_text("2", first).startswith("Understood as /ltv\n")


def test_words_the_query_language_takes_without_a_slash_say_their_command(settings, db) -> None:
    ctx = console_context(settings, db, CLOCK)
    assert answer_text("spend yesterday", ctx).startswith("Understood as /metric spend yesterday\n")
    assert answer_text("revenue last month", ctx).startswith(
        "Understood as /metric revenue last-month\n"
    )
    # Written with key=value, it is the query language itself.
    assert not answer_text("ltv channel=tiktok", ctx).startswith("Understood as")
