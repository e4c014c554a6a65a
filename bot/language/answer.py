"""Answering a question wherever it is asked (a slash command's free text, a mention, a DM,
the console, `warroom ask`): in the query language as it stands, else understood from plain
words and answered as its canonical command, saying so first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.context import Context
from bot.core.i18n import Msg, Text
from bot.core.render import Reply
from bot.language.render import (
    choices_message,
    reading_of_value,
    understood_message,
)
from bot.language.text import Language, language_of, normalise
from bot.language.understand import Understanding, understand
from bot.metrics import (
    Catalog,
    Query,
    QueryError,
    Result,
    answer,
    is_metric_list,
    load_catalog,
    metric_message,
    metrics_list_text,
    parse,
)


@dataclass(frozen=True)
class Asked:
    """An answered question: the engine's result, the canonical command it was understood
    as (None when it was asked in the query language), the language it was asked in."""

    result: Result
    understood_as: str | None
    language: Language
    ignored: tuple[str, ...] = ()
    corrected: tuple[tuple[str, str], ...] = ()


class Unclear(QueryError):
    """A question with no one reading; `understanding.choices` holds the closest ones."""

    def __init__(self, understanding: Understanding) -> None:
        problem = understanding.problem or Msg("it is unclear")
        if understanding.choices:
            said = Msg(
                "I am not sure what you mean: {problem}. Did you mean: {choices}?",
                problem=problem,
                choices="; ".join(understanding.choices),
            )
        else:
            said = Msg("I am not sure what you mean: {problem}.", problem=problem)
        super().__init__(said)
        self.understanding = understanding


def in_query_language(text: str) -> bool:
    """True when the text uses the query language's key=value options: its mistakes are
    answered as they are (`unknown channel "tiktk"`), never guessed at."""
    return "=" in normalise(text)


def ask_question(text: str, ctx: Context) -> Asked:
    """Answer a question in the query language or in plain words (English or Chinese);
    raises Unclear with the closest readings, or QueryError saying what to change."""
    catalog = load_catalog(ctx.db.analytics)
    today = ctx.clock.today(ctx.settings.tz)
    try:
        query = parse(text, catalog, today)
    except QueryError:
        if in_query_language(text):
            raise
        understanding = understand(text, catalog, today)
        command = understanding.command
        if command is None:
            raise Unclear(understanding) from None
        try:
            query = parse(command, catalog, today)
        except QueryError as problem:
            raise QueryError(
                Msg("Understood as `{command}`: {problem}", command=command, problem=_said(problem))
            ) from None
        result = answer(query, ctx.settings, ctx.db, ctx.clock)
        return Asked(
            result,
            command,
            understanding.language,
            understanding.ignored,
            understanding.corrected,
        )
    said = _said_plainly(text, query, catalog, today)
    result = answer(query, ctx.settings, ctx.db, ctx.clock)
    return Asked(result, said, language_of(text))


def _said_plainly(text: str, query: Query, catalog: Catalog, today: date) -> str | None:
    """The canonical command of words the query language also takes without a slash
    ("spend yesterday", "ltv last month"), when the lexicon reads them the same way."""
    if text.lstrip().startswith(("/", "／")) or in_query_language(text):
        return None
    command = understand(text, catalog, today).command
    if command is None:
        return None
    try:
        same = parse(command, catalog, today)
    except QueryError:
        return None
    return command if _asks(same) == _asks(query) else None


def _asks(query: Query) -> tuple[object, ...]:
    """What a query asks, apart from how it was written."""
    return (
        query.metric.name,
        query.period.start,
        query.period.end,
        query.filters,
        query.by,
        query.grain,
        query.compare,
        query.day_n,
    )


def question_language(text: str) -> Language | None:
    """The language a question is asked in: zh with any Chinese character, en for plain
    English words, None for the query language alone (`/cac channel=douyin`: the workspace's)."""
    if language_of(text) == "zh":
        return "zh"
    if text.lstrip().startswith(("/", "／")) or in_query_language(text):
        return None
    return "en" if any(char.isascii() and char.isalpha() for char in text) else None


def answer_question(text: str, ctx: Context) -> Reply:
    """The private answer to a question, "Understood as ..." first when it was in plain
    words; the closest readings to choose from when it is unclear. In the question's
    language (the workspace's for the query language alone)."""
    ctx = ctx.in_language(question_language(text) or ctx.language)
    if is_metric_list(text):
        return Reply.text(metrics_list_text(ctx.lang))
    try:
        asked = ask_question(text, ctx)
    except Unclear as unclear:
        return _choices(unclear.understanding, ctx)
    except QueryError as problem:
        return Reply.error(ctx.words.say(problem))
    return _answered(asked, ctx)


def answer_metric_command(command: str, text: str, ctx: Context) -> Reply:
    """A metric slash command (/ltv, /metric ...) with its text, in the query language or
    in plain words."""
    return answer_question(f"{command} {text}".strip(), ctx)


def answer_reading(value: str, ctx: Context) -> Reply:
    """The answer to the reading a person chose (a reading button's value)."""
    command, language = reading_of_value(value)
    ctx = ctx.in_language(language)
    if not command:
        return Reply.error(ctx.words._("That choice has expired; ask the question again."))
    try:
        asked = ask_question(command, ctx)
    except Unclear as unclear:
        return _choices(unclear.understanding, ctx)
    except QueryError as problem:
        return Reply.error(ctx.words.say(problem))
    return _answered(Asked(asked.result, command, language), ctx)


def _answered(asked: Asked, ctx: Context) -> Reply:
    message = metric_message(asked.result, ctx.settings, language=ctx.lang)
    if asked.understood_as is not None:
        message = understood_message(
            message, asked.understood_as, ctx.lang, asked.ignored, asked.corrected
        )
    return Reply(message=message)


def _said(problem: QueryError) -> Text:
    first = problem.args[0] if len(problem.args) == 1 else None
    return first if isinstance(first, Msg) else str(problem)


def _choices(understanding: Understanding, ctx: Context) -> Reply:
    message = choices_message(
        understanding.problem, understanding.choices, understanding.ignored, ctx.lang
    )
    return Reply(message=message, failed=True)
