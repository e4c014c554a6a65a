"""The local console: type what you would type in Slack, read the answer as text, press its
buttons by number and fill its forms in field by field.

Answers come from the same command table as Slack (handlers/commands/table.py) and are the
same blocks, shown as text. A button or a submitted form goes to the very listener Slack would
call (bot.slack.local plays Slack), so every feature behaves as it does there: a form of any
feature is asked field by field from its input blocks, its errors are asked again.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import logging
import os
import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.context import Context
from bot.core.db import Database
from bot.core.i18n import Language, words
from bot.core.render import Reply, blocks_as_text
from bot.core.settings import Settings
from bot.core.workspace import workspace_key
from bot.language import READING_ACTION, language_of, numbered_readings
from bot.slack.local import Listeners, LocalSlack, Shown, press, submit
from handlers import register_listeners
from handlers.commands.table import answer_line

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong while answering that; it has been logged. Try again."
QUIT_WORDS = {"quit", "exit", ":q", "\\q"}
HISTORY_FILE = Path(os.environ.get("WARROOM_HISTORY", Path.home() / ".warroom_history"))
BANNER = (
    "War Room console. Type what you would type in Slack, for example /ltv channel=tiktok.\n"
    "/warroom help lists the commands; quit (or Ctrl-D) leaves."
)
Read = Callable[[str], str]


def _enable_history() -> None:
    try:
        import readline
    except ImportError:  # not every platform has readline; the loop works without it
        return
    with contextlib.suppress(FileNotFoundError, PermissionError, OSError):
        readline.read_history_file(HISTORY_FILE)
    readline.set_history_length(1000)

    def _save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(HISTORY_FILE)

    atexit.register(_save)


def console_context(settings: Settings, db: Database, clock: Clock = SYSTEM_CLOCK) -> Context:
    """How the console asks: in the shared single workspace, as the local operator."""
    return Context(
        env=settings,
        db=db,
        clock=clock,
        workspace_id=workspace_key(settings, None),
        actor="console",
        channel_id="console",
        surface="console",
    )


class ConsoleSession:
    """One person at the console: the buttons of the last answer (pressed by number) and the
    forms they fill in (asked with `read`, shown on `out`; without `read` a form is only
    described)."""

    def __init__(self, ctx: Context, read: Read | None = None, out: TextIO | None = None):
        self.ctx = ctx
        self.read = read
        self.out = out or sys.stdout
        self.slack = LocalSlack()
        self.listeners = Listeners()
        register_listeners(self.listeners)  # type: ignore[arg-type]
        self.buttons: list[dict[str, Any]] = []
        # The language of the last question (its answer's buttons and forms keep it).
        self.lang: Language = ctx.lang

    def answer(self, line: str) -> str:
        """The text to show for one typed line: a number presses a button of the last answer,
        anything else is a command or a question."""
        picked = line.strip()
        offered, self.buttons = self.buttons, []
        if offered and picked.isdigit() and 1 <= int(picked) <= len(offered):
            # The listener Slack would call answers (in the language of the last question).
            button = offered[int(picked) - 1]
            if press(self.listeners, self.slack, self.ctx.in_language(self.lang), button):
                shown = self._shown(self.slack.take())
            else:
                shown = words(self.lang)._("Nothing answers that button here.")
        else:
            ctx = self.ctx.in_language("zh") if language_of(line) == "zh" else self.ctx
            self.lang = ctx.lang
            shown = self._reply(answer_line(line, ctx))
        if any(not _is_reading(button) for button in self.buttons):
            shown += "\n\n" + words(self.lang)._("Type a number to press a button.")
        return shown

    def _reply(self, reply: Reply) -> str:
        parts = []
        if reply.message is not None:
            parts.append(self._message(reply.message))
        if reply.modal is not None:
            view_id = self.slack.open_view(reply.modal)
            self.slack.take()
            parts.append(self._form(view_id))
        return "\n\n".join(p for p in parts if p) or "(no answer)"

    def _shown(self, shown: list[Shown]) -> str:
        """What listeners sent: messages as text (their buttons numbered), a chart's file, and
        the last form they opened, filled in here."""
        parts = []
        opened = None
        for item in shown:
            if item.kind == "message":
                parts.append(self._message(item.payload))
            elif item.kind == "file":
                text = words(self.lang)._("Chart saved to {path}", path=item.payload["path"])
                parts.append(f"{item.payload['text']}\n{text}".strip())
            elif item.kind == "modal":
                opened = item.where
        if opened is not None:
            parts.append(self._form(opened))
        return "\n\n".join(p for p in parts if p) or words(self.lang)._("Done.")

    def _message(self, message: dict[str, Any]) -> str:
        """A message as text, its buttons numbered after those already offered."""
        shown = copy.deepcopy(message)
        start = len(self.buttons)
        for block in shown.get("blocks") or []:
            if block.get("type") != "actions":
                continue
            for element in block.get("elements") or []:
                if element.get("type") != "button":
                    continue
                self.buttons.append(
                    {
                        "action_id": element.get("action_id"),
                        "value": element.get("value", ""),
                        "block_id": block.get("block_id", ""),
                    }
                )
                if not _is_reading(self.buttons[-1]):
                    label = element["text"]["text"]
                    element["text"]["text"] = f"{len(self.buttons)} {label}"
        readings = [b for b in self.buttons[start:] if _is_reading(b)]
        if readings:
            shown = numbered_readings(shown, self.lang, first=len(self.buttons) - len(readings))
        return blocks_as_text(shown)

    def _form(self, view_id: str) -> str:
        """Fill in the form `view_id` field by field and send it; what came of it."""
        view = self.slack.views[view_id]
        if not any(block.get("type") == "input" for block in view.get("blocks") or []):
            # A modal that only says something (a refusal once the form was open).
            title = (view.get("title") or {}).get("text", "")
            return f"[{title}]\n" + blocks_as_text({"blocks": view.get("blocks") or []})
        if self.read is None:
            return blocks_as_text(view, modal=True)
        try:
            errors = ask_form(view, self.read, self.out, self.lang, self._send)
        except FormCancelled:
            return words(self.lang)._("Form cancelled; nothing was sent.")
        if errors is None:
            return blocks_as_text(view, modal=True)
        return self._shown(self.slack.take())

    def _send(self, view: dict[str, Any]) -> dict[str, str] | None:
        return submit(self.listeners, self.slack, self.ctx, view)


def _is_reading(button: dict[str, Any]) -> bool:
    return str(button.get("action_id") or "").startswith(READING_ACTION)


# ------------------------------------------------------------------------------ forms

CANCEL_WORDS = ("/cancel", "\\cancel")
MAX_TRIES = 5
Send = Callable[[dict[str, Any]], "dict[str, str] | None"]


class FormCancelled(Exception):
    """The person left a form without sending it."""


def _text_of(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value or "")


def _options(element: dict[str, Any]) -> list[tuple[str, str]]:
    """(value, label) of a select's, radio's or checkboxes' options."""
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found += group.get("options") or []
    return [(str(o.get("value")), _text_of(o.get("text"))) for o in found]


