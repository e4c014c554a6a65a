"""The truncate-and-split helper keeps every message inside Block Kit's limits."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.core.blocks import (
    MAX_FIELD_TEXT,
    MAX_MESSAGE_BLOCKS,
    MAX_MESSAGE_TEXT,
    MAX_SECTION_TEXT,
    clip,
    fit_blocks,
    header,
    lines_to_sections,
    message,
    section,
)


def test_clip_marks_what_it_cut() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 4) == "abc…"
    assert len(clip("x" * 5000, MAX_SECTION_TEXT)) == MAX_SECTION_TEXT


def test_section_text_and_fields_fit() -> None:
    block = section("y" * 10_000, fields=["f" * 5000] * 12).to_dict()
    assert len(block["text"]["text"]) == MAX_SECTION_TEXT
    assert len(block["fields"]) == 10
    assert all(len(f["text"]) == MAX_FIELD_TEXT for f in block["fields"])


def test_header_fits() -> None:
    assert len(header("h" * 400).to_dict()["text"]["text"]) == 150


def test_too_many_blocks_end_with_and_n_more() -> None:
    blocks = [section(f"row {i}") for i in range(120)]
    fitted = fit_blocks(blocks)
    assert len(fitted) == MAX_MESSAGE_BLOCKS
    assert "and 71 more" in json.dumps(fitted[-1].to_dict())


def test_message_text_is_cut_under_the_limit() -> None:
    payload = message([section("hi")], "t" * 10_000)
    assert len(payload["text"]) <= MAX_MESSAGE_TEXT


@given(st.lists(st.text(max_size=4000), max_size=60), st.booleans())
def test_lines_pack_into_sections_that_fit(lines: list[str], code: bool) -> None:
    for block in lines_to_sections(lines, code=code):
        assert len(block.to_dict()["text"]["text"]) <= MAX_SECTION_TEXT
