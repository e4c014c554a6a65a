"""The lexicon: every phrase in a trie of units, matched longest first, with typo tolerance.

Built once and kept: the static part (words.py and the registry's metric names) until a
metric is registered, the catalog part (channel and campaign names) per catalog. A question
is then matched unit by unit: at each position the longest phrase wins (so "上周" beats
"上", "自然流量" beats "自然"), ties going to the more specific kind of word.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.language.text import (
    RANGE_MARKS,
    Unit,
    allowed_typos,
    deletes,
    normalise,
    osa_distance,
    read_number,
)
from bot.language.text import units as cut
from bot.language.when import When
from bot.language.words import (
    CUES,
    KNOWN_CHANNELS,
    METRIC_PHRASES,
    OPTIONS,
    RETENTION,
    STOP_WORDS,
    WEAK_ALIASES,
    WHEN,
    WHICH_CAMPAIGN,
    WHICH_CHANNEL,
    Sense,
)
from bot.metrics import METRICS, Catalog

# On a tie in length, the more specific kind of word wins.
RANKS = {
    "metric": 9,
    "when": 8,
    "channel": 7,
    "campaign": 6,
    "kind": 5,
    "by": 4,
    "grain": 4,
    "vs": 4,
    "day": 3,
    "cue": 2,
    "stop": 1,
}
_SLOT = "zzslotzz"
# A phrase matched: the unit after it, its sense, the numbers it held.
Hit = tuple[int, Sense, list[int]]
MIN_YEAR, MAX_YEAR = 1900, 2100


class _Node:
    __slots__ = ("children", "number", "sense")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.number: _Node | None = None
        self.sense: Sense | None = None


@dataclass(slots=True)
class Token:
    """A matched phrase (or an unknown unit): its kind and value, where it is, as typed."""

    kind: str
    value: Any
    start: int
    end: int
    text: str
    weak: bool = False


@dataclass
class Trie:
    """Phrases cut into units; "{n}" matches a number."""

    root: _Node = field(default_factory=_Node)
    words: list[str] = field(default_factory=list)
    _known: set[str] = field(default_factory=set)
    _order: dict[str, int] = field(default_factory=dict)
    _typos: dict[str, list[str]] = field(default_factory=dict)

    def add(self, phrase: str, sense: Sense) -> None:
        """Add one phrase; a phrase already there keeps the sense of the higher rank."""
        parts = cut(normalise(phrase.replace("{n}", f" {_SLOT} ")))
        if not parts:
            return
        node = self.root
        for part in parts:
            if part.text == _SLOT:
                node.number = node.number or _Node()
                node = node.number
                continue
            node = node.children.setdefault(part.text, _Node())
            self._known.add(part.text)
            # A typo is read as a word that means something, never as a filler word.
            if part.kind == "word" and sense.kind != "stop" and part.text not in self._order:
                self._order[part.text] = len(self.words)
                self.words.append(part.text)
        if node.sense is None or RANKS[sense.kind] > RANKS[node.sense.kind]:
            node.sense = sense

    def index_typos(self) -> None:
        """Index every word by its deletions, for close matches of typed words."""
        for known in self.words:
            for key in deletes(known, 2 if len(known) >= 6 else 1):
                self._typos.setdefault(key, []).append(known)

    def knows(self, word: str) -> bool:
        """True when `word` is a word of some phrase."""
        return word in self._known

    def closest(self, typed: str) -> tuple[int, str] | None:
        """The known word nearest to `typed` within its allowed typos, and how near."""
        limit = allowed_typos(typed)
        if limit == 0:
            return None
        near: set[str] = set()
        for key in deletes(typed, limit):
            near.update(self._typos.get(key, ()))
        # The nearest word; of equally near ones, the one added first (deterministic).
        ranked = sorted((osa_distance(typed, known, limit), self._order[known]) for known in near)
        if not ranked or ranked[0][0] > limit:
            return None
        return ranked[0][0], self.words[ranked[0][1]]

    def longest(self, found: list[Unit], texts: list[str], index: int) -> Hit | None:
        """The longest phrase starting at unit `index`: (end, sense, its numbers)."""
        best: Hit | None = None
        stack: list[tuple[_Node, int, list[int]]] = [(self.root, index, [])]
        while stack:
            node, at, numbers = stack.pop()
            if (
                node.sense is not None
                and at > index
                and (
                    best is None
                    or at > best[0]
                    or (at == best[0] and RANKS[node.sense.kind] > RANKS[best[1].kind])
                )
            ):
                best = (at, node.sense, numbers)
            if at >= len(found):
                continue
            child = node.children.get(texts[at])
            if child is not None:
                stack.append((child, at + 1, numbers))
            if node.number is not None:
                number = read_number(found, at)
                if number is not None:
                    stack.append((node.number, number[1], [*numbers, number[0]]))
        return best


def _metric_words(metric_names: Iterable[str]) -> list[tuple[str, Sense]]:
    """The registry's names, aliases and labels, and the phrases of words.py, per metric."""
    out: list[tuple[str, Sense]] = []
    for metric in METRICS:
        strong = Sense("metric", (metric.name, None))
        weak = Sense("metric", (metric.name, None), weak=True)
        for alias in (metric.name, metric.label, *metric.aliases):
            out.append((alias.replace("_", " "), weak if alias in WEAK_ALIASES else strong))
    for name, phrases in METRIC_PHRASES.items():
        if name in metric_names:
            out += [(phrase, Sense("metric", (name, None))) for phrase in phrases.split("|")]
    return out


