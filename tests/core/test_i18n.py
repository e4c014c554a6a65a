"""Messages in the reader's language: the catalog lookup, messages said later (Msg), and the
Chinese style of money (万, 亿) and dates (11月30日) on both sides of their thresholds. The
expected strings are written out by hand."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from bot.core.i18n import Msg, joined, language_or_default, words
from bot.core.money import Money, MoneyError, format_money, parse_decimal
from bot.core.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("amount", "zh", "en"),
    [
        (9_999.5, "¥9,999.50", "¥9,999.50"),  # under 万: as in English
        (9_999, "¥9,999", "¥9,999"),
        (10_000, "¥1万", "¥10,000"),  # from 万 on
        (123_000, "¥12.3万", "¥123,000"),
        (123_456, "¥12.35万", "¥123,456"),
        (12_345_678, "¥1,234.57万", "¥12,345,678"),
        (99_999_999, "¥1亿", "¥99,999,999"),  # rounds to 10,000万: 1亿
        (99_994_999, "¥9,999.5万", "¥99,994,999"),
        (100_000_000, "¥1亿", "¥100,000,000"),  # from 亿 on
        (123_456_789, "¥1.23亿", "¥123,456,789"),
        (-150_000, "-¥15万", "-¥150,000"),
        (-9_999, "-¥9,999", "-¥9,999"),
    ],
)
def test_yuan_amounts_in_chinese_count_in_wan_and_yi(amount: float, zh: str, en: str) -> None:
    assert format_money(amount, "CNY", language="zh") == zh
    assert format_money(amount, "CNY") == en


def test_other_currencies_keep_their_style_in_chinese() -> None:
    assert format_money(12_000, "USD", language="zh") == "$12,000.00"
    assert format_money(None, "CNY", language="zh") == "无数据"
    assert Money(250_000, "CNY").say("zh") == "¥25万"
    assert Money(250_000, "CNY").say("en") == "¥250,000"


@pytest.mark.parametrize(
    ("day", "zh", "en"),
    [
        (date(2026, 11, 30), "11月30日", "30 Nov"),
        (date(2026, 1, 1), "1月1日", "1 Jan"),
        (date(2025, 12, 31), "2025年12月31日", "31 Dec 2025"),  # another year: with it
    ],
)
def test_days_in_chinese_style_with_the_year_only_when_it_differs(
    day: date, zh: str, en: str
) -> None:
    assert words("zh").day_in_year(day, 2026) == zh
    assert words("en").day_in_year(day, 2026) == en


def test_days_with_year_and_weekday() -> None:
    monday = date(2026, 11, 30)
    assert words("zh").day(monday, year=True, weekday=True) == "2026年11月30日 周一"
    assert words("en").day(monday, year=True, weekday=True) == "Mon 30 Nov 2026"


def test_a_message_said_later_is_english_until_said_in_chinese() -> None:
    message = Msg(
        "{period} is not over: counted up to {day}",
        period=Msg("this month"),
        day=date(2026, 11, 24),
    )
    assert message == "this month is not over: counted up to 2026-11-24"
    assert message.say("zh") == "本月尚未结束：统计到 2026年11月24日"
    # A stored message (JSON) is said the same way after it is read back.
    assert Msg.from_json(message.as_json()).say("zh") == message.say("zh")
    both = joined([Msg("no spend"), Msg("data starts {day}", day=date(2026, 9, 1))])
    assert both == "no spend; data starts 2026-09-01"
    assert words("zh").say(both) == "没有花费；数据从 2026年9月1日 开始"


def test_an_error_carrying_a_message_is_said_in_the_reader_s_language() -> None:
    with pytest.raises(MoneyError) as caught:
        parse_decimal("-5")
    assert str(caught.value) == 'The amount cannot be negative ("-5"); enter what you need.'
    assert words("zh").say(caught.value) == "金额不能为负数（“-5”）；请填写所需金额。"


def test_a_string_not_in_the_catalog_stays_as_it_is() -> None:
    assert words("zh")._("tiktok") == "tiktok"
    assert words("zh")._("") == ""
    assert words("xx") is words("en")


@pytest.mark.parametrize(
    ("said", "language"),
    [("zh", "zh"), ("zh-CN", "zh"), ("zh_TW", "zh"), ("中文", "zh"), ("en", "en"), ("fr", "en")],
)
def test_language_names(said: str, language: str) -> None:
    assert language_or_default(said) == language


def test_answers_in_two_languages_side_by_side_keep_their_own() -> None:
    """No global language: threads answering in English and Chinese at once each get theirs."""
    seen: dict[str, set[str]] = {"en": set(), "zh": set()}

    def answer(language: str) -> None:
        for _ in range(200):
            seen[language].add(words(language)._("Share to channel"))

    threads = [threading.Thread(target=answer, args=(lang,)) for lang in ("en", "zh") * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"en": {"Share to channel"}, "zh": {"分享到频道"}}


def test_the_language_setting_takes_en_or_zh() -> None:
    assert load_settings(_env_file=None, language="zh-CN").language == "zh"
    assert load_settings(_env_file=None, language="English").language == "en"
    with pytest.raises(SettingsError, match="Bad setting LANGUAGE: .*use en or zh"):
        load_settings(_env_file=None, language="fr")
