"""The query language: what a person types ("/ltv channel=tiktok since=14d") into a Query.

Every mistake raises QueryError with one short message naming the mistake and the closest
valid words. Parsing never touches SQL with the typed text: channel and campaign words are
matched against the lists loaded from the database (a Catalog).
"""

from __future__ import annotations

import calendar
import difflib
import re
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine, inspect, select

from bot.metrics.query import Filters, Period, Query, QueryError
from bot.metrics.registry import (
    DEFAULT_RETENTION_DAYS,
    MAX_RETENTION_DAY,
    Metric,
    find_metric,
    metric_names,
    slash_commands,
)
from bot.models import Campaign, Channel

GENERIC_COMMANDS = ("/metric", "/metrics", "metric", "metrics")
KEYS = {
    "channel": "channel",
    "channels": "channel",
    "campaign": "campaign",
    "campaigns": "campaign",
    "kind": "kind",
    "by": "by",
    "grain": "grain",
    "vs": "vs",
    "d": "d",
    "since": "since",
    "period": "period",
    "from": "from",
    "to": "to",
}
VALID_KEYS = (
    "channel",
    "campaign",
    "kind",
    "by",
    "grain",
    "vs",
    "d",
    "since",
    "period",
    "from",
    "to",
)
PERIOD_WORDS = ("yesterday", "last-week", "last-month", "mtd", "qtd", "ytd")
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
DEFAULT_DAYS = 30
MAX_SINCE_DAYS = 3660
MAX_SERIES_POINTS = 400
MAX_TEXT = 1000
MIN_YEAR = 1900
_RETENTION_NAME = re.compile(r"^(?:retention_?d(\d+)|d(\d+)_?retention|d(\d+)|retention(\d+))$")
_SINCE = re.compile(r"^(\d{1,5})([dwmy])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?w(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
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
_ALIAS_SPLIT = re.compile(r"[/,|()（）、，;]+")


@dataclass(frozen=True)
class ChannelInfo:
    key: str
    name: str
    kind: str


@dataclass(frozen=True)
class CampaignInfo:
    id: str
    channel: str
    name: str


@dataclass(frozen=True)
class Catalog:
    """The channels and campaigns a query may name."""

    channels: tuple[ChannelInfo, ...] = ()
    campaigns: tuple[CampaignInfo, ...] = ()

    def channel_aliases(self) -> dict[str, str]:
        """Every word that names a channel (key, name, parts of the name), lower-cased."""
        out: dict[str, str] = {}
        for channel in self.channels:
            words = [channel.name, *_ALIAS_SPLIT.split(channel.name)]
            for word in words:
                word = word.strip().lower()
                if word:
                    out.setdefault(word, channel.key)
        for channel in self.channels:  # keys win over another channel's name
            out[channel.key.lower()] = channel.key
        return out

    def campaign_aliases(self) -> dict[str, str]:
        """Every word that names a campaign (id or name), lower-cased."""
        out = {c.name.strip().lower(): c.id for c in self.campaigns if c.name.strip()}
        out.update({c.id.lower(): c.id for c in self.campaigns})
        return out


_CATALOG_TTL = 30.0
_catalogs: weakref.WeakKeyDictionary[Engine, tuple[float, Catalog]] = weakref.WeakKeyDictionary()
_catalog_lock = threading.Lock()


def load_catalog(engine: Engine, max_age: float = _CATALOG_TTL) -> Catalog:
    """The channels and campaigns in the analytics store (cached for a few seconds)."""
    now = time.monotonic()
    with _catalog_lock:
        cached = _catalogs.get(engine)
        if cached and now - cached[0] < max_age:
            return cached[1]
    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names())
        channels = campaigns = []
        if "channels" in names:
            channels = connection.execute(
                select(Channel.key, Channel.name, Channel.kind).order_by(Channel.key)
            ).all()
        if "campaigns" in names:
            campaigns = connection.execute(
                select(Campaign.id, Campaign.channel, Campaign.name).order_by(Campaign.id)
            ).all()
    catalog = Catalog(
        tuple(ChannelInfo(r.key, r.name or r.key, r.kind) for r in channels),
        tuple(CampaignInfo(r.id, r.channel, r.name or r.id) for r in campaigns),
    )
    with _catalog_lock:
        _catalogs[engine] = (now, catalog)
    return catalog