def _initial(element: dict[str, Any]) -> Any:
    """What a field holds when the form opens (as the prompt's default)."""
    for key in ("initial_value", "initial_user", "initial_date", "initial_time"):
        if element.get(key):
            return element[key]
    if element.get("initial_conversation"):
        return element["initial_conversation"]
    if element.get("initial_option"):
        return element["initial_option"].get("value")
    if element.get("initial_options"):
        return [option.get("value") for option in element["initial_options"]]
    return None


def _state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """One field's entry in a submitted view's state, as Slack sends it for its type."""
    kind = element.get("type", "plain_text_input")
    if value in (None, "", []):
        return {"type": kind}
    if kind in ("static_select", "radio_buttons", "external_select"):
        return {"type": kind, "selected_option": {"value": value}}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": [{"value": v} for v in value]}
    key = {
        "users_select": "selected_user",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_conversation",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
    }.get(kind, "value")
    return {"type": kind, key: value}


def _choose(answer: str, options: list[tuple[str, str]], many: bool) -> Any:
    """The option value(s) an answer names: numbers ("2" or "1,3"), values or labels; None
    when it names none."""
    picked = []
    for part in answer.replace("，", ",").split(",") if many else [answer]:
        part = part.strip()
        if part.isdigit() and 1 <= int(part) <= len(options):
            picked.append(options[int(part) - 1][0])
            continue
        match = [v for v, label in options if part.lower() in (v.lower(), label.lower())]
        if not match:
            return None
        picked.append(match[0])
    return picked if many else picked[0]


