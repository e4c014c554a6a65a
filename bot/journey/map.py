"""The journey map: the touchpoints of the user journey in order, each with its owner team and
where its numbers come from, read from a YAML file (JOURNEY_FILE; by default journey.yaml
beside this module, the practice's 28 touchpoints).

A touchpoint's source is one of the built-in counts of the fact tables (BUILT_IN_TOUCHPOINTS:
impressions, clicks, leads, sign_ups, activated, first_orders, repeat_customers) or
"touchpoints": the rows of the optional touchpoints fact table named by its key. The hand-off
from marketing to operations is the first operations touchpoint.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.models import BUILT_IN_TOUCHPOINTS, TEAMS

DEFAULT_FILE = Path(__file__).with_name("journey.yaml")
TABLE_SOURCE = "touchpoints"
SOURCES = (*BUILT_IN_TOUCHPOINTS, TABLE_SOURCE)
LANGUAGES = ("en", "zh")
MAX_TOUCHPOINTS = 100
MAX_LABEL = 100
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class JourneyFileError(ValueError):
    """The journey file cannot be used; the message names the file, the touchpoint and what
    to change."""


@dataclass(frozen=True)
class Point:
    """One touchpoint of the journey."""

    key: str
    en: str
    zh: str
    owner: str
    source: str

    def label(self, language: str = "en") -> str:
        """The touchpoint's name in `language` (en or zh)."""
        return self.zh if language == "zh" else self.en

    @property
    def built_in(self) -> bool:
        """True when its numbers come from the fact tables themselves, not touchpoints."""
        return self.source != TABLE_SOURCE


@dataclass(frozen=True)
class JourneyMap:
    """The touchpoints in journey order."""

    points: tuple[Point, ...]

    @property
    def handoff(self) -> Point | None:
        """Where marketing hands over to operations: the first operations touchpoint."""
        return next((point for point in self.points if point.owner == "operations"), None)

    def point(self, key: str) -> Point:
        """The touchpoint called `key`."""
        return next(point for point in self.points if point.key == key)

    def table_keys(self) -> list[str]:
        """The keys read from the touchpoints table."""
        return [point.key for point in self.points if not point.built_in]


def _text(entry: dict[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise JourneyFileError(f"{where}: {name} needs a label (text)")
    if len(value.strip()) > MAX_LABEL:
        raise JourneyFileError(f"{where}: the {name} label is over {MAX_LABEL} characters")
    return value.strip()


def _point(entry: object, number: int, path: Path) -> Point:
    if not isinstance(entry, dict):
        raise JourneyFileError(f"{path}: touchpoint {number} is not a mapping (key: ..., ...)")
    key = str(entry.get("key") or "").strip()
    where = f"{path}: touchpoint {number} ({key or 'no key'})"
    if not _KEY.match(key):
        raise JourneyFileError(
            f"{where}: key must be lowercase letters, digits and _, starting with a letter"
        )
    owner = str(entry.get("owner") or "").strip().lower()
    if owner not in TEAMS:
        raise JourneyFileError(f"{where}: owner must be marketing or operations, not {owner!r}")
    source = str(entry.get("source") or "").strip().lower()
    if source not in SOURCES:
        raise JourneyFileError(f"{where}: source must be one of {', '.join(SOURCES)}")
    if source == TABLE_SOURCE and key in BUILT_IN_TOUCHPOINTS:
        raise JourneyFileError(f"{where}: {key} is a built-in count; give it source: {key}")
    en, zh = (_text(entry, language, where) for language in LANGUAGES)
    return Point(key, en, zh, owner, source)


def parse_map(data: object, path: Path) -> JourneyMap:
    """The journey map of a parsed YAML document; raises JourneyFileError saying what to
    change."""
    entries = data.get("touchpoints") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise JourneyFileError(f"{path}: expected a list under touchpoints:")
    if len(entries) > MAX_TOUCHPOINTS:
        raise JourneyFileError(f"{path}: at most {MAX_TOUCHPOINTS} touchpoints")
    points = tuple(_point(entry, number, path) for number, entry in enumerate(entries, 1))
    seen: set[str] = set()
    for point in points:
        if point.key in seen:
            raise JourneyFileError(f"{path}: the key {point.key} is used twice")
        seen.add(point.key)
    return JourneyMap(points)


_lock = threading.Lock()
_cache: dict[Path, tuple[float, JourneyMap]] = {}


def load_map(path: str | Path | None = None) -> JourneyMap:
    """The journey map in the file at `path` (None: the shipped default), read again when the
    file changes; raises JourneyFileError when it cannot be read or is wrong."""
    where = Path(path).expanduser() if path else DEFAULT_FILE
    try:
        changed = where.stat().st_mtime
    except OSError:
        raise JourneyFileError(f"{where}: no such file (JOURNEY_FILE)") from None
    with _lock:
        cached = _cache.get(where)
    if cached is not None and cached[0] == changed:
        return cached[1]
    try:
        data = yaml.safe_load(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise JourneyFileError(f"{where}: cannot be read ({error})") from None
    except yaml.YAMLError as error:
        raise JourneyFileError(f"{where}: not valid YAML ({error})") from None
    journey = parse_map(data, where)
    with _lock:
        _cache[where] = (changed, journey)
    return journey