def forget_catalog(engine: Engine | None = None) -> None:
    """Drop the cached channel lists (after an import changed them)."""
    with _catalog_lock:
        if engine is None:
            _catalogs.clear()
        else:
            _catalogs.pop(engine, None)


# --------------------------------------------------------------------------- helpers


def _suggest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    matches = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not matches:
        return None
    lowered = {c.lower(): c for c in choices}
    return lowered[matches[0]]


def _unknown(what: str, word: str, choices: list[str] | tuple[str, ...], tail: str = "") -> str:
    close = _suggest(word, choices)
    shown = _show(word)
    if close:
        return f'unknown {what} "{shown}" — did you mean {close}?{tail}'
    listed = ", ".join(sorted(set(choices))[:12])
    if not listed:
        return f'unknown {what} "{shown}"{tail}'
    return f'unknown {what} "{shown}"; choose from {listed}{tail}'


def _show(word: str) -> str:
    return word if len(word) <= 40 else word[:39] + "…"


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    if year < 1 or year > 9999:
        raise QueryError("that is too far back; ask for fewer months")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _parse_date(value: str, key: str) -> date:
    match = _DATE.match(value)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise QueryError(
        f'bad date "{_show(value)}" in {key}=; write it as YYYY-MM-DD, e.g. 2026-09-01'
    )


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


def _metric_from_word(word: str) -> tuple[Metric, int | None]:
    lowered = word.lower().replace("-", "_")
    match = _RETENTION_NAME.match(lowered)
    if match:
        digits = next(group for group in match.groups() if group is not None)
        return find_metric("retention"), _day_n(digits)  # type: ignore[return-value]
    metric = find_metric(lowered)
    if metric is None:
        raise QueryError(
            _unknown("metric", word, metric_names(), tail=" Type /metric list for every metric.")
        )
    return metric, None


