"""Log records that cannot lie: each record is one line (line breaks and other control
characters in its message are escaped) of bounded length, so text from a request, a file
or an error message can never forge a line that seems to come from elsewhere. Tracebacks
keep their lines, each indented under its record."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Longer messages are cut, saying how much was left out.
MAX_MESSAGE = 2000
MAX_TRACEBACK = 20_000
TRACEBACK_INDENT = "    | "

# Control characters (tab aside) and the characters some readers take for line breaks.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` as one line: line breaks and control characters escaped, cut at `limit`."""
    cut = text[:limit]
    line = _UNSAFE.sub(_escape, cut)
    left = len(text) - len(cut)
    return f"{line} …[{left} more characters]" if left else line


class OneLineFormatter(logging.Formatter):
    """A Formatter whose records are one line each, with their tracebacks indented below."""

    def __init__(
        self,
        fmt: str = LOG_FORMAT,
        datefmt: str | None = None,
        max_message: int = MAX_MESSAGE,
    ) -> None:
        super().__init__(fmt, datefmt)
        self.max_message = max_message

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        """The traceback: each frame keeps its two lines (file, source); everything else, the
        exception's own message above all, is escaped into one line."""
        lines: list[str] = []
        for part in traceback.format_exception(*ei):
            if part.startswith("  File "):
                lines.extend(part.rstrip("\n").split("\n"))
            else:
                lines.append(one_line(part.strip("\n"), self.max_message))
        return "\n".join(lines)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line, then its traceback (if any) with every line indented."""
        safe = logging.makeLogRecord(record.__dict__)
        safe.msg, safe.args = one_line(record.getMessage(), self.max_message), None
        safe.exc_info, safe.exc_text, safe.stack_info = None, None, None
        line = one_line(super().format(safe), self.max_message * 2)
        details = [
            self.formatException(record.exc_info) if record.exc_info else "",
            self.formatStack(record.stack_info) if record.stack_info else "",
        ]
        extra = "\n".join(part for part in details if part)[:MAX_TRACEBACK]
        if not extra:
            return line
        return line + "".join(
            "\n" + TRACEBACK_INDENT + one_line(row, self.max_message) for row in extra.splitlines()
        )


def setup_logging(level: int | str) -> None:
    """Log to stderr at `level`, one line per record (OneLineFormatter), unless logging is
    already set up (as logging.basicConfig does)."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter())
    logging.basicConfig(level=level, handlers=[handler])