class _Asker:
    """Asks the fields of one form on a terminal."""

    def __init__(self, read: Read, out: TextIO, language: Language) -> None:
        self.read, self.out, self.t = read, out, words(language)

    def line(self, prompt: str) -> str:
        try:
            answer = self.read(prompt)
        except EOFError:
            raise FormCancelled from None
        if answer.strip().lower() in CANCEL_WORDS:
            raise FormCancelled
        return answer.strip()

    def field(self, block: dict[str, Any], current: Any) -> Any:
        """One input block's value, asked until it is acceptable."""
        element = block.get("element") or {}
        optional = bool(block.get("optional"))
        options = _options(element)
        many = element.get("type") in ("checkboxes", "multi_static_select")
        label = _text_of(block.get("label"))
        hint = _text_of(block.get("hint")) or _text_of(element.get("placeholder"))
        for number, (_value, text) in enumerate(options, 1):
            print(f"    {number}. {text}", file=self.out)
        shown = ", ".join(current) if isinstance(current, list) else current
        default = f" [{shown}]" if shown not in (None, "") else ""
        extra = self.t._(" (optional)") if optional else ""
        if hint:
            print(f"  ({hint})", file=self.out)
        while True:
            answer = self.line(f"{label}{extra}{default}: ")
            if not answer:
                if current not in (None, "", []) or optional:
                    return current
                print("  " + self.t._("This field is required."), file=self.out)
                continue
            if answer == "-" and optional:
                return [] if many else None
            if not options:
                return answer.lstrip("@").split("|")[0].strip("<>@") if _person(element) else answer
            chosen = _choose(answer, options, many)
            if chosen is not None:
                return chosen
            print("  " + self.t._("Type the number of an option."), file=self.out)


def _person(element: dict[str, Any]) -> bool:
    return element.get("type") in ("users_select", "conversations_select", "channels_select")


def ask_form(
    view: dict[str, Any], read: Read, out: TextIO, language: Language, send: Send
) -> dict[str, str] | None:
    """Fill in a modal on a terminal, field by field from its input blocks, and send it; the
    fields the answer found wrong are asked again. {} once it is taken; None when nothing
    takes it. FormCancelled when the person leaves it."""
    asker = _Asker(read, out, language)
    t = asker.t
    title = _text_of(view.get("title"))
    print(f"== {title} ==", file=out)
    intro = [b for b in view.get("blocks") or [] if b.get("type") in ("section", "context")]
    if intro:
        print(blocks_as_text({"blocks": intro}), file=out)
    print(t._("(Enter keeps the value in brackets; /cancel leaves the form.)"), file=out)
    inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
    values = {b["block_id"]: _initial(b.get("element") or {}) for b in inputs}
    asking = inputs
    for _ in range(MAX_TRIES):
        for block in asking:
            values[block["block_id"]] = asker.field(block, values[block["block_id"]])
        state = {
            b["block_id"]: {
                str((b.get("element") or {}).get("action_id") or "value"): _state(
                    b.get("element") or {}, values[b["block_id"]]
                )
            }
            for b in inputs
        }
        errors = send({**view, "state": {"values": state}})
        if not errors:
            return errors
        for block in inputs:
            if block["block_id"] in errors:
                print(f"(!) {_text_of(block.get('label'))}: {errors[block['block_id']]}", file=out)
        asking = [b for b in inputs if b["block_id"] in errors] or inputs
    raise FormCancelled


# One session per Context for answer_text (tests and one-off answers): its buttons.
_sessions: dict[int, ConsoleSession] = {}


def answer_text(line: str, ctx: Context) -> str:
    """Answer one typed line as the text a person would read in Slack. After an answer with
    buttons (numbered here), a number presses one of them; forms are only described."""
    key = id(ctx)
    session = _sessions.get(key)
    if session is None:
        session = _sessions[key] = ConsoleSession(ctx)
        weakref.finalize(ctx, _sessions.pop, key, None)
    return session.answer(line)


def run_console(
    answer: Callable[[str], str],
    read: Read = input,
    out: TextIO | None = None,
    history: bool = True,
) -> int:
    """Read commands until quit or end of input, printing each answer; returns an exit code."""
    stream = out or sys.stdout
    if history:
        _enable_history()
    print(BANNER, file=stream)
    while True:
        try:
            line = read("warroom> ")
        except EOFError:
            print(file=stream)
            return 0
        except KeyboardInterrupt:
            print("\n(press Ctrl-D or type quit to leave)", file=stream)
            continue
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT_WORDS:
            return 0
        try:
            reply = answer(line)
        except Exception:  # one bad answer must not end the session
            log.exception("Console command failed: %s", line)
            reply = SORRY
        print(reply, file=stream, flush=True)