def _build_static() -> Trie:
    trie = Trie()
    names = {metric.name for metric in METRICS}
    for phrase, sense in _metric_words(names):
        trie.add(phrase, sense)
    if "retention" in names:
        for phrase, sense in RETENTION:
            trie.add(phrase, sense)
    for phrase, sense in [*WHEN, *OPTIONS, *CUES]:
        trie.add(phrase, sense)
    for phrase in STOP_WORDS.split("|"):
        trie.add(phrase, Sense("stop"))
    for phrase in WHICH_CHANNEL.split("|"):
        trie.add(phrase, Sense("by", "channel"))
    for phrase in WHICH_CAMPAIGN.split("|"):
        trie.add(phrase, Sense("by", "campaign"))
    trie.index_typos()
    return trie


def _build_catalog(catalog: Catalog) -> Trie:
    trie = Trie()
    keys = {channel.key.lower(): channel.key for channel in catalog.channels}
    for word, key in catalog.channel_aliases().items():
        trie.add(word, Sense("channel", key))
    for known, phrases in KNOWN_CHANNELS.items():
        if known in keys:
            for phrase in phrases.split("|"):
                trie.add(phrase, Sense("channel", keys[known]))
    for word, campaign_id in catalog.campaign_aliases().items():
        trie.add(word, Sense("campaign", campaign_id))
    trie.index_typos()
    return trie


_lock = threading.Lock()
_static: tuple[tuple[int, ...], Trie] | None = None
_catalogs: dict[int, tuple[Catalog, Trie]] = {}
_by_content: dict[tuple[Any, ...], Trie] = {}
_KEEP_CATALOGS = 8


def static_lexicon() -> Trie:
    """The lexicon of words.py and the registry (rebuilt only when a metric is registered)."""
    global _static
    key = tuple(id(metric) for metric in METRICS)
    current = _static
    if current is not None and current[0] == key:
        return current[1]
    with _lock:
        if _static is None or _static[0] != key:
            _static = (key, _build_static())
        return _static[1]


def catalog_lexicon(catalog: Catalog) -> Trie:
    """The channel and campaign words of `catalog` (built once per catalog)."""
    cached = _catalogs.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    content = (catalog.channels, catalog.campaigns)
    with _lock:
        trie = _by_content.get(content)
        if trie is None:
            if len(_by_content) >= _KEEP_CATALOGS:
                _by_content.pop(next(iter(_by_content)))
            trie = _by_content[content] = _build_catalog(catalog)
        if len(_catalogs) >= _KEEP_CATALOGS:
            _catalogs.pop(next(iter(_catalogs)))
        _catalogs[id(catalog)] = (catalog, trie)
        return trie


def correct(found: list[Unit], tries: tuple[Trie, ...]) -> tuple[list[str], dict[str, str]]:
    """Each unit's text with English typos corrected to the nearest known word, and the
    corrections made (typed -> known)."""
    texts = [unit.text for unit in found]
    fixed: dict[str, str] = {}
    for index, unit in enumerate(found):
        if unit.kind != "word" or any(trie.knows(unit.text) for trie in tries):
            continue
        options = [near for trie in tries if (near := trie.closest(unit.text)) is not None]
        if options:
            texts[index] = min(options, key=lambda option: option[0])[1]
            fixed[unit.text] = texts[index]
    return texts, fixed


def match(found: list[Unit], texts: list[str], tries: tuple[Trie, ...], said: str) -> list[Token]:
    """The tokens of a question (`said`, normalised, cut into `found`): at each position the
    longest phrase of any trie, else a date, a year, or an unknown unit."""
    tokens: list[Token] = []
    index = 0
    while index < len(found):
        best: Hit | None = None
        for trie in tries:
            hit = trie.longest(found, texts, index)
            if hit is not None and (
                best is None
                or hit[0] > best[0]
                or (hit[0] == best[0] and RANKS[hit[1].kind] > RANKS[best[1].kind])
            ):
                best = hit
        unit = found[index]
        if best is not None:
            end, sense, numbers = best
            text = said[unit.start : found[end - 1].end]
            try:
                value = sense.resolved(numbers)
            except (ValueError, TypeError):
                value = None
            kind = sense.kind if value is not None or sense.kind in ("stop", "cue") else "unknown"
            tokens.append(Token(kind, value, index, end, text, sense.weak))
            index = end
            continue
        tokens.append(_plain_unit(unit, index))
        index += 1
    return tokens


def _plain_unit(unit: Unit, index: int) -> Token:
    """A unit no phrase starts with: a day or month in digits, a year, or unknown."""
    if unit.kind == "date":
        parts = [int(part) for part in unit.text.split("-")]
        if len(parts) == 3:
            when = When("day", year=parts[0], month=parts[1], day=parts[2])
        else:
            when = When("month", year=parts[0], month=parts[1])
        return Token("when", when, index, index + 1, unit.text)
    if unit.kind == "num" and len(unit.text) == 4 and MIN_YEAR <= int(unit.text) <= MAX_YEAR:
        return Token("when", When("year", year=int(unit.text)), index, index + 1, unit.text)
    if unit.kind == "sym":
        if unit.text in RANGE_MARKS:
            return Token("cue", "to", index, index + 1, unit.text)
        return Token("stop", None, index, index + 1, unit.text)
    return Token("unknown", None, index, index + 1, unit.text)
