"""Messages in the reader's language: one gettext catalog per language, managed with Babel.

The catalogs are data files in bot/language/locale (`messages.pot`, `zh/LC_MESSAGES/messages.po`
and its compiled `.mo`; `python -m bot.language.catalog update` extracts and merges them), read
here so that every layer can translate. English is the source language: a msgid is the English
text, with `{named}` fields filled in after translation.

No global state: whoever shows a text passes the language (`words(language)._("...")`), so
answers computed side by side in the thread pool each keep their own. Text made before the
reader is known (a parser error, a stored alert's summary, a note of the metric engine) is a
`Msg`: the English text and its values, said in a language later.
"""

from __future__ import annotations

import gettext
import io
import logging
import threading
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")
DEFAULT_LANGUAGE: Language = "en"
# Data files beside the language feature (bot/language/locale), read by path: no import.
LOCALE_DIR = Path(__file__).resolve().parents[1] / "language" / "locale"
DOMAIN = "messages"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def N_(message: str) -> str:
    """Mark `message` for the catalog where it is declared; it is translated where shown."""
    return message


def language_or_default(value: object) -> Language:
    """`value` when it names a supported language ("zh", "zh-CN", "en_US"), else English."""
    text = str(value or "").strip().lower().replace("_", "-")
    if text.startswith(("zh", "cn")) or text in ("chinese", "中文"):
        return "zh"
    return DEFAULT_LANGUAGE


class Msg(str):
    """A message said later, in the reader's language: a string holding its English text,
    which also keeps the msgid (with `{named}` fields) and the fields' values, so `say` can
    word it in another language. A value may itself be a Msg, a date or anything with
    `say(language)`."""

    text: str
    values: tuple[tuple[str, Any], ...]

    def __new__(cls, text: str, /, **values: Any) -> Msg:
        english = words(DEFAULT_LANGUAGE)._(text, **values) if values else text
        made = super().__new__(cls, english)
        made.text = text
        made.values = tuple(sorted(values.items()))
        return made

    def say(self, language: Language) -> str:
        """The message in `language`."""
        return words(language)._(self.text, **dict(self.values))

    def as_json(self) -> dict[str, Any]:
        """The message as JSON (to store it): values are text, numbers, dates or messages."""
        return {"msg": self.text, "values": {k: _value_json(v) for k, v in self.values}}

    @classmethod
    def from_json(cls, data: Any) -> str:
        """A message stored with `as_json` (a plain string stays a string)."""
        if not isinstance(data, Mapping) or "msg" not in data:
            return "" if data is None else str(data)
        values = data.get("values") or {}
        return cls(str(data["msg"]), **{str(k): _value_of_json(v) for k, v in values.items()})


class Joined(str):
    """Several messages said one after the other ("a; b"), each in the reader's language."""

    parts: tuple[str, ...]

    def __new__(cls, parts: tuple[str, ...]) -> Joined:
        made = super().__new__(cls, "; ".join(parts))
        made.parts = parts
        return made

    def say(self, language: Language) -> str:
        """The parts in `language`, separated as the language separates clauses."""
        t = words(language)
        return ("；" if language == "zh" else "; ").join(t.say(part) for part in self.parts)


# Text shown to a person: a plain string, or a Msg (a string too) said in the reader's language.
Text = str


def joined(parts: list[Msg] | list[str]) -> str | None:
    """The parts as one text (the only part as it is); None when there are none."""
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Joined(tuple(parts))


