"""The console answers through the same command table as Slack and shows the blocks as text."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.console import SORRY, answer_text, console_context, run_console
from bot.core.clock import SYSTEM_CLOCK, Clock, ManualClock
from bot.core.render import Reply
from bot.warroom.commands import SUBCOMMANDS
from tests.slack_data import load_small_data_set


def _session(lines: list[str], answer) -> str:  # type: ignore[no-untyped-def]
    feed = iter(lines)

    def read(_prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    assert run_console(answer, read=read, out=out, history=False) == 0
    return out.getvalue()


def ask(line: str, settings, db, clock: Clock = SYSTEM_CLOCK) -> str:  # type: ignore[no-untyped-def]
    """What the console prints for `line`."""
    return answer_text(line, console_context(settings, db, clock))


def test_help_is_the_same_text_as_in_slack(settings, db) -> None:
    text = ask("/warroom help", settings, db)
    assert "/ltv channel=tiktok" in text
    # Slack's mrkdwn marks are dropped for the terminal.
    assert text.startswith("War Room: ask for numbers")
    assert "`" not in text
    assert ask("help", settings, db) == text


def test_unknown_commands_say_what_to_type(settings, db) -> None:
    text = ask("/ltvv channel=tiktok", settings, db)
    assert 'Unknown command "/ltvv"' in text
    assert '"/ltv"' in text
    assert "/warroom help" in text


def test_a_session_reads_until_quit(settings, db) -> None:
    shown = _session(
        ["", "/warroom help", "quit", "/warroom help"],
        lambda line: ask(line, settings, db),
    )
    assert shown.count("/metric list") == 1


def test_a_failing_answer_is_logged_and_the_session_goes_on(
    settings, db, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(text: str, invocation: object) -> Reply:
        raise RuntimeError("boom in console")

    monkeypatch.setitem(SUBCOMMANDS, "boom", explode)
    shown = _session(["/warroom boom", "/warroom help"], lambda line: ask(line, settings, db))
    assert SORRY in shown
    assert "/ltv channel=tiktok" in shown
    assert any("boom in console" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_run_without_slack_settings_opens_the_console(settings, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["run"], input="/warroom help\nquit\n")
    assert result.exit_code == 0, result.output
    assert "opening the local console" in result.output
    assert "/retention d=1" in result.output


def test_run_refuses_an_unmigrated_database(empty_db_url, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code != 0
    assert "not migrated yet" in result.output
    assert "warroom migrate" in result.output


def test_a_metric_answer_is_the_slack_answer_as_text(settings, db) -> None:
    clock = ManualClock(datetime(2026, 11, 2, 10, tzinfo=UTC))
    load_small_data_set(db, settings, clock)
    text = ask("/cac channel=tiktok", settings, db, clock)
    lines = text.splitlines()
    assert lines[0].startswith("CAC · tiktok")
    assert set(lines[1]) == {"="}
    assert lines[2] == "¥500"
    assert lines[3].startswith("▼ 58.3% vs previous period (¥1,200) (better)")
    assert "[1 Share to channel] [2 Chart]" in text
    assert text.endswith("Type a number to press a button.")


def test_without_a_terminal_a_form_is_described(settings, db) -> None:
    text = ask("/fund propose", settings, db)
    assert text.startswith("[form: ")
