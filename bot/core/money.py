"""Amounts of money as people type them: "12,000", "12k", "1.2w", "1.2万", "¥12,000", "1.5m"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.core.i18n import DEFAULT_LANGUAGE, N_, Language, Msg, words

# The database keeps money as NUMERIC(18, 2): anything from a quadrillion up cannot be stored.
MAX_AMOUNT = Decimal("1e15")
EXAMPLES = N_("e.g. 12000, 12,000, 12k, 1.2w or 1.5m")

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
        raise MoneyError(Msg("Enter an amount, {examples}.", examples=Msg(EXAMPLES)))
    raw = str(text).strip()
    match = _NUMBER.match(_strip_currency(raw))
    if not match or match.group("suffix") not in _MULTIPLIERS:
        raise MoneyError(_not_an_amount(raw))
    digits = re.sub(r"[,_\s]", "", match.group("number"))
    try:
        value = Decimal(digits) * _MULTIPLIERS[match.group("suffix")]
    except InvalidOperation:
        raise MoneyError(_not_an_amount(raw)) from None
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if match.group("sign") in ("-", "−") and value != 0:
        raise MoneyError(
            Msg('The amount cannot be negative ("{raw}"); enter what you need.', raw=raw)
        )
    if value < 0 or (value == 0 and not allow_zero):
        raise MoneyError(Msg('The amount must be more than zero ("{raw}").', raw=raw))
    if value >= MAX_AMOUNT:
        raise MoneyError(Msg('"{raw}" is too large an amount; check the number of zeros.', raw=raw))
    return value


def _not_an_amount(raw: str) -> Msg:
    return Msg('"{raw}" is not an amount; write it {examples}.', raw=raw, examples=Msg(EXAMPLES))


def parse_money(text: str, allow_zero: bool = False) -> float:
    """The amount in `text` as a float rounded to cents; MoneyError says what is wrong."""
    return float(parse_decimal(text, allow_zero))


def cents(amount: float) -> Decimal:
    """`amount` as an exact Decimal of cents, for comparisons and SQL that must not drift."""
    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


NO_DATA = N_("no data")
# Symbol in front of the amount; other currencies get the code after it ("1,234 CHF").
CURRENCY_SYMBOLS = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "KRW": "₩"}
# Currencies that have no cents in practice.
WHOLE_UNITS = {"JPY", "KRW"}
# Yuan amounts show their fen below this (a CAC of ¥394.87 should read exactly); above it
# they are whole yuan, where fen are noise.
YUAN_CENTS_BELOW = 10_000
# In Chinese, yuan amounts from 10,000 on are counted in 万 (10^4) and from 10^8 in 亿:
# ¥12.3万, ¥1.2亿, with at most two decimals.
WAN = 10_000
YI = 100_000_000


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


def format_money(
    amount: float | None,
    currency: str,
    whole: bool | None = None,
    language: Language = DEFAULT_LANGUAGE,
) -> str:
    """ "¥1,234,567" and "¥394.87" (CNY), "$1,234.50" (USD), "€", "£", "₩", else "1,234 XXX";
    in Chinese large yuan amounts in 万 and 亿 ("¥123.46万"). `whole` forces whole units (True)
    or cents (False) where the currency has cents, so one answer's amounts share a precision."""
    if not is_finite(amount):
        return words(language)._(NO_DATA)
    code = currency.upper()
    size = abs(amount)  # type: ignore[arg-type]
    if language == "zh" and code == "CNY" and size >= WAN:
        # 99,999,999 rounds to 10,000万: that is 1亿.
        in_yi = size >= YI or round(size / WAN, 2) >= YI // WAN
        unit, scale = ("亿", YI) if in_yi else ("万", WAN)
        number = f"{size / scale:,.2f}".rstrip("0").rstrip(".")
        sign = "-" if amount < 0 else ""  # type: ignore[operator]
        return f"{sign}¥{number}{unit}"
    if code in WHOLE_UNITS or whole is None:
        whole = code in WHOLE_UNITS or (
            code == "CNY" and (size >= YUAN_CENTS_BELOW or round(size, 2) == round(size))
        )
    number = f"{size:,.0f}" if whole else f"{size:,.2f}"
    sign = "-" if amount < 0 and number.strip("0,.") else ""  # type: ignore[operator]
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"


@dataclass(frozen=True)
class Money:
    """An amount said in a message (Msg): formatted in the reader's language when shown."""

    amount: float | None
    currency: str
    whole: bool | None = None

    def say(self, language: Language) -> str:
        """The amount as format_money shows it in `language`."""
        return format_money(self.amount, self.currency, self.whole, language)
