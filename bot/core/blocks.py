"""Block Kit limits the bot respects by construction, in one truncate-and-split helper.

slack_sdk.models checks some limits when a block is serialised (section text 3000, header
150, 25 actions ...) but not others: 50 blocks a message, 2000 characters a section field,
message text under 4000 characters. Everything the renderer builds passes through here.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_MESSAGE_TEXT = 3900
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def header(text: str) -> HeaderBlock:
    """A header block whose text always fits."""
    return HeaderBlock(text=PlainTextObject(text=clip(text, MAX_HEADER_TEXT), emoji=True))


def section(text: str, fields: list[str] | None = None) -> SectionBlock:
    """A mrkdwn section; its text and fields are clipped to Slack's limits."""
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)) if text else None,
        fields=[MarkdownTextObject(text=clip(f, MAX_FIELD_TEXT)) for f in fields[:MAX_FIELDS]]
        if fields
        else None,
    )


def context(*texts: str) -> ContextBlock:
    """A context line of up to ten mrkdwn elements."""
    return ContextBlock(
        elements=[
            MarkdownTextObject(text=clip(t, MAX_SECTION_TEXT)) for t in texts[:MAX_CONTEXT_ELEMENTS]
        ]
    )


def lines_to_sections(lines: list[str], code: bool = False) -> list[SectionBlock]:
    """Pack lines into as few sections as fit; `code` wraps each in a preformatted block."""
    fence = "```"
    budget = MAX_SECTION_TEXT - (2 * len(fence) + 2 if code else 0)
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        line = clip(line, budget)
        if chunks[-1] and size + len(line) + 1 > budget:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    out = []
    for chunk in chunks:
        body = "\n".join(chunk)
        if not body.strip():
            continue
        out.append(section(f"{fence}\n{body}\n{fence}" if code else body))
    return out


def fit_blocks(blocks: list[Block], limit: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """At most `limit` blocks: the tail is replaced by one "and N more" line when cut."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    hidden = len(blocks) - len(kept)
    return [*kept, context(f"_…and {hidden} more not shown_")]


def fit_text(text: str) -> str:
    """Message text (the notification fallback) cut under Slack's 4000-character limit."""
    return clip(text, MAX_MESSAGE_TEXT)


def message(blocks: list[Block], text: str) -> dict[str, object]:
    """A chat message payload (blocks as dicts and fallback text) that fits Slack's limits."""
    return {"blocks": [b.to_dict() for b in fit_blocks(blocks)], "text": fit_text(text)}


def mention(user_id: str) -> str:
    """A Slack mention of a person ("<@U123>"); the console shows it as @U123."""
    return f"<@{user_id}>"
