"""Understanding a question in plain English or Chinese: its canonical command, or the
closest readings when it is ambiguous or partial. Deterministic and local: a lexicon built
once, no model, nothing loaded per question."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from bot.core.i18n import Msg, Text, joined
from bot.language.lexicon import catalog_lexicon, correct, match, static_lexicon
from bot.language.readings import Reading, build, gather, join_time_phrases
from bot.language.text import Language, language_of, normalise, units
from bot.metrics import METRICS, Catalog, QueryError, find_metric, parse

MAX_QUESTION = 500
# Offered when nothing in a question points anywhere.
EXAMPLES = ("/ltv last-week", "/cac by=channel last-month", "/retention d=7 since=30d")


@dataclass(frozen=True)
class Understanding:
    """What a question was understood as: `command` when it has one clear reading, else
    `choices` (the closest readings, best first) and the `problem`. `language` is the one it
    was asked in; `ignored` the unknown words left out; `corrected` the typos read as words."""

    question: str
    language: Language
    command: str | None = None
    choices: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    corrected: tuple[tuple[str, str], ...] = ()
    problem: Text | None = None


def understand(text: str, catalog: Catalog, today: date) -> Understanding:
    """Read `text` against the lexicon (catalog: the channels and campaigns it may name;
    today: for "10月" and "last week"). Never raises for any text."""
    question = text if isinstance(text, str) else ""
    language = language_of(question[:MAX_QUESTION])
    if len(question) > MAX_QUESTION:
        return Understanding(
            question[:MAX_QUESTION],
            language,
            choices=_valid(EXAMPLES, catalog, today),
            problem=Msg("it is longer than {limit} characters", limit=MAX_QUESTION),
        )
    said = normalise(question)
    found = units(said)
    tries = (static_lexicon(), catalog_lexicon(catalog))
    texts, corrected = correct(found, tries)
    tokens = join_time_phrases(match(found, texts, tries, said))
    parts = gather(tokens, today)
    outcome = build(parts)
    fixed = tuple(corrected.items())
    if outcome.sure and len(outcome.readings) == 1:
        return Understanding(
            question,
            language,
            command=outcome.readings[0].command(),
            ignored=tuple(parts.unknown),
            corrected=fixed,
        )
    commands = [reading.command() for reading in outcome.readings]
    choices = _valid(commands, catalog, today) or _suggestions(parts.unknown, catalog, today)
    return Understanding(
        question,
        language,
        choices=choices,
        ignored=tuple(parts.unknown),
        corrected=fixed,
        problem=joined(list(outcome.problems)) or Msg("it has more than one reading"),
    )


def _valid(commands: list[str] | tuple[str, ...], catalog: Catalog, today: date) -> tuple[str, ...]:
    """The commands the query language accepts today, at most five."""
    out = []
    for command in commands:
        try:
            parse(command, catalog, today)
        except QueryError:
            continue
        out.append(command)
        if len(out) == 5:
            break
    return tuple(out)


def _suggestions(unknown: list[str], catalog: Catalog, today: date) -> tuple[str, ...]:
    """Metrics whose names are close to the unknown words, else a few examples."""
    words = [word for metric in METRICS for word in (metric.name, *metric.aliases)]
    commands: list[str] = []
    for text in unknown:
        for piece in text.split():
            for close in difflib.get_close_matches(piece, words, n=2, cutoff=0.6):
                metric = find_metric(close)
                if metric is not None:
                    command = Reading(metric.name).command()
                    if command not in commands:
                        commands.append(command)
    return _valid(commands, catalog, today) or _valid(EXAMPLES, catalog, today)
