"""The one renderer: Block Kit messages and views for every answer, and their text form.

Everything is built from slack_sdk.models blocks and passes through bot.core.blocks, so Block Kit
limits hold by construction. One module per area (metric, home, fund, warroom); the shared
pieces live here. The console shows the same blocks as text (`blocks_as_text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core import blocks as kit


def text_message(text: str) -> dict[str, Any]:
    """A plain message (help, errors) as sections."""
    return kit.message(kit.lines_to_sections(text.splitlines()) or [kit.section(" ")], text)


def error_message(problem: str) -> dict[str, Any]:
    """A short error that says what to change."""
    return text_message(f":warning: {problem}")


@dataclass
class Reply:
    """An answer: a message (blocks + text) and/or a modal view to open.

    `public` posts the message for the whole channel instead of only to the person asking;
    `failed` marks an answer that says what to change (the CLI exits non-zero on it).
    """

    message: dict[str, Any] | None = None
    modal: dict[str, Any] | None = None
    public: bool = False
    failed: bool = False

    @classmethod
    def text(cls, text: str, public: bool = False) -> Reply:
        """A plain text answer."""
        return cls(message=text_message(text), public=public)

    @classmethod
    def error(cls, problem: str) -> Reply:
        """A short, private error that says what to change."""
        return cls(message=error_message(problem), failed=True)

    def as_text(self) -> str:
        """The text a person reads in the message and the modal (for the console and CLI)."""
        parts = []
        if self.message:
            parts.append(blocks_as_text(self.message))
        if self.modal:
            parts.append(blocks_as_text(self.modal, modal=True))
        return "\n\n".join(parts) or "(no answer)"


_EMOJI_TEXT = {
    ":warning:": "(!)",
    # The change line itself says "(better)" or "(worse)".
    ":large_green_circle: ": "",
    ":red_circle: ": "",
    ":white_circle:": "",
    ":small_red_triangle:": "▲",
    ":small_red_triangle_down:": "▼",
    ":rotating_light:": "(!)",
    ":white_check_mark:": "[ok]",
    ":x:": "[x]",
    ":white_square:": "[ ]",
    ":hourglass:": "",
    ":hourglass_flowing_sand:": "",
    ":sunrise:": "",
    ":construction:": "",
    ":checkered_flag:": "",
    ":pencil2:": "",
    ":leftwards_arrow_with_hook:": "",
}
_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<@([A-Za-z0-9_]+)(?:\|[^>]*)?>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")


def _plain(text: str) -> str:
    for code, word in _EMOJI_TEXT.items():
        # An emoji that reads as nothing takes its trailing space with it.
        text = text.replace(f"{code} ", f"{word} " if word else "").replace(code, word)
    text = _LINK.sub(r"\2", text)
    text = _MENTION.sub(r"@\1", text)
    text = text.replace("```", "")
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    return _CODE.sub(r"\1", text).strip("\n")


def _element_text(element: dict[str, Any]) -> str:
    text = element.get("text")
    if isinstance(text, dict):
        return _plain(text.get("text", ""))
    if isinstance(text, str):
        return _plain(text)
    if element.get("type") == "image":
        return f"[image: {element.get('alt_text', '')}]"
    return ""


def blocks_as_text(payload: dict[str, Any], modal: bool = False) -> str:
    """The text a person would read in a message's (or a modal's) blocks, for the console."""
    lines: list[str] = []
    if modal and payload.get("title"):
        title = payload["title"]["text"] if isinstance(payload["title"], dict) else payload["title"]
        lines.append(f"[form: {title}] (this opens a form in Slack)")
    for block in payload.get("blocks", []):
        kind = block.get("type")
        if kind == "header":
            lines.append(block["text"]["text"])
            lines.append("=" * len(block["text"]["text"]))
        elif kind == "section":
            if block.get("text"):
                lines.append(_plain(block["text"]["text"]))
            for item in block.get("fields") or []:
                lines.append(_plain(item["text"]))
        elif kind == "context":
            lines.append(" · ".join(t for t in map(_element_text, block["elements"]) if t))
        elif kind == "actions":
            labels = [_element_text(e) for e in block["elements"] if e.get("type") == "button"]
            if labels:
                lines.append("[" + "] [".join(labels) + "]")
        elif kind == "input":
            lines.append(f"{_plain(block['label']['text'])}: ____")
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
    return "\n".join(lines) if lines else _plain(payload.get("text", ""))
