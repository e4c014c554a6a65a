"""The local console: type what you would type in Slack, read the answer as text.

Answers come from the same command table as Slack (handlers/commands/table.py) and are the
same blocks, shown as text.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import weakref
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.core.workspace import workspace_key
from bot.language import answer_reading, numbered_readings, reading_choices
from handlers.commands.table import answer_line

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong while answering that; it has been logged. Try again."
QUIT_WORDS = {"quit", "exit", ":q", "\\q"}
HISTORY_FILE = Path(os.environ.get("WARROOM_HISTORY", Path.home() / ".warroom_history"))
BANNER = (
    "War Room console. Type what you would type in Slack, for example /ltv channel=tiktok.\n"
    "/warroom help lists the commands; quit (or Ctrl-D) leaves."
)


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
        surface="console",
    )


def answer_text(line: str, ctx: Context) -> str:
    """Answer one typed line as the text a person would read in Slack. After a question with
    several readings (buttons in Slack, numbered here), a number picks one of them."""
    session = id(ctx)
    offered = _offered.get(session, [])
    picked = line.strip()
    if offered and picked.isdigit() and 1 <= int(picked) <= len(offered):
        reply = answer_reading(offered[int(picked) - 1][1], ctx)
    else:
        reply = answer_line(line, ctx)
    choices = reading_choices(reply.message)
    if session not in _offered and choices:
        weakref.finalize(ctx, _offered.pop, session, None)
    if session in _offered or choices:
        _offered[session] = choices
    if not choices or reply.message is None:
        return reply.as_text()
    return replace(reply, message=numbered_readings(reply.message)).as_text()


# The readings last offered in each console session (by its Context), for answer_text.
_offered: dict[int, list[tuple[str, str]]] = {}


def run_console(
    answer: Callable[[str], str],
    read: Callable[[str], str] = input,
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
