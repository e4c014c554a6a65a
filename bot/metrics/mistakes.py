"""How the query language tells a person about a mistake: the word they typed, shortened,
and the closest valid word."""

from __future__ import annotations

import difflib

from bot.core.i18n import Msg, Text


def show(word: str) -> str:
    """The typed word as quoted back in a message (long words cut to 40 characters)."""
    return word if len(word) <= 40 else word[:39] + "…"


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The choice closest to `word` (case-insensitive), or None when none is close."""
    matches = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not matches:
        return None
    lowered = {c.lower(): c for c in choices}
    return lowered[matches[0]]


def unknown(what: str, word: str, choices: list[str] | tuple[str, ...], tail: Text = "") -> Msg:
    """'unknown channel "tiktk" — did you mean tiktok?', or the valid words listed. `what` is
    a marked constant ("channel")."""
    close = suggest(word, choices)
    shown = show(word)
    kind = Msg(what)
    if close:
        return Msg(
            'unknown {what} "{typed}" — did you mean {close}?{tail}',
            what=kind,
            typed=shown,
            close=close,
            tail=tail,
        )
    listed = ", ".join(sorted(set(choices))[:12])
    if not listed:
        return Msg('unknown {what} "{typed}"{tail}', what=kind, typed=shown, tail=tail)
    return Msg(
        'unknown {what} "{typed}"; choose from {listed}{tail}',
        what=kind,
        typed=shown,
        listed=listed,
        tail=tail,
    )
