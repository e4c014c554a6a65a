"""From matched words to readings: what a question asks, as commands of the query language.

The tokens of a question are gathered by kind (metrics, channels, time phrases ...); when
every kind gives one value the question has one reading, and when a kind gives several (two
metrics, two periods) or none where one is needed (no metric), the closest readings are
offered instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from bot.core.i18n import Msg
from bot.language.lexicon import Token
from bot.language.when import CALENDAR_WAYS, When, canonical
from bot.metrics import find_metric

# Offered, in this order, when a question names no metric.
COMMON_METRICS = ("cac", "ltv", "roi", "spend", "revenue")
MAX_READINGS = 5
# A period at least this long is charted by week when a trend is asked for.
WEEKLY_TREND_DAYS = 92
# What a dangling word may have meant: "last" a week or a month ...
CUE_PERIODS = {
    "last": ("last-week", "last-month", "since=30d"),
    "today": ("yesterday", "this-week", "since=7d"),
    "week": ("this-week", "last-week"),
    "month": ("this-month", "last-month"),
    "quarter": ("this-quarter", "last-quarter"),
}
CONTENT_KINDS = ("metric", "day", "channel", "campaign", "kind", "by", "grain", "vs", "when")


@dataclass(frozen=True)
class Reading:
    """One reading of a question: a metric and its options, as the query language has them."""

    metric: str
    day_n: int | None = None
    channels: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    kind: str | None = None
    by: str | None = None
    grain: str | None = None
    vs: str | None = None
    period: tuple[str, ...] = ()

    def command(self) -> str:
        """The canonical command, e.g. "/cac channel=douyin last-week"."""
        metric = find_metric(self.metric)
        name = metric.name if metric else self.metric
        head = metric.slash_command if metric and metric.slash_command else f"/metric {name}"
        parts = [head]
        if self.day_n is not None:
            parts.append(f"d={self.day_n}")
        if self.channels:
            parts.append("channel=" + ",".join(self.channels))
        if self.campaigns:
            parts.append("campaign=" + ",".join(_campaign_word(c) for c in self.campaigns))
        for key, value in (("kind", self.kind), ("by", self.by), ("grain", self.grain)):
            if value:
                parts.append(f"{key}={value}")
        if self.vs:
            parts.append(f"vs={self.vs}")
        parts.extend(self.period)
        return " ".join(parts)


def _campaign_word(campaign_id: str) -> str:
    if campaign_id == "":
        return "none"
    if any(c.isspace() or c == "," for c in campaign_id):
        return f'"{campaign_id}"'
    return campaign_id


@dataclass
class Parts:
    """The words of a question by kind, each list in the order typed and without repeats."""

    metrics: list[tuple[str, int | None]] = field(default_factory=list)
    weak: list[tuple[str, int | None]] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    bys: list[str] = field(default_factory=list)
    grains: list[str] = field(default_factory=list)
    vss: list[str] = field(default_factory=list)
    periods: list[tuple[str, ...]] = field(default_factory=list)
    cues: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)
    unknown_words: int = 0
    slot_unknown: list[str] = field(default_factory=list)
    campaign_unknown: list[str] = field(default_factory=list)
    # Time phrases naming no day that exists ("13月", "2月30日").
    no_such_periods: list[str] = field(default_factory=list)
    known: int = 0


def _add(items: list, value: object) -> None:  # type: ignore[type-arg]
    if value not in items:
        items.append(value)


# --------------------------------------------------------------------------- time phrases


def join_time_phrases(tokens: list[Token]) -> list[Token]:
    """Time phrases that belong together made one: a year and its month ("2025年10月",
    "Q3 2025"), a range ("9月1日到9月30日"), a start ("since Sep 1", "10月以来")."""
    seq = [t for t in tokens if t.kind != "stop" and not _is_cue(t, "slot", "slot_after")]
    used: set[int] = set()
    _qualify_years(seq, used)
    _join_ranges(seq, used)
    _join_starts(seq, used)
    dropped = {id(seq[i]) for i in used}
    return [t for t in tokens if id(t) not in dropped]


def _is_cue(token: Token, *values: str) -> bool:
    return token.kind == "cue" and token.value in values


def _calendar(token: Token, with_year: bool = True) -> bool:
    if token.kind != "when":
        return False
    when: When = token.value
    return when.way in CALENDAR_WAYS or (with_year and when.way == "year" and when.year is not None)


def _qualify_years(seq: list[Token], used: set[int]) -> None:
    for index, token in enumerate(seq):
        if token.kind != "when" or token.value.way != "year" or index in used:
            continue
        for other in (index + 1, index - 1):
            if 0 <= other < len(seq) and other not in used and _calendar(seq[other], False):
                target = seq[other]
                if not target.value.has_year:
                    target.value = target.value.in_year(token.value)
                    used.add(index)
                    break


def _join_ranges(seq: list[Token], used: set[int]) -> None:
    for index in range(len(seq) - 2):
        first, mark, last = seq[index], seq[index + 1], seq[index + 2]
        if {index, index + 2} & used or not _is_cue(mark, "to"):
            continue
        if _calendar(first) and _calendar(last):
            first.value = When("range", start=first.value, end=last.value)
            used.update({index + 1, index + 2})
            if index > 0 and _is_cue(seq[index - 1], "from", "since"):
                used.add(index - 1)


def _join_starts(seq: list[Token], used: set[int]) -> None:
    for index, token in enumerate(seq):
        if index in used or not _calendar(token):
            continue
        before = seq[index - 1] if index > 0 else None
        after = seq[index + 1] if index + 1 < len(seq) else None
        if before is not None and _is_cue(before, "since", "from") and (index - 1) not in used:
            used.add(index - 1)
        elif after is not None and _is_cue(after, "since_after") and (index + 1) not in used:
            used.add(index + 1)
        else:
            continue
        token.value = When("from", start=token.value)


# --------------------------------------------------------------------------- gathering


def gather(tokens: list[Token], today: date) -> Parts:
    """The words of a question sorted by kind, with its unknown words and where they sit."""
    parts = Parts()
    for index, token in enumerate(tokens):
        kind, value = token.kind, token.value
        if kind == "when":
            period = canonical(value, today)
            if period is None:
                parts.no_such_periods.append(token.text)
                continue
            _add(parts.periods, period)
        if kind in CONTENT_KINDS:
            parts.known += 1
        if kind == "metric":
            _add(parts.weak if token.weak else parts.metrics, value)
        elif kind == "day":
            _add(parts.days, value)
        elif kind in ("channel", "campaign", "kind", "by", "grain", "vs"):
            _add(getattr(parts, {"by": "bys", "vs": "vss"}.get(kind, kind + "s")), value)
        elif kind == "cue":
            parts.cues.add(value)
        elif kind == "unknown":
            _unknown(tokens, index, parts)
    return parts


def _unknown(tokens: list[Token], index: int, parts: Parts) -> None:
    """Count an unknown unit, and note the span it ends when it sits where a channel would."""
    token = tokens[index]
    if token.text.isdigit():
        return
    parts.unknown_words += 1 if token.text.isascii() else 0
    if index + 1 < len(tokens) and tokens[index + 1].kind == "unknown":
        return
    start = index
    while start > 0 and tokens[start - 1].kind == "unknown":
        start -= 1
    span = tokens[start : index + 1]
    glue = "" if all(not t.text.isascii() for t in span) else " "
    text = glue.join(t.text for t in span)
    if not text.isascii():
        parts.unknown_words += (len(text) + 1) // 2
    parts.unknown.append(text)
    if index + 1 < len(tokens) and _is_cue(tokens[index + 1], "campaign_after"):
        parts.campaign_unknown.append(text)
    elif _in_channel_slot(tokens, start, index):
        parts.slot_unknown.append(text)


def _in_channel_slot(tokens: list[Token], start: int, end: int) -> bool:
    """True for "on kuaishou", "for the X", "X channel", "快手上", "快手的", "快手上周" ..."""
    before = start - 1
    while before >= 0 and tokens[before].kind == "stop" and tokens[before].text.isascii():
        before -= 1
    if before >= 0 and _is_cue(tokens[before], "slot", "from"):
        return True
    if end + 1 >= len(tokens):
        return False
    after = tokens[end + 1]
    if _is_cue(after, "slot_after"):
        return True
    return not after.text.isascii() and after.text.startswith(("上", "的", "渠道", "平台"))


# --------------------------------------------------------------------------- readings


@dataclass
class Outcome:
    """The readings of a question: one when it is clear (`sure`), else the closest ones, with
    what made it unclear."""

    readings: list[Reading]
    sure: bool
    problems: list[Msg]


def build(parts: Parts) -> Outcome:
    """The readings the words allow, and whether there is exactly one."""
    problems: list[Msg] = []
    metrics = _metric_options(parts, problems)
    if not metrics:
        return Outcome([], False, [Msg("it names no metric, channel or period I know")])
    bys = list(parts.bys)
    kind = parts.kinds[0] if len(parts.kinds) == 1 else None
    if len(parts.kinds) > 1 and not bys:
        bys = ["kind"]  # "paid and organic": one row each
    if not bys and len(parts.channels) > 1 and "compare" in parts.cues:
        bys = ["channel"]
    if len(bys) > 1:
        problems.append(Msg("it asks for more than one breakdown"))
    if not bys and "by" in parts.cues:
        bys = [None, "channel", "campaign", "kind"]  # type: ignore[list-item]
        problems.append(Msg('it does not say what to break the numbers down "by"'))
    periods: list[tuple[str, ...]] = list(parts.periods)
    if len(periods) > 1:
        problems.append(Msg("it names more than one period"))
    if not periods:
        for cue, words in CUE_PERIODS.items():
            if cue in parts.cues:
                periods = [(w,) for w in words]
                problems.append(Msg("it does not say which period"))
                break
    grains = list(parts.grains)
    if not grains and "trend" in parts.cues:
        grains = [_trend_grain(periods[0] if periods else ())]
    if len(grains) > 1:
        problems.append(Msg("it asks for more than one grain"))
    if len(parts.vss) > 1:
        problems.append(Msg("it asks for more than one comparison"))
    base = Reading(
        metric=metrics[0][0],
        day_n=metrics[0][1],
        channels=tuple(parts.channels),
        campaigns=tuple(parts.campaigns),
        kind=kind,
        by=bys[0] if bys else None,
        grain=grains[0] if grains else None,
        vs=parts.vss[0] if parts.vss else None,
        period=periods[0] if periods else (),
    )
    readings = _vary(base, metrics, bys, grains, parts.vss, periods)
    if parts.slot_unknown:
        quoted = ", ".join(f'"{text}"' for text in parts.slot_unknown)
        problems.append(Msg("it names {quoted}, which is no channel I know", quoted=quoted))
        if not base.by and not base.channels:
            readings.append(replace(base, by="channel"))
    if parts.campaign_unknown:
        quoted = ", ".join(f'"{text}"' for text in parts.campaign_unknown)
        problems.append(Msg("it names {quoted}, which is no campaign I know", quoted=quoted))
        if not base.by and not base.campaigns:
            readings.append(replace(base, by="campaign"))
    if parts.no_such_periods:
        quoted = ", ".join(f'"{text}"' for text in parts.no_such_periods)
        problems.append(Msg("there is no such period as {quoted}", quoted=quoted))
    if parts.unknown_words > parts.known:
        problems.append(Msg("most of its words are unknown to me"))
    return Outcome(_unique(readings), not problems, problems)


def _metric_options(parts: Parts, problems: list[Msg]) -> list[tuple[str, int | None]]:
    """The metrics (with their day N) the question may ask for, most likely first."""
    named = _merge_days(parts.metrics or parts.weak, parts.days)
    names = [name for name, _ in named]
    if {"ltv", "cac"} <= set(names) and find_metric("ltv_cac") is not None:
        if "ratio" in parts.cues and len(set(names)) == 2:
            return [("ltv_cac", None)]
        named = [("ltv_cac", None), *named]
    if len(named) > 1:
        problems.append(Msg("it names more than one metric"))
        return named
    if named:
        if parts.days and named[0][0] != "retention" and find_metric("retention"):
            problems.append(Msg("it names a day, which only retention has"))
            named += [("retention", day) for day in parts.days]
        return named
    if parts.days and find_metric("retention"):
        return [("retention", day) for day in parts.days]
    if not (parts.channels or parts.campaigns or parts.periods or parts.kinds or parts.bys):
        return []
    problems.append(Msg("it names no metric"))
    return [(name, None) for name in COMMON_METRICS if find_metric(name) is not None]


def _merge_days(
    named: list[tuple[str, int | None]], days: list[int]
) -> list[tuple[str, int | None]]:
    """Retention once per day named ("留存 d7" is retention on day 7, not two metrics)."""
    out: list[tuple[str, int | None]] = []
    retention_days = [day for name, day in named if name == "retention" and day is not None]
    retention_days += [day for day in days if day not in retention_days]
    for name, day in named:
        if name != "retention":
            _add(out, (name, day))
        elif retention_days:
            for each in retention_days:
                _add(out, ("retention", each))
        else:
            _add(out, ("retention", None))
    return out


def _trend_grain(period: tuple[str, ...]) -> str:
    """Day buckets for a trend, week buckets over a quarter or more."""
    days = {"d": 1, "w": 7, "m": 30, "y": 365}
    for word in period:
        if word in ("this-year", "ytd", "last-year", "this-quarter", "qtd", "last-quarter"):
            return "week"
        if word.startswith("period=") and ("q" in word.lower() or len(word) == len("period=2026")):
            return "week"
        amount = word.removeprefix("since=")
        if amount != word and amount[:-1].isdigit() and amount[-1:] in days:
            return "week" if int(amount[:-1]) * days[amount[-1]] >= WEEKLY_TREND_DAYS else "day"
    return "day"


def _vary(
    base: Reading,
    metrics: list[tuple[str, int | None]],
    bys: list,  # type: ignore[type-arg]
    grains: list[str],
    vss: list[str],
    periods: list[tuple[str, ...]],
) -> list[Reading]:
    """The base reading, then one change at a time along each unclear kind of word."""
    out = [base]
    out += [replace(base, metric=name, day_n=day) for name, day in metrics[1:]]
    out += [replace(base, period=period) for period in periods[1:]]
    out += [replace(base, by=by) for by in bys[1:]]
    out += [replace(base, grain=grain) for grain in grains[1:]]
    out += [replace(base, vs=vs) for vs in vss[1:]]
    return out


def _unique(readings: list[Reading]) -> list[Reading]:
    seen: set[str] = set()
    out = []
    for reading in readings:
        command = reading.command()
        if command not in seen:
            seen.add(command)
            out.append(reading)
    return out
