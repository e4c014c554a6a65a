"""The query language: what a person types ("/ltv channel=tiktok since=14d") into a Query.

Every mistake raises QueryError with one short message naming the mistake and the closest
valid words. Parsing never touches SQL with the typed text: channel and campaign words are
matched against the lists loaded from the database (a Catalog, see catalog.py); the period
words are resolved in periods.py.
"""

from __future__ import annotations

import re
from datetime import date

from bot.core.i18n import N_, Msg
from bot.metrics.catalog import Catalog
from bot.metrics.mistakes import show, suggest, unknown
from bot.metrics.periods import (
    PERIOD_WORDS,
    PeriodSpec,
    bucket_count,
    period_of,
    period_phrase,
)
from bot.metrics.query import Filters, Query, QueryError
from bot.metrics.registry import (
    DEFAULT_RETENTION_DAYS,
    MAX_RETENTION_DAY,
    Metric,
    find_metric,
    metric_names,
    slash_commands,
)

GENERIC_COMMANDS = ("/metric", "/metrics", "metric", "metrics")
# Each key with an example of its use, in the order the docs list them.
EXAMPLES = {
    "channel": "channel=tiktok",
    "campaign": "campaign=spring-sale",
    "kind": "kind=paid",
    "by": "by=channel",
    "grain": "grain=week",
    "vs": "vs=prev",
    "d": "d=7",
    "since": "since=30d",
    "period": "period=2026-10",
    "from": "from=2026-09-01",
    "to": "to=2026-09-30",
}
VALID_KEYS = tuple(EXAMPLES)
# Every word accepted as a key: the keys themselves and their plurals.
KEYS = {**{key: key for key in VALID_KEYS}, "channels": "channel", "campaigns": "campaign"}
GRAINS = {
    "day": "day",
    "days": "day",
    "daily": "day",
    "week": "week",
    "weeks": "week",
    "weekly": "week",
    "month": "month",
    "months": "month",
    "monthly": "month",
}
BY_VALUES = {
    "channel": "channel",
    "channels": "channel",
    "campaign": "campaign",
    "campaigns": "campaign",
    "kind": "kind",
}
VS_VALUES = {
    "prev": "prev",
    "previous": "prev",
    "pop": "prev",
    "yoy": "yoy",
    "year": "yoy",
    "none": "none",
    "no": "none",
    "off": "none",
}
KINDS = ("paid", "organic")
MAX_SERIES_POINTS = 400
MAX_TEXT = 1000
_RETENTION_NAME = re.compile(r"^(?:retention_?d(\d+)|d(\d+)_?retention|d(\d+)|retention(\d+))$")
# Chinese keyboards type full-width punctuation; treat it like the ASCII forms.
_WIDE = str.maketrans(
    {
        "＝": "=",
        "，": ",",
        "、": ",",
        "：": ":",
        "／": "/",
        "　": " ",
        "“": '"',
        "”": '"',
        "＂": '"',
    }
)
# A word, or a word with a quoted part, so names with spaces work: campaign="Double 11".
_TOKEN = re.compile(r'(?:[^\s"]*"[^"]*")+[^\s"]*|\S+')


def is_metric_list(text: str) -> bool:
    """True for "/metric list", "/metric help" and "/metric" alone: show every metric."""
    words = text.translate(_WIDE).strip().lower().split()
    if not words or words[0] not in GENERIC_COMMANDS:
        return False
    return len(words) == 1 or (len(words) == 2 and words[1] in ("list", "help", "ls", "?"))


def is_metric_question(text: str) -> bool:
    """True when `text` asks the metric engine (a metric command, or no command at all)."""
    words = text.translate(_WIDE).strip().lower().split()
    if not words:
        return True
    return not words[0].startswith("/") or words[0] in (*slash_commands(), *GENERIC_COMMANDS)


