"""Typed text made safe (bot.core.text) and log records that cannot forge lines
(bot.core.logs), and the features that use them: stand-ups and the settings form."""

from __future__ import annotations

import io
import logging
import sys
from datetime import date

import pytest

from bot.core.context import Context
from bot.core.db import Database
from bot.core.logs import MAX_MESSAGE, OneLineFormatter, one_line, setup_logging
from bot.core.settings import Settings
from bot.core.text import clean_text, clean_values, has_unsafe_characters
from bot.warroom import standup
from bot.warroom.forms import settings_changes
from bot.warroom.team import add_member


def test_clean_text_removes_nul_and_lone_surrogates_only() -> None:
    assert clean_text("a\x00b\ud800c\udfffd") == "abcd"
    kept = "tab\tline\nemoji 😀 中文 \x01"
    assert clean_text(kept) == kept
    assert not has_unsafe_characters(kept)
    assert has_unsafe_characters("\udcff") and has_unsafe_characters("\x00")


def test_clean_values_cleans_nested_values_and_keys_in_place() -> None:
    body = {"a\x00": ["x\ud800", {"k": "\x00v", "n": 5, "none": None}], "ok": True}
    inner = body["a\x00"]
    assert clean_values(body) is body
    assert body == {"a": ["x", {"k": "v", "n": 5, "none": None}], "ok": True}
    assert body["a"] is inner  # the same list, cleaned where it is


def _formatted(*args: object, exc: BaseException | None = None) -> str:
    record = logging.LogRecord(
        "bot.slack.http", logging.WARNING, __file__, 1, args[0], args[1:], None
    )
    if exc is not None:
        try:
            raise exc
        except type(exc):
            record.exc_info = sys.exc_info()
    return OneLineFormatter().format(record)


def test_a_message_with_line_breaks_stays_one_line() -> None:
    text = _formatted("Refused %s", "x\nERROR bot.fund: approved\r\n\u2028\x1b[31m")
    assert "\n" not in text
    assert text.endswith("Refused x\\nERROR bot.fund: approved\\r\\n\\u2028\\x1b[31m")


def test_a_long_message_is_cut_saying_how_much() -> None:
    text = _formatted("%s", "y" * (MAX_MESSAGE + 500))
    assert text.endswith(" …[500 more characters]")
    assert len(text) < MAX_MESSAGE + 100
    assert one_line("z" * MAX_MESSAGE) == "z" * MAX_MESSAGE  # exactly the limit is kept


def test_a_traceback_is_indented_and_its_message_escaped() -> None:
    text = _formatted("failed", exc=ValueError("boom\nERROR bot.fund: forged"))
    first, *rest = text.split("\n")
    assert first.endswith("WARNING bot.slack.http: failed")
    assert rest and all(line.startswith("    | ") for line in rest)
    assert rest[-1] == "    | ValueError: boom\\nERROR bot.fund: forged"


def test_setup_logging_installs_the_formatter_once(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    setup_logging("INFO")
    setup_logging("INFO")
    (handler,) = root.handlers
    assert isinstance(handler.formatter, OneLineFormatter)
    stream = io.StringIO()
    handler.setStream(stream)
    logging.getLogger("bot.fund").info("a\nERROR bot.fund: b")
    assert stream.getvalue().count("\n") == 1


# ----------------------------------------------------------------------------- features


def test_a_stand_up_with_nul_and_surrogates_is_saved_without_them(db: Database) -> None:
    add_member(db, "default", "U0MKT", "marketing")
    settings = Settings(_env_file=None, database_url=db.state.url.render_as_string(False))  # type: ignore[call-arg]
    ctx = Context(env=settings, db=db, actor="U0MKT")
    saved = standup.save_update(
        ctx,
        date(2026, 11, 2),
        shipped="Hook\x00 v2\ud800",
        next_steps="\x00",
        blockers="None\udfff",
    )
    assert (saved.shipped, saved.next_steps, saved.blockers) == ("Hook v2", None, "None")


def test_the_settings_form_drops_nul_and_surrogates() -> None:
    changes = settings_changes({"timezone": "Asia/\x00Shanghai", "currency": "\ud800CNY"})
    assert changes == {"timezone": "Asia/Shanghai", "currency": "CNY"}


@pytest.mark.parametrize("value", ["1e400", "1" + "0" * 400, "inf", "-inf", "nan"])
def test_a_threshold_that_is_not_finite_is_refused(value: str) -> None:
    from bot.core.settings import SettingsError

    with pytest.raises(SettingsError, match="ALERT_SURGE_FACTOR: .* is not a finite number"):
        settings_changes({"alert_surge_factor": value})
    assert settings_changes({"alert_surge_factor": "2.5"}) == {"alert_surge_factor": "2.5"}