def _day_n(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= MAX_RETENTION_DAY:
        raise QueryError(f"d must be a whole number of days from 1 to {MAX_RETENTION_DAY}")
    return int(value)


def _normalise(text: str) -> str:
    text = text.translate(_WIDE)
    text = re.sub(r"\s*=\s*", "=", text)
    return re.sub(r"\s*,\s*", ",", text).strip()


# --------------------------------------------------------------------------- periods


@dataclass
class _PeriodSpec:
    since: str | None = None
    period: str | None = None
    start: str | None = None
    end: str | None = None
    word: str | None = None

    def given(self) -> list[str]:
        out = []
        if self.since is not None:
            out.append("since=")
        if self.period is not None:
            out.append("period=")
        if self.start is not None or self.end is not None:
            out.append("from=/to=")
        if self.word is not None:
            out.append(self.word)
        return out


def _period_word(word: str) -> str | None:
    key = word.lower().replace("_", "-")
    aliases = {
        "yesterday": "yesterday",
        "last-week": "last-week",
        "lastweek": "last-week",
        "last-month": "last-month",
        "lastmonth": "last-month",
        "mtd": "mtd",
        "qtd": "qtd",
        "ytd": "ytd",
    }
    return aliases.get(key)


def _resolve_period(spec: _PeriodSpec, today: date) -> Period:
    yesterday = today - timedelta(days=1)
    given = spec.given()
    if len(given) > 1:
        raise QueryError(
            f"give the period one way only (got {' and '.join(given)}): since=, period=, "
            "from=/to=, or a word such as mtd"
        )
    if spec.word is not None:
        return _word_period(spec.word, today)
    if spec.since is not None:
        return _since_period(spec.since, today)
    if spec.period is not None:
        return _named_period(spec.period)
    if spec.start is not None or spec.end is not None:
        end = _parse_date(spec.end, "to") if spec.end is not None else yesterday
        if spec.start is not None:
            start = _parse_date(spec.start, "from")
        else:
            start = end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise QueryError(f"from= ({start}) is after to= ({end}); swap them")
        return Period(start, end, f"{start} to {end}")
    return Period(
        yesterday - timedelta(days=DEFAULT_DAYS - 1), yesterday, f"last {DEFAULT_DAYS} days"
    )


def _word_period(word: str, today: date) -> Period:
    yesterday = today - timedelta(days=1)
    if word == "yesterday":
        return Period(yesterday, yesterday, "yesterday")
    if word == "last-week":
        monday = today - timedelta(days=today.weekday())
        return Period(monday - timedelta(days=7), monday - timedelta(days=1), "last week")
    if word == "last-month":
        first = today.replace(day=1)
        end = first - timedelta(days=1)
        return Period(end.replace(day=1), end, "last month")
    starts = {
        "mtd": (today.replace(day=1), "month to date", "month"),
        "qtd": (
            date(today.year, 3 * ((today.month - 1) // 3) + 1, 1),
            "quarter to date",
            "quarter",
        ),
        "ytd": (date(today.year, 1, 1), "year to date", "year"),
    }
    start, label, unit = starts[word]
    if start > yesterday:
        raise QueryError(
            f"the {unit} has no complete day yet (today is its first day); "
            f"ask for last-{'month' if unit == 'month' else 'week'} or since=30d"
        )
    return Period(start, yesterday, label)


def _since_period(value: str, today: date) -> Period:
    yesterday = today - timedelta(days=1)
    lowered = value.lower()
    match = _SINCE.match(lowered)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        if count < 1:
            raise QueryError("since= needs at least one day, e.g. since=30d")
        if unit in ("d", "w"):
            days = count * (7 if unit == "w" else 1)
            if days > MAX_SINCE_DAYS:
                raise QueryError(f"since= reaches back at most {MAX_SINCE_DAYS} days")
            return Period(yesterday - timedelta(days=days - 1), yesterday, f"last {value}")
        months = count * (12 if unit == "y" else 1)
        if months > MAX_SINCE_DAYS // 30:
            raise QueryError(f"since= reaches back at most {MAX_SINCE_DAYS // 30} months")
        start = _add_months(today, -months)
        return Period(start, yesterday, f"last {value}")
    if _DATE.match(lowered):
        start = _parse_date(value, "since")
        if start > yesterday:
            raise QueryError(
                f"since= ({start}) is not before today; the last complete day is {yesterday}"
            )
        return Period(start, yesterday, f"since {start}")
    raise QueryError(
        f'bad since= value "{_show(value)}"; use a number of days, weeks or months '
        "(since=30d, since=12w, since=6m) or a date (since=2026-09-01)"
    )


def _named_period(value: str) -> Period:
    lowered = value.lower()
    try:
        if match := _DATE.match(lowered):
            day = _parse_date(value, "period")
            return Period(day, day, str(day))
        if match := _MONTH.match(lowered):
            year, month = int(match.group(1)), int(match.group(2))
            if not 1 <= month <= 12 or year < 1:
                raise ValueError
            last = calendar.monthrange(year, month)[1]
            return Period(date(year, month, 1), date(year, month, last), f"{year}-{month:02d}")
        if match := _WEEK.match(lowered):
            year, week = int(match.group(1)), int(match.group(2))
            monday = date.fromisocalendar(year, week, 1)
            return Period(monday, monday + timedelta(days=6), f"{year}-W{week:02d}")
        if match := _QUARTER.match(lowered):
            year, quarter = int(match.group(1)), int(match.group(2))
            start = date(year, 3 * quarter - 2, 1)
            end = _add_months(start, 3) - timedelta(days=1)
            return Period(start, end, f"{year}-Q{quarter}")
        if match := _YEAR.match(lowered):
            year = int(match.group(1))
            return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    except (ValueError, OverflowError):
        raise QueryError(f'there is no period "{_show(value)}"') from None
    raise QueryError(
        f'bad period= value "{_show(value)}"; use a month (2026-10), an ISO week (2026-W44), '
        "a quarter (2026-Q3), a year (2026) or a day (2026-10-05)"
    )


def _clip(period: Period, today: date) -> tuple[Period, str | None]:
    yesterday = today - timedelta(days=1)
    if period.start.year < MIN_YEAR:
        raise QueryError(f"that is too far back; ask for a period after {MIN_YEAR}")
    if period.start > yesterday:
        raise QueryError(
            f"{period.label or period.start} has not happened yet; the last complete day is "
            f"{yesterday}"
        )
    if period.end > yesterday:
        clipped = Period(period.start, yesterday, period.label)
        return clipped, f"{period.label or 'the period'} is not over: counted up to {yesterday}"
    return period, None


def _bucket_count(period: Period, grain: str) -> int:
    if grain == "day":
        return period.days
    if grain == "week":
        return period.days // 7 + 2
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


# --------------------------------------------------------------------------- the parser


def parse(text: str, catalog: Catalog, today: date) -> Query:
    """Parse what a person typed into a Query; raises QueryError saying what to change."""
    if not isinstance(text, str):
        raise QueryError("type a metric question, e.g. /ltv channel=tiktok")
    if len(text) > MAX_TEXT:
        raise QueryError(f"that question is too long; keep it under {MAX_TEXT} characters")
    words = _TOKEN.findall(_normalise(text))
    if not words:
        raise QueryError("type a metric, e.g. /ltv channel=tiktok (type /metric list for all)")
    if is_metric_list(text):
        raise QueryError("/metric list shows every metric; ask for one, e.g. /metric ltv")
    head, rest = words[0], words[1:]
    lowered = head.lower()
    named = slash_commands()
    if named.get(lowered):
        metric, day_n = _metric_from_word(named[lowered])  # type: ignore[arg-type]
    elif lowered in GENERIC_COMMANDS:
        if not rest or "=" in rest[0]:
            raise QueryError("name a metric after /metric, e.g. /metric ltv_cac (or /metric list)")
        metric, day_n = _metric_from_word(rest[0])
        rest = rest[1:]
    elif lowered.startswith("/"):
        raise QueryError(_unknown("command", head, list(named)))
    elif "=" in head:
        raise QueryError("start with a metric, e.g. ltv channel=tiktok (type /metric list)")
    else:
        metric, day_n = _metric_from_word(head)
    return _parse_options(text, metric, day_n, rest, catalog, today)


def _parse_options(
    text: str,
    metric: Metric,
    day_n: int | None,
    words: list[str],
    catalog: Catalog,
    today: date,
) -> Query:
    seen: dict[str, str] = {}
    spec = _PeriodSpec()
    for word in words:
        if "=" not in word:
            period_word = _period_word(word)
            if period_word is None:
                raise QueryError(_bare_word(word, catalog))
            if spec.word is not None:
                raise QueryError(
                    f"give the period one way only (got {spec.word} and {period_word})"
                )
            spec.word = period_word
            continue
        raw_key, _, value = word.partition("=")
        value = value.replace('"', "").strip()
        key = KEYS.get(raw_key.lower())
        if key is None:
            if not raw_key:
                raise QueryError(
                    f'"{_show(word)}" has no key; write key=value, e.g. channel=tiktok'
                )
            raise QueryError(
                _unknown("key", raw_key, VALID_KEYS, tail=f" Keys: {', '.join(VALID_KEYS)}.")
            )
        if key in seen:
            raise QueryError(f"{key}= is given twice; give it once (commas list several values)")
        if value == "" or "=" in value:
            raise QueryError(f"{key}= needs a value, e.g. {_example(key)}")
        seen[key] = value
    channels = _channels(seen.get("channel"), catalog)
    campaigns = _campaigns(seen.get("campaign"), catalog)
    kind = None
    if "kind" in seen:
        kind = seen["kind"].lower()
        if kind not in KINDS:
            raise QueryError(
                _unknown("kind", seen["kind"], KINDS, tail=" (kind is paid or organic)")
            )
    by = None
    if "by" in seen:
        by = BY_VALUES.get(seen["by"].lower())
        if by is None:
            raise QueryError("by must be channel, campaign or kind")
    grain = None
    if "grain" in seen:
        grain = GRAINS.get(seen["grain"].lower())
        if grain is None:
            raise QueryError("grain must be day, week or month")
    compare = "prev"
    if "vs" in seen:
        compare = VS_VALUES.get(seen["vs"].lower())  # type: ignore[assignment]
        if compare is None:
            raise QueryError("vs must be prev (the period before), yoy (a year earlier) or none")
    if "d" in seen:
        if not metric.takes_day_n:
            raise QueryError(f"d= only applies to retention, not {metric.name}")
        asked = _day_n(seen["d"])
        if day_n is not None and asked != day_n:
            raise QueryError(f"the metric says day {day_n} but d={asked}; give the day once")
        day_n = asked
    if metric.takes_day_n and day_n is None:
        day_n = DEFAULT_RETENTION_DAYS[0]
    spec.since, spec.period = seen.get("since"), seen.get("period")
    spec.start, spec.end = seen.get("from"), seen.get("to")
    period, note = _clip(_resolve_period(spec, today), today)
    if grain and _bucket_count(period, grain) > MAX_SERIES_POINTS:
        raise QueryError(
            f"grain={grain} gives more than {MAX_SERIES_POINTS} points for this period; "
            "use a coarser grain or a shorter period"
        )
    return Query(
        metric=metric,
        period=period,
        filters=Filters(channels=channels, campaigns=campaigns, kind=kind),  # type: ignore[arg-type]
        by=by,  # type: ignore[arg-type]
        grain=grain,  # type: ignore[arg-type]
        compare=compare,  # type: ignore[arg-type]
        day_n=day_n if metric.takes_day_n else None,
        text=text.strip(),
        note=note,
    )


def _example(key: str) -> str:
    examples = {
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
    return examples[key]


def _bare_word(word: str, catalog: Catalog) -> str:
    lowered = word.lower()
    if lowered in catalog.channel_aliases():
        return f'unknown word "{_show(word)}" — did you mean channel={word}?'
    if find_metric(lowered) is not None:
        return f'give one metric per question ("{_show(word)}" is a second one)'
    return _unknown(
        "word",
        word,
        [*PERIOD_WORDS, *VALID_KEYS],
        tail=" Write options as key=value, e.g. channel=tiktok since=14d.",
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _channels(value: str | None, catalog: Catalog) -> tuple[str, ...]:
    if value is None:
        return ()
    aliases = catalog.channel_aliases()
    if not aliases:
        raise QueryError("no channels are loaded yet; import channels first (warroom import)")
    keys: list[str] = []
    for part in _split(value):
        key = aliases.get(part.lower())
        if key is None:
            close = _suggest(part, list(aliases))
            if close is not None:
                raise QueryError(
                    f'unknown channel "{_show(part)}" — did you mean {aliases[close.lower()]}?'
                )
            raise QueryError(_unknown("channel", part, [c.key for c in catalog.channels]))
        if key not in keys:
            keys.append(key)
    if not keys:
        raise QueryError("channel= needs a value, e.g. channel=tiktok")
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
            raise QueryError(_unknown("campaign", part, choices or ["none"]))
        if found not in ids:
            ids.append(found)
    if not ids:
        raise QueryError("campaign= needs a value, e.g. campaign=spring-sale")
    return tuple(ids)