def parse(text: str, catalog: Catalog, today: date) -> Query:
    """Parse what a person typed into a Query; raises QueryError saying what to change."""
    if not isinstance(text, str):
        raise QueryError(Msg("type a metric question, e.g. /ltv channel=tiktok"))
    if len(text) > MAX_TEXT:
        raise QueryError(
            Msg("that question is too long; keep it under {limit} characters", limit=MAX_TEXT)
        )
    words = _TOKEN.findall(_normalise(text))
    if not words:
        raise QueryError(Msg("type a metric, e.g. /ltv channel=tiktok (type /metric list for all)"))
    if is_metric_list(text):
        raise QueryError(Msg("/metric list shows every metric; ask for one, e.g. /metric ltv"))
    metric, day_n, rest = _metric_of(words)
    seen, spec = _options(rest, catalog)
    filters = _filters(seen, catalog)
    by = _choice(seen, "by", BY_VALUES, Msg("by must be channel, campaign or kind"))
    grain = _choice(seen, "grain", GRAINS, Msg("grain must be day, week or month"))
    compare = _choice(
        seen,
        "vs",
        VS_VALUES,
        Msg("vs must be prev (the period before), yoy (a year earlier) or none"),
    )
    day_n = _day_n_of(metric, day_n, seen.get("d"))
    spec.since, spec.period = seen.get("since"), seen.get("period")
    spec.start, spec.end = seen.get("from"), seen.get("to")
    period, note = period_of(spec, today)
    if grain and bucket_count(period, grain) > MAX_SERIES_POINTS:
        raise QueryError(
            Msg(
                "grain={grain} gives more than {points} points for this period; use a coarser "
                "grain or a shorter period",
                grain=grain,
                points=MAX_SERIES_POINTS,
            )
        )
    return Query(
        metric=metric,
        period=period,
        filters=filters,
        by=by,  # type: ignore[arg-type]
        grain=grain,  # type: ignore[arg-type]
        compare=compare or "prev",  # type: ignore[arg-type]
        day_n=day_n,
        text=text.strip(),
        note=note,
    )


def _normalise(text: str) -> str:
    text = text.translate(_WIDE)
    text = re.sub(r"\s*=\s*", "=", text)
    return re.sub(r"\s*,\s*", ",", text).strip()


def _metric_of(words: list[str]) -> tuple[Metric, int | None, list[str]]:
    """The metric the first words ask for, its day N when named (retention_d7), the rest."""
    head, rest = words[0], words[1:]
    lowered = head.lower()
    named = slash_commands()
    if named.get(lowered):
        return (*_metric_from_word(named[lowered]), rest)  # type: ignore[arg-type]
    if lowered in GENERIC_COMMANDS:
        if not rest or "=" in rest[0]:
            raise QueryError(
                Msg("name a metric after /metric, e.g. /metric ltv_cac (or /metric list)")
            )
        return (*_metric_from_word(rest[0]), rest[1:])
    if lowered.startswith("/"):
        raise QueryError(unknown(N_("command"), head, list(named)))
    if "=" in head:
        raise QueryError(Msg("start with a metric, e.g. ltv channel=tiktok (type /metric list)"))
    return (*_metric_from_word(head), rest)


def _metric_from_word(word: str) -> tuple[Metric, int | None]:
    lowered = word.lower().replace("-", "_")
    match = _RETENTION_NAME.match(lowered)
    if match:
        digits = next(group for group in match.groups() if group is not None)
        return find_metric("retention"), _day_n(digits)  # type: ignore[return-value]
    metric = find_metric(lowered)
    if metric is None:
        raise QueryError(
            unknown(
                N_("metric"),
                word,
                metric_names(),
                tail=Msg(" Type /metric list for every metric."),
            )
        )
    return metric, None


