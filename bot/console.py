"""The local console: type what you would type in Slack, read the answer as text.

Answers come from the same command core as Slack (bot.commands) and are the same blocks,
shown as text (bot.core.render.blocks_as_text).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

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


def run_console(
    answer: Callable[[str], str],
    read: Callable[[str], str] = input,
    out: TextIO | None = None,
    history: bool = True,
) -> int:
    """Read commands until quit or end of input, printing each answer; returns an exit code."""
    import sys

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
