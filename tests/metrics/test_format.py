"""Numbers as people read them, and the JSON form of an answer."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date

import pytest

from bot.core.settings import Settings
from bot.metrics.drivers import Driver
from bot.metrics.format import (
    answer_whole,
    breakdown_lines,
    context_parts,
    format_change_line,
    format_metric_value,
    format_money,
    headline,
    metric_title,
    metrics_list_text,
    result_as_json,
    result_as_text,
    series_lines,
    why_line,
)
from bot.metrics.query import Filters, Period, Query
from bot.metrics.registry import METRICS
from bot.metrics.result import Point, Result, Row

BY_NAME = {metric.name: metric for metric in METRICS}


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1234567.4, "CNY", "¥1,234,567"),
        (1234.5, "USD", "$1,234.50"),
        (0.5, "EUR", "€0.50"),
        (99, "GBP", "£99.00"),
        (1234567, "KRW", "₩1,234,567"),
        (1234, "JPY", "¥1,234"),
        (1234.5, "CHF", "1,234.50 CHF"),
        (-42.1, "USD", "-$42.10"),
        (-0.001, "USD", "$0.00"),
        (None, "USD", "no data"),
        (math.nan, "USD", "no data"),
        (math.inf, "CNY", "no data"),
    ],
)
def test_money(amount: float | None, currency: str, shown: str) -> None:
    assert format_money(amount, currency) == shown


@pytest.mark.parametrize(
    ("metric", "value", "shown"),
    [
        ("roi", 5.7123, "1:5.7"),
        ("ltv_cac", 3.44, "3.4x"),
        ("retention", 0.342, "34.2%"),
        ("lead_conversion", 0, "0.0%"),
        ("new_customers", 12345, "12,345"),
        ("cac", 87.6, "¥87.60"),
        ("spend", 12345.6, "¥12,346"),
        ("cac", 88.0, "¥88"),
        ("roi", None, "no data"),
        ("ltv_cac", math.nan, "no data"),
        ("retention", -math.inf, "no data"),
    ],
)
def test_metric_values(metric: str, value: float | None, shown: str) -> None:
    assert format_metric_value(value, BY_NAME[metric], "CNY") == shown


def _result(**changes: object) -> Result:
    query = Query(
        metric=BY_NAME["cac"],
        period=Period(date(2026, 9, 1), date(2026, 9, 30), "2026-09"),
        filters=Filters(channels=("tiktok", "douyin"), kind="paid"),
        by="channel",
        grain="week",
        text="/cac channel=tiktok,douyin kind=paid by=channel grain=week period=2026-09",
    )
    values: dict = {
        "query": query,
        "value": 80.0,
        "numerator": 8000.0,
        "denominator": 100.0,
        "previous_value": 100.0,
        "sample_size": 100,
        "breakdown": (
            Row("tiktok", "TikTok", 60.0, 3000.0, 50.0),
            Row("douyin", "抖音", None, 0.0, 0.0, "no new customers for douyin in this period"),
        ),
        "series": (Point(date(2026, 9, 1), 70.0), Point(date(2026, 9, 7), None)),
        "data_through": date(2026, 11, 24),
    }
    values.update(changes)
    return Result(**values)


def test_result_as_json_has_every_field_and_serialises() -> None:
    data = result_as_json(_result())
    assert json.loads(json.dumps(data)) == data
    assert data["metric"] == "cac" and data["unit"] == "currency"
    assert data["value"] == 80.0 and data["previous_value"] == 100.0
    assert data["change"] == pytest.approx(-0.2)
    assert data["period"] == {"from": "2026-09-01", "to": "2026-09-30"}
    assert data["previous_period"] == {"from": "2026-08-02", "to": "2026-08-31"}
    assert data["filters"] == {"channel": ["tiktok", "douyin"], "kind": "paid"}
    assert data["breakdown"][1] == {
        "key": "douyin",
        "label": "抖音",
        "value": None,
        "numerator": 0.0,
        "denominator": 0.0,
        "note": "no new customers for douyin in this period",
        "projected_value": None,
    }
    assert data["series"] == [
        {"date": "2026-09-01", "value": 70.0},
        {"date": "2026-09-07", "value": None},
    ]
    assert data["data_through"] == "2026-11-24"
    assert {"by", "grain", "d", "note", "sample_size", "maturity", "query", "label"} <= set(data)


def test_json_never_carries_nan_or_infinity() -> None:
    data = result_as_json(_result(value=math.nan, previous_value=math.inf))
    assert data["value"] is None and data["previous_value"] is None and data["change"] is None
    json.dumps(data, allow_nan=False)


def test_text_forms() -> None:
    result = _result()
    assert metric_title(result.query) == (
        "CAC · tiktok, douyin / paid · 2026-09 (2026-09-01 to 2026-09-30)"
    )
    assert format_change_line(result, "CNY") == "▼ 20.0% vs previous period (¥100) (better)"
    assert context_parts(result)[0] == "n = 100 new customers"
    assert breakdown_lines(result, "CNY")[1].endswith(
        "no data  (no new customers for douyin in this period)"
    )
    assert series_lines(result, "CNY") == ["2026-09-01  ¥70", "2026-09-07  no data"]
    text = result_as_text(result, Settings(_env_file=None))  # type: ignore[call-arg]
    assert "¥80" in text and "TikTok" in text and "nan" not in text.lower()
    nothing = _result(value=None, previous_value=None, note="no spend for tiktok in this period")
    assert "no data" in result_as_text(nothing, Settings(_env_file=None))  # type: ignore[call-arg]


def test_metrics_list_names_every_metric() -> None:
    text = metrics_list_text()
    for name in BY_NAME:
        assert f"• {name}" in text


def test_a_percent_metric_changes_in_points() -> None:
    query = Query(
        metric=BY_NAME["retention"],
        period=Period(date(2026, 9, 1), date(2026, 9, 30)),
        day_n=1,
    )
    result = Result(query=query, value=0.329, numerator=0, denominator=0, previous_value=0.342)
    assert format_change_line(result, "CNY") == "▼ 1.3 pp vs previous period (34.2%) (worse)"
    assert result.change_points == pytest.approx(-1.3)
    assert result_as_json(result)["change_points"] == pytest.approx(-1.3)
    assert result_as_json(result)["change"] == pytest.approx((0.329 - 0.342) / 0.342)
    # Money keeps its relative change, and says when the comparison is at the same age.
    money = _result(same_age=True)
    assert format_change_line(money, "CNY") == (
        "▼ 20.0% vs previous period (¥100) (better) · compared at the same age"
    )
    assert _result().change_points is None


def test_one_answer_uses_one_precision_for_its_amounts() -> None:
    rows = (Row("tiktok", "TikTok", 709.51, 7095.1, 10.0), Row("douyin", "抖音", 373.0, 373.0, 1.0))
    result = _result(value=373.0, previous_value=400.0, breakdown=rows, series=())
    text = result_as_text(result, Settings(_env_file=None))  # type: ignore[call-arg]
    assert "¥373.00" in text and "¥709.51" in text and "¥400.00" in text
    assert "¥373\n" not in text
    # Whole yuan when every amount is whole, or any is 10,000 or more.
    whole = _result(value=373.0, previous_value=12000.5, breakdown=(), series=())
    assert "¥373" in result_as_text(whole, Settings(_env_file=None))  # type: ignore[call-arg]
    assert answer_whole(whole, "CNY") is True and answer_whole(whole, "USD") is False


def test_zero_is_a_count_not_no_data() -> None:
    assert format_metric_value(0, BY_NAME["new_customers"], "CNY") == "0"
    assert format_metric_value(0.0, BY_NAME["spend"], "CNY") == "¥0"


def test_the_why_line_names_the_largest_drivers() -> None:
    drivers = (
        Driver("channel", "baidu", "百度", 11.2, 10.0, 1.2, "more of the mix"),
        Driver("channel", "wechat", "微信", 2.1, 0.1, 2.0, "dearer"),
        Driver("channel", "tiktok", "TikTok", -1.3, -0.7, -0.6, ""),
        Driver("channel", "douyin", "抖音", 0.001, 0.0, 0.001, "dearer"),
        Driver("campaign", "c1", "Spring", 14.0, 14.0, 0.0, "more of the mix"),
        Driver("campaign", "c2", "Launch", -3.0, 0.0, -3.0, "cheaper"),
    )
    result = _result(drivers=drivers, query=replace(_result().query, by=None))
    assert why_line(result, "CNY", whole=False) == (
        "Why: baidu +¥11.20 (more of the mix), wechat +¥2.10 (dearer), tiktok −¥1.30"
    )
    # A question by campaign explains by campaign, by the campaigns' names.
    assert why_line(_result(drivers=drivers), "CNY", whole=False) is not None
    by_campaign = _result(drivers=drivers, query=replace(_result().query, by="campaign"))
    assert why_line(by_campaign, "CNY", whole=False) == (
        "Why: Spring +¥14.00 (more of the mix), Launch −¥3.00 (cheaper)"
    )
    json_drivers = result_as_json(result)["drivers"]
    assert json_drivers[0] == {
        "by": "channel",
        "key": "baidu",
        "label": "百度",
        "effect": 11.2,
        "mix": 10.0,
        "rate": 1.2,
    }


def test_a_young_cohort_reads_so_far_and_projected() -> None:
    query = Query(metric=BY_NAME["ltv"], period=Period(date(2026, 9, 1), date(2026, 9, 30)))
    young = Result(
        query=query,
        value=141.0,
        numerator=0,
        denominator=1,
        maturity=0.08,
        projected_value=302.0,
        window_days=180,
        so_far=True,
    )
    assert headline(young, "CNY", True) == "¥141 so far, 8% mature · projected ¥302 at 180 days"
    assert "cohort 8% mature" not in context_parts(young)
    data = result_as_json(young)
    assert data["projected_value"] == 302.0 and data["so_far"] is True
    assert data["window_days"] == 180
