"""Text a person typed, made safe to store and show: NUL characters (PostgreSQL refuses them
in text) and lone surrogates (not encodable as UTF-8) are removed. Every surface uses this
one helper: the Slack transports clean a whole request, the features their fields, the
command line refuses arguments that hold them."""

from __future__ import annotations

import re
from typing import Any

# NUL, and the surrogate code points, which only ever stand alone in a decoded str
# (undecodable bytes under surrogateescape, or "\ud800" in JSON).
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def has_unsafe_characters(text: str) -> bool:
    """True when `text` holds a NUL or a lone surrogate."""
    return _UNSAFE.search(text) is not None


def clean_text(text: str) -> str:
    """`text` without NUL characters and lone surrogates."""
    return _UNSAFE.sub("", text) if has_unsafe_characters(text) else text


def clean_values(value: Any) -> Any:
    """`value` with every string in it cleaned (clean_text), keys included; dicts and lists
    are cleaned in place, so whoever holds them sees the clean values."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        items = [(clean_values(key), clean_values(item)) for key, item in value.items()]
        value.clear()
        value.update(items)
    elif isinstance(value, list):
        value[:] = [clean_values(item) for item in value]
    return value
