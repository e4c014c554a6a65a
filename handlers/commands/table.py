"""The one table of every slash command and the feature answer behind it.

The Slack listener (slash.py) and the local console both answer through `answer_command`.
Metric commands come from the metric registry and answer in the query language or in plain
words (bot.language); a typed line that is no command at all (a DM, a mention, the console)
is a question in plain words. A new command is one entry here and one in slack-manifest.yml
(a test checks that the two agree).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bot.core.context import Context
from bot.core.render import Reply
from bot.fund import fund_command
from bot.journey import journey_as_json, journey_command, northstar_command
from bot.language import answer_metric_command, answer_question, language_of
from bot.metrics.registry import slash_commands
from bot.okrs import okr_command
from handlers.commands import warroom

Answer = Callable[[str, Context], Reply]
# A command's answer as JSON (`warroom ask --json`); raises ValueError saying what to change.
JsonAnswer = Callable[[str, Context], dict[str, Any]]


@dataclass(frozen=True)
class Command:
    """A slash command: what answers it, and the first words whose answer opens a form (those
    are answered at once, before Slack's trigger id expires)."""

    answer: Answer
    form_words: frozenset[str] = field(default_factory=frozenset)
    as_json: JsonAnswer | None = None


COMMANDS: dict[str, Command] = {
    **{name: Command(partial(answer_metric_command, name)) for name in slash_commands()},
    "/warroom": Command(warroom.answer, frozenset({"settings"})),
    "/fund": Command(fund_command, frozenset({"propose"})),
    "/okr": Command(okr_command, frozenset({"new"})),
    "/journey": Command(journey_command, as_json=journey_as_json),
    "/northstar": Command(northstar_command),
}


def registered_commands() -> list[str]:
    """The slash commands the app answers (the manifest must declare exactly these)."""
    return sorted(COMMANDS)


def opens_form(command: str, text: str) -> bool:
    """True when the answer to `command text` opens a form (see Command.form_words)."""
    entry = COMMANDS.get(command.strip().lower())
    first = text.strip().split(" ", 1)[0].lower()
    return entry is not None and first in entry.form_words


def answer_command(command: str, text: str, ctx: Context) -> Reply:
    """Answer one slash command (e.g. "/ltv", "channel=tiktok") for `ctx`."""
    name = command.strip().lower()
    if not name.startswith("/"):
        name = "/" + name
    entry = COMMANDS.get(name)
    if entry is None:
        close = difflib.get_close_matches(name, list(COMMANDS), n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        return Reply.error(
            f'Unknown command "{command.strip()}".{hint} Type /warroom help for the list.'
        )
    return entry.answer(text.strip(), ctx)


def split_line(line: str) -> tuple[str, str]:
    """A typed line as (command, text): "/ltv channel=tiktok", "ltv channel=tiktok" (a known
    command without its slash) and "help" (meaning /warroom help)."""
    word, _, rest = line.strip().partition(" ")
    if word.lower() in ("help", "/help", "?", "帮助"):
        return "/warroom", "help"
    if not word.startswith("/") and "/" + word.lower() in COMMANDS:
        word = "/" + word
    return word, rest.strip()


def json_answer(line: str, ctx: Context) -> dict[str, Any] | None:
    """The JSON answer of a typed line whose command has one ("/journey since=14d"); None
    when its command has none. Raises ValueError saying what to change."""
    command, text = split_line(line)
    entry = COMMANDS.get(command.strip().lower())
    if entry is None or entry.as_json is None:
        return None
    return entry.as_json(text, ctx)


def answer_line(line: str, ctx: Context) -> Reply:
    """Answer one typed line ("/fund list") the way the slash command would; a line that
    names no command ("what is our cac on douyin this week?") is a question in plain words."""
    command, text = split_line(line)
    if not command.startswith("/"):
        return answer_question(line.strip(), ctx)
    if language_of(line) == "zh":
        # A command typed with Chinese in it ("帮助", "/fund 提案") is answered in Chinese.
        ctx = ctx.in_language("zh")
    return answer_command(command, text, ctx)