def _day_n(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= MAX_RETENTION_DAY:
        raise QueryError(
            Msg("d must be a whole number of days from 1 to {most}", most=MAX_RETENTION_DAY)
        )
    return int(value)


def _day_n_of(metric: Metric, named: int | None, given: str | None) -> int | None:
    """The day N of a metric that takes one: from d=, from its name, or the default."""
    day_n = named
    if given is not None:
        if not metric.takes_day_n:
            raise QueryError(Msg("d= only applies to retention, not {metric}", metric=metric.name))
        asked = _day_n(given)
        if day_n is not None and asked != day_n:
            raise QueryError(
                Msg(
                    "the metric says day {day} but d={asked}; give the day once",
                    day=day_n,
                    asked=asked,
                )
            )
        day_n = asked
    if not metric.takes_day_n:
        return None
    return DEFAULT_RETENTION_DAYS[0] if day_n is None else day_n


def _options(words: list[str], catalog: Catalog) -> tuple[dict[str, str], PeriodSpec]:
    """The key=value options (each key once) and the period word, if any."""
    seen: dict[str, str] = {}
    spec = PeriodSpec()
    index = 0
    while index < len(words):
        word = words[index]
        if "=" not in word:
            # A period word, or a phrase of up to three words ("last month", "last 7 days").
            phrase = period_phrase(words, index)
            if phrase is None:
                raise QueryError(_bare_word(word, catalog))
            way, found, used = phrase
            index += used
            said = found if way == "word" else f"since={found}"
            earlier = spec.word or (f"since={seen['since']}" if "since" in seen else None)
            if earlier is not None:
                raise QueryError(_one_way(earlier, said))
            if way == "word":
                spec.word = found
            else:
                seen["since"] = found
            continue
        index += 1
        raw_key, _, value = word.partition("=")
        value = value.replace('"', "").strip()
        key = KEYS.get(raw_key.lower())
        if key is None:
            if not raw_key:
                raise QueryError(
                    Msg(
                        '"{typed}" has no key; write key=value, e.g. channel=tiktok',
                        typed=show(word),
                    )
                )
            raise QueryError(
                unknown(
                    N_("key"),
                    raw_key,
                    VALID_KEYS,
                    tail=Msg(" Keys: {keys}.", keys=", ".join(VALID_KEYS)),
                )
            )
        if key == "since" and "since" in seen:
            raise QueryError(_one_way(f"since={seen['since']}", word))
        if key in seen:
            raise QueryError(
                Msg("{key}= is given twice; give it once (commas list several values)", key=key)
            )
        if value == "" or "=" in value:
            raise QueryError(
                Msg("{key}= needs a value, e.g. {example}", key=key, example=EXAMPLES[key])
            )
        seen[key] = value
    return seen, spec


def _one_way(earlier: str, said: str) -> Msg:
    return Msg(
        "give the period one way only (got {earlier} and {said})", earlier=earlier, said=said
    )


def _choice(seen: dict[str, str], key: str, values: dict[str, str], problem: Msg) -> str | None:
    """The value of an option with a fixed set of words (by=, grain=, vs=), or None."""
    if key not in seen:
        return None
    value = values.get(seen[key].lower())
    if value is None:
        raise QueryError(problem)
    return value


def _filters(seen: dict[str, str], catalog: Catalog) -> Filters:
    channels = _channels(seen.get("channel"), catalog)
    campaigns = _campaigns(seen.get("campaign"), catalog)
    kind = None
    if "kind" in seen:
        kind = seen["kind"].lower()
        if kind not in KINDS:
            raise QueryError(
                unknown(N_("kind"), seen["kind"], KINDS, tail=Msg(" (kind is paid or organic)"))
            )
    return Filters(channels=channels, campaigns=campaigns, kind=kind)  # type: ignore[arg-type]


def _bare_word(word: str, catalog: Catalog) -> Msg:
    lowered = word.lower()
    if lowered in catalog.channel_aliases():
        return Msg(
            'unknown word "{typed}" — did you mean channel={word}?', typed=show(word), word=word
        )
    if find_metric(lowered) is not None:
        return Msg('give one metric per question ("{typed}" is a second one)', typed=show(word))
    return unknown(
        N_("word"),
        word,
        [*PERIOD_WORDS, *VALID_KEYS],
        tail=Msg(" Write options as key=value, e.g. channel=tiktok since=14d."),
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _channels(value: str | None, catalog: Catalog) -> tuple[str, ...]:
    if value is None:
        return ()
    aliases = catalog.channel_aliases()
    if not aliases:
        raise QueryError(Msg("no channels are loaded yet; import channels first (warroom import)"))
    keys: list[str] = []
    for part in _split(value):
        key = aliases.get(part.lower())
        if key is None:
            close = suggest(part, list(aliases))
            if close is not None:
                raise QueryError(
                    Msg(
                        'unknown channel "{typed}" — did you mean {close}?',
                        typed=show(part),
                        close=aliases[close.lower()],
                    )
                )
            raise QueryError(unknown(N_("channel"), part, [c.key for c in catalog.channels]))
        if key not in keys:
            keys.append(key)
    if not keys:
        raise QueryError(Msg("channel= needs a value, e.g. channel=tiktok"))
    return tuple(keys)


def _campaigns(value: str | None, catalog: Catalog) -> tuple[str, ...]:
    if value is None:
        return ()
    aliases = catalog.campaign_aliases()
    ids: list[str] = []
    for part in _split(value):
        lowered = part.lower()
        if lowered == "none":
            found: str | None = ""  # spend and users outside any campaign
        else:
            found = aliases.get(lowered)
        if found is None:
            choices = [c.id for c in catalog.campaigns] + [c.name for c in catalog.campaigns]
            raise QueryError(unknown(N_("campaign"), part, choices or ["none"]))
        if found not in ids:
            ids.append(found)
    if not ids:
        raise QueryError(Msg("campaign= needs a value, e.g. campaign=spring-sale"))
    return tuple(ids)
