"""A question as units: normalised text cut into words, numbers, dates and Chinese characters.

Chinese has no spaces, so each Chinese character is a unit and the lexicon matches runs of
them (longest first); English is cut into words. Full-width letters, digits and punctuation
(as Chinese keyboards type them) are folded to their ASCII forms first (NFKC).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Language = Literal["en", "zh"]
UnitKind = Literal["word", "num", "date", "han", "sym"]

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff〇"
# A day or a month written as digits (2026-09-01, 2026-10), a number, a word, one Chinese
# character, or the slash of "ltv/cac". Everything else separates units.
_UNITS = re.compile(
    rf"(?P<date>\d{{4}}-\d{{1,2}}(?:-\d{{1,2}})?(?![\d-]))|(?P<num>\d+)|(?P<word>[a-z]+)"
    rf"|(?P<han>[{_HAN}])|(?P<sym>/|~|—|–|(?<=[\d{_HAN}])\s*-\s*(?=[\d{_HAN}]))"
)
# The dashes and tildes of "9月1日-9月30日", "Oct~Nov": from one to the other.
RANGE_MARKS = frozenset({"~", "—", "–", "-"})
_HAN_CHARS = re.compile(f"[{_HAN}]")
_HAN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_HAN_TENS = {"十": 10, "百": 100}
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}
MAX_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit of a question: its kind, its normalised text, and where it was typed."""

    kind: UnitKind
    text: str
    start: int
    end: int


def normalise(text: str) -> str:
    """Full-width forms folded to ASCII (NFKC), lower case, curly quotes straightened."""
    return unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")


def units(text: str) -> list[Unit]:
    """The units of already normalised text, in order."""
    out = []
    for match in _UNITS.finditer(text):
        kind = match.lastgroup
        piece = match.group().strip()
        out.append(Unit(kind, piece, match.start(), match.end()))  # type: ignore[arg-type]
    return out


def language_of(text: str) -> Language:
    """zh when the question has any Chinese character, else en."""
    return "zh" if _HAN_CHARS.search(text) else "en"


def han_number(chars: str) -> int | None:
    """The value of Chinese numerals ("三十" 30, "十一" 11, "两" 2, "二〇二五" 2025), or None."""
    if not chars or any(c not in _HAN_DIGITS and c not in _HAN_TENS for c in chars):
        return None
    if len(chars) > 1 and all(c in _HAN_DIGITS for c in chars):
        return int("".join(str(_HAN_DIGITS[c]) for c in chars))
    total = current = 0
    for char in chars:
        if char in _HAN_DIGITS:
            current = _HAN_DIGITS[char]
        else:
            total += (current or 1) * _HAN_TENS[char]
            current = 0
    return total + current


def read_number(found: list[Unit], index: int) -> tuple[int, int] | None:
    """The number starting at unit `index` (digits, an English number word or a run of
    Chinese numerals) and the index after it; None when there is none."""
    unit = found[index]
    if unit.kind == "num":
        return (int(unit.text), index + 1) if len(unit.text) <= MAX_DIGITS else None
    if unit.kind == "word":
        value = _WORD_NUMBERS.get(unit.text)
        return None if value is None else (value, index + 1)
    if unit.kind != "han" or (unit.text not in _HAN_DIGITS and unit.text not in _HAN_TENS):
        return None
    end = index
    while (
        end < len(found)
        and end - index < MAX_DIGITS
        and found[end].kind == "han"
        and (found[end].text in _HAN_DIGITS or found[end].text in _HAN_TENS)
    ):
        end += 1
    value = han_number("".join(u.text for u in found[index:end]))
    return None if value is None else (value, end)


# --------------------------------------------------------------------------- typos


def osa_distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent swaps counted once (optimal string alignment); any value
    over `limit` comes back as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def allowed_typos(word: str) -> int:
    """How many edits a typed word may be from a known one: none under 4 letters (too many
    short words are one edit apart), one up to 6, two from 7."""
    if len(word) < 4:
        return 0
    return 1 if len(word) <= 6 else 2


def deletes(word: str, depth: int) -> set[str]:
    """Every string made by deleting up to `depth` letters of `word` (a typo index's keys)."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found
