"""How an understood question is shown: "Understood as `/cac ...`" above the answer, and an
unclear one's closest readings as buttons (numbered choices in the console)."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.core import blocks as kit
from bot.core.i18n import DEFAULT_LANGUAGE, Text, words
from bot.language.text import Language

READING_ACTION = "language_reading"
# Slack's limits: 75 characters of button text, 2000 of button value.
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000


def reading_value(command: str, language: Language) -> str:
    """What a reading's button carries: the command, and the language it was asked in."""
    return json.dumps({"q": command, "lang": language}, ensure_ascii=False)[:MAX_BUTTON_VALUE]


def reading_of_value(value: str) -> tuple[str, Language]:
    """The command and language a reading's button carries ("" when it carries none)."""
    try:
        data = json.loads(value)
        command, language = str(data["q"]), data.get("lang")
    except (ValueError, KeyError, TypeError, AttributeError):
        return "", "en"
    return command, ("zh" if language == "zh" else "en")


def understood_line(
    command: str,
    ignored: tuple[str, ...] = (),
    corrected: tuple[tuple[str, str], ...] = (),
    language: Language = DEFAULT_LANGUAGE,
) -> str:
    """ "Understood as `/cac channel=douyin last-week`", naming the typos read as words and
    the words left out."""
    t = words(language)
    notes = [
        t._('read "{typed}" as "{known}"', typed=typed, known=known) for typed, known in corrected
    ]
    if ignored:
        quoted = ", ".join(f'"{word}"' for word in ignored)
        notes.append(t._("ignored {words}", words=quoted))
    line = t._("Understood as `{command}`", command=command)
    return f"{line} ({'; '.join(notes)})" if notes else line


def understood_message(
    message: dict[str, Any],
    command: str,
    language: Language,
    ignored: tuple[str, ...] = (),
    corrected: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """The answer `message` with what the question was understood as said first (in the
    asker's `language`)."""
    line = understood_line(command, ignored, corrected, language)
    blocks = list(message.get("blocks") or [])
    while blocks and len(blocks) + 1 > kit.MAX_MESSAGE_BLOCKS:
        blocks.pop(-2 if len(blocks) > 1 else -1)  # a row of the answer; the buttons stay
    first = kit.context(line).to_dict()
    text = kit.fit_text(f"{line.replace('`', '')}. {message.get('text', '')}")
    return {**message, "blocks": [first, *blocks], "text": text}


def not_sure_line(problem: Text | None, language: Language = DEFAULT_LANGUAGE) -> str:
    """ "I am not sure what you mean: it names more than one metric." """
    t = words(language)
    said = t.say(problem) if problem else t._("it is unclear")
    return t._("I am not sure what you mean: {problem}.", problem=said)


def choices_message(
    problem: Text | None,
    choices: tuple[str, ...],
    ignored: tuple[str, ...],
    language: Language,
) -> dict[str, Any]:
    """An unclear question's closest readings, one button each, best first."""
    t = words(language)
    lines = [not_sure_line(problem, language)]
    if ignored:
        quoted = ", ".join(f'"{word}"' for word in ignored)
        lines.append(t._("Words I do not know: {words}.", words=quoted))
    lines.append(
        t._("Did you mean one of these?") if choices else t._("Try a question such as these.")
    )
    out: list[Any] = [kit.section("\n".join(lines))]
    if choices:
        out.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=kit.clip(command, MAX_BUTTON_TEXT),
                        action_id=f"{READING_ACTION}_{index}",
                        value=reading_value(command, language),
                    )
                    for index, command in enumerate(choices)
                ]
            )
        )
    out.append(
        kit.context(
            t._(
                "Ask in plain words (抖音上周的获客成本, cac on douyin last week) or in the "
                "query language (`/cac channel=douyin last-week`); `/metric list` shows every "
                "metric."
            )
        )
    )
    fallback = lines[0] + " " + " | ".join(choices)
    return kit.message(out, fallback)


def reading_choices(message: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The reading buttons of a message as (command, button value), in order (the console
    numbers them)."""
    out = []
    for block in (message or {}).get("blocks") or []:
        if block.get("type") != "actions":
            continue
        for element in block.get("elements") or []:
            if str(element.get("action_id", "")).startswith(READING_ACTION):
                value = str(element.get("value", ""))
                command, _ = reading_of_value(value)
                if command:
                    out.append((command, value))
    return out


def numbered_readings(
    message: dict[str, Any], language: Language = DEFAULT_LANGUAGE, first: int = 0
) -> dict[str, Any]:
    """The message with its reading buttons as a numbered list from `first` + 1 (for the
    console, where a number picks one)."""
    blocks = []
    for block in message.get("blocks") or []:
        commands = [command for command, _ in reading_choices({"blocks": [block]})]
        if not commands:
            blocks.append(block)
            continue
        lines = [f"  {number}. {command}" for number, command in enumerate(commands, first + 1)]
        lines.append(words(language)._("Type a number to choose one."))
        blocks.append(kit.section("\n".join(lines)).to_dict())
    return {**message, "blocks": blocks}
