"""Amounts of money as people type them: "12,000", "12k", "1.2w", "1.2万", "¥12,000", "1.5m"."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# The database keeps money as NUMERIC(18, 2): anything from a quadrillion up cannot be stored.
MAX_AMOUNT = Decimal("1e15")
EXAMPLES = "e.g. 12000, 12,000, 12k, 1.2w or 1.5m"

_MULTIPLIERS = {
    "": Decimal(1),
    "k": Decimal(1_000),
    "千": Decimal(1_000),
    "w": Decimal(10_000),
    "万": Decimal(10_000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "million": Decimal(1_000_000),
    "百万": Decimal(1_000_000),
    "亿": Decimal(100_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
}
_SYMBOLS = "¥￥$€£"
_CODES = ("cny", "rmb", "usd", "eur", "gbp", "jpy", "hkd")
_NUMBER = re.compile(
    r"""^(?P<sign>[-+−]?)\s*
        (?P<number>(?:\d{1,3}(?:[,_\s]\d{3})+|\d+)(?:\.\d*)?|\.\d+)\s*
        (?P<suffix>[a-z千万百亿]*)$""",
    re.VERBOSE,
)


class MoneyError(ValueError):
    """An amount that cannot be used; the message says what to type instead."""


def _strip_currency(text: str) -> str:
    text = text.strip().lower()
    for code in _CODES:
        if text.startswith(code):
            text = text[len(code) :].strip()
        elif text.endswith(code):
            text = text[: -len(code)].strip()
    text = text.lstrip(_SYMBOLS).strip()
    if text.startswith(("-", "−", "+")) and text[1:].lstrip().startswith(tuple(_SYMBOLS)):
        text = text[0] + text[1:].lstrip().lstrip(_SYMBOLS)
    return text.removesuffix("元").removesuffix("块").strip()


def parse_decimal(text: str, allow_zero: bool = False) -> Decimal:
    """The exact amount in `text` rounded to cents; MoneyError for garbage, zero or negatives."""
    if text is None or not str(text).strip():
        raise MoneyError(f"Enter an amount, {EXAMPLES}.")
    raw = str(text).strip()
    match = _NUMBER.match(_strip_currency(raw))
    if not match or match.group("suffix") not in _MULTIPLIERS:
        raise MoneyError(f'"{raw}" is not an amount; write it {EXAMPLES}.')
    digits = re.sub(r"[,_\s]", "", match.group("number"))
    try:
        value = Decimal(digits) * _MULTIPLIERS[match.group("suffix")]
    except InvalidOperation:
        raise MoneyError(f'"{raw}" is not an amount; write it {EXAMPLES}.') from None
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if match.group("sign") in ("-", "−") and value != 0:
        raise MoneyError(f'The amount cannot be negative ("{raw}"); enter what you need.')
    if value < 0 or (value == 0 and not allow_zero):
        raise MoneyError(f'The amount must be more than zero ("{raw}").')
    if value >= MAX_AMOUNT:
        raise MoneyError(f'"{raw}" is too large an amount; check the number of zeros.')
    return value


def parse_money(text: str, allow_zero: bool = False) -> float:
    """The amount in `text` as a float rounded to cents; MoneyError says what is wrong."""
    return float(parse_decimal(text, allow_zero))


def cents(amount: float) -> Decimal:
    """`amount` as an exact Decimal of cents, for comparisons and SQL that must not drift."""
    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


NO_DATA = "no data"
# Symbol in front of the amount; other currencies get the code after it ("1,234 CHF").
CURRENCY_SYMBOLS = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "KRW": "₩"}
# Currencies that have no cents in practice.
WHOLE_UNITS = {"JPY", "KRW"}
# Yuan amounts show their fen below this (a CAC of ¥394.87 should read exactly); above it
# they are whole yuan, where fen are noise.
YUAN_CENTS_BELOW = 10_000


def whole_amounts(amounts: list[float | None], currency: str) -> bool:
    """Whether one answer's amounts all show in whole units: always for JPY and KRW; for CNY
    when any is large (from YUAN_CENTS_BELOW on) or all are whole; never for the others."""
    code = currency.upper()
    if code in WHOLE_UNITS:
        return True
    if code != "CNY":
        return False
    shown = [abs(a) for a in amounts if is_finite(a)]  # type: ignore[arg-type]
    return any(a >= YUAN_CENTS_BELOW for a in shown) or all(round(a, 2) == round(a) for a in shown)


def is_finite(value: float | None) -> bool:
    """True for a real, finite number (not None, NaN or infinity)."""
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def format_money(amount: float | None, currency: str, whole: bool | None = None) -> str:
    """ "¥1,234,567" and "¥394.87" (CNY), "$1,234.50" (USD), "€", "£", "₩", else "1,234 XXX".
    `whole` forces whole units (True) or cents (False) where the currency has cents, so the
    amounts of one answer share one precision."""
    if not is_finite(amount):
        return NO_DATA
    code = currency.upper()
    if code in WHOLE_UNITS or whole is None:
        whole = code in WHOLE_UNITS or (
            code == "CNY" and (abs(amount) >= YUAN_CENTS_BELOW or round(amount, 2) == round(amount))  # type: ignore[arg-type]
        )
    number = f"{abs(amount):,.0f}" if whole else f"{abs(amount):,.2f}"  # type: ignore[arg-type]
    sign = "-" if amount < 0 and number.strip("0,.") else ""  # type: ignore[operator]
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"
