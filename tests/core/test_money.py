"""Amount parsing: the ways people write money, and clear refusals for the rest."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.money import MoneyError, format_money, parse_decimal, parse_money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12000", 12000),
        ("12,000", 12000),
        ("12k", 12000),
        ("12K", 12000),
        ("1.2w", 12000),
        ("1.2W", 12000),
        ("1.2万", 12000),
        ("¥12,000", 12000),
        ("￥1.2 万", 12000),
        ("1.5m", 1_500_000),
        ("2亿", 200_000_000),
        ("$1,200.50", 1200.5),
        ("CNY 3000", 3000),
        ("3000 rmb", 3000),
        ("3000元", 3000),
        ("12 000", 12000),
        ("0.5", 0.5),
        (".5", 0.5),
        ("+5", 5),
        ("19.999", 20.0),
    ],
)
def test_accepted_forms(text: str, expected: float) -> None:
    assert parse_money(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Enter an amount"),
        ("   ", "Enter an amount"),
        ("abc", "is not an amount"),
        ("1,2", "is not an amount"),
        ("1.2.3", "is not an amount"),
        ("12kk", "is not an amount"),
        ("1e5", "is not an amount"),
        ("nan", "is not an amount"),
        ("inf", "is not an amount"),
        ("-5", "cannot be negative"),
        ("-¥5", "cannot be negative"),
        ("0", "more than zero"),
        ("0.001", "more than zero"),
        ("99999999999999999", "too large"),
    ],
)
def test_refused_with_a_clear_message(text: str, says: str) -> None:
    with pytest.raises(MoneyError, match=says):
        parse_money(text)


def test_zero_allowed_when_asked() -> None:
    assert parse_money("0", allow_zero=True) == 0
    with pytest.raises(MoneyError, match="negative"):
        parse_money("-1", allow_zero=True)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e12"), places=2))
def test_any_written_amount_round_trips(value: Decimal) -> None:
    plain = f"{value:f}"
    grouped = f"{value:,f}"
    assert parse_decimal(plain) == value
    assert parse_decimal(grouped) == value
    assert parse_decimal(f"¥{grouped}") == value
    assert parse_decimal(f"{value / 1000:f}k") == value


@given(st.text(max_size=20))
def test_anything_typed_is_a_positive_amount_or_a_money_error(text: str) -> None:
    try:
        value = parse_decimal(text)
    except MoneyError as error:
        assert str(error)
    else:
        assert value > 0
        assert value == value.quantize(Decimal("0.01"))


def test_money_text_reads_naturally() -> None:
    assert format_money(1_800_000, "CNY").replace(",", "") in ("¥1800000", "¥1800000.00")
    assert format_money(1200.5, "USD").startswith("$1,200.5")