def _value_json(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"$msg": value.as_json()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a stored message cannot hold {type(value).__name__}")


def _value_of_json(value: Any) -> Any:
    if isinstance(value, Mapping) and "$msg" in value:
        return Msg.from_json(value["$msg"])
    if isinstance(value, Mapping) and "$date" in value:
        return date.fromisoformat(str(value["$date"]))
    return value


class Words:
    """One language's messages: `_` translates a msgid and fills in its fields, `n_` picks the
    plural form, `say` words a Msg (or an error carrying one); dates in the language's style."""

    def __init__(self, language: Language, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def _(self, message: str, /, **values: Any) -> str:
        """`message` (an English msgid) in this language, its `{fields}` filled in."""
        if not message:
            return message
        return self._fill(self._translations.gettext(message), message, values)

    def n_(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        """The form of a message for `count` things ("{n} day" / "{n} days")."""
        message = self._translations.ngettext(singular, plural, count)
        return self._fill(message, singular if count == 1 else plural, values)

    def _fill(self, translated: str, original: str, values: dict[str, Any]) -> str:
        if not values:
            return translated
        shown = {name: self.value(value) for name, value in values.items()}
        try:
            return translated.format(**shown)
        except (KeyError, IndexError, ValueError):
            # A translation naming a field the message does not have: say it in English.
            log.warning("translation of %r does not fit its fields", original)
            return original.format(**shown)

    def value(self, value: Any) -> Any:
        """A field's value as shown: messages and money said in this language, dates in its
        style (ISO in English), everything else as it is (so `{share:.0%}` formats a number)."""
        if hasattr(value, "say"):
            return value.say(self.language)
        if isinstance(value, date):
            return value.isoformat() if self.language == "en" else self.day(value, year=True)
        return value

    def say(self, thing: str | BaseException | None) -> str:
        """A Msg, a marked constant (`N_`), or an error whose message is one, in this language;
        other text as it is."""
        if thing is None:
            return ""
        if isinstance(thing, BaseException):
            first = thing.args[0] if len(thing.args) == 1 else None
            return self.say(first) if isinstance(first, str) else str(thing)
        if isinstance(thing, Msg | Joined):
            return thing.say(self.language)
        return self._(str(thing))

    def day(self, day: date, *, year: bool = False, weekday: bool = False) -> str:
        """ "2 Nov" / "11月2日"; with `year` "2 Nov 2026" / "2026年11月2日"; with `weekday`
        "Mon 2 Nov 2026" / "2026年11月2日 周一"."""
        if self.language == "zh":
            text = f"{day.month}月{day.day}日"
            if year:
                text = f"{day.year}年{text}"
            return f"{text} {_WEEKDAYS_ZH[day.weekday()]}" if weekday else text
        text = f"{day.day} {_MONTHS_EN[day.month - 1]}"
        if year:
            text = f"{text} {day.year}"
        return f"{_WEEKDAYS_EN[day.weekday()]} {text}" if weekday else text

    def day_in_year(self, day: date, this_year: int) -> str:
        """A day, with its year only when it is not `this_year` ("30 Nov", "11月30日",
        "2025年11月30日")."""
        return self.day(day, year=day.year != this_year)

    def join(self, items: list[str]) -> str:
        """ "a, b and c" / "a、b和c"."""
        if len(items) <= 1:
            return "".join(items)
        if self.language == "zh":
            return "、".join(items[:-1]) + "和" + items[-1]
        return ", ".join(items[:-1]) + " and " + items[-1]


_lock = threading.Lock()
_loaded: dict[str, Words] = {}


def words(language: str | None) -> Words:
    """The messages of `language` (English for anything unsupported); loaded once."""
    chosen: Language = language if language in LANGUAGES else language_or_default(language)  # type: ignore[assignment]
    found = _loaded.get(chosen)
    if found is not None:
        return found
    with _lock:
        if chosen not in _loaded:
            _loaded[chosen] = Words(chosen, _translations(chosen))
        return _loaded[chosen]


def catalog_paths(language: str) -> tuple[Path, Path]:
    """Where a language's catalog (.po) and its compiled form (.mo) are."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def _translations(language: Language) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    po, mo = catalog_paths(language)
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    if po.exists():
        # The .mo is missing or older than the catalog (edited without `make catalogs`).
        return gettext.GNUTranslations(compile_catalog(po))
    log.warning("no %s catalog at %s; answering in English", language, po)
    return gettext.NullTranslations()


def compile_catalog(po: Path) -> Any:
    """The catalog at `po` compiled to .mo bytes (a readable binary stream)."""
    # Imported here: Babel's catalog reader costs 40 ms at start-up and is needed only when
    # the compiled catalog is missing or stale.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return buffer
