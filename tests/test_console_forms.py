"""The console has no dead ends: forms are filled in field by field (and a field the answer
found wrong is asked again), buttons are pressed by number through the listener Slack would
call, `/warroom digest now` prints the digest, and the demo seeds a team, a budget and a
proposal to try it all on. Also `warroom fund propose` and `warroom migrate` from a shell."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from bot import fund
from bot.cli import cli
from bot.console import ConsoleSession, console_context
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.warroom.demo import seed_demo_state
from bot.warroom.standup import get_update
from tests.slack_data import load_small_data_set

CLOCK = ManualClock(datetime(2026, 11, 2, 10, tzinfo=UTC))


class Terminal:
    """A console session whose typing comes from a list; what it printed is kept."""

    def __init__(self, ctx: Context) -> None:
        self.typed: Iterator[str] = iter(())
        self.out = io.StringIO()
        self.session = ConsoleSession(ctx, read=self.read, out=self.out)

    def read(self, prompt: str) -> str:
        self.out.write(prompt)
        try:
            return next(self.typed)
        except StopIteration:
            raise EOFError from None

    def type(self, line: str, *answers: str) -> str:
        """Type `line`, then `answers` to whatever it asks; the answer shown."""
        self.typed = iter(answers)
        return self.session.answer(line)


@pytest.fixture
def demo(settings, db) -> Context:  # type: ignore[no-untyped-def]
    load_small_data_set(db, settings, CLOCK)
    ctx = console_context(settings, db, CLOCK)
    done = seed_demo_state(ctx, CLOCK.today(settings.tz))
    assert done[0].startswith("Demo team: console, U0DEMOMKT") and len(done) == 3
    return ctx


PROPOSAL = (
    "Coupon test",  # title
    "Douyin converts less",  # problem
    "Two weekends of coupons",  # plan
    "abc",  # amount: not an amount, asked again below
    "ltv_cac",  # the metric, by its value (a number or the label work too)
    "3.5",
    "<@U0DEMOMKT|mia>",  # a mention is a person
    "U0DEMOOPS2",
    "2026-11-10",
    "2026-12-10",
)


def test_the_console_completes_a_fund_proposal_end_to_end(demo: Context) -> None:
    terminal = Terminal(demo)
    shown = terminal.type("/fund propose", *PROPOSAL, "5w")
    asked = terminal.out.getvalue()
    assert "== Fund proposal ==" in asked and "Title: " in asked
    assert "    6. LTV/CAC" in asked  # a select's options are numbered
    # The amount was wrong: said why, and asked again (the other fields are kept).
    assert '(!) Amount: "abc" is not an amount' in asked
    assert asked.count("Amount: ") == 2
    mine = fund.list_proposals(demo, user_id="console")
    assert [(p.title, p.amount, p.status) for p in mine] == [("Coupon test", 50_000, "pending")]
    # What Slack would have been sent is shown: the fund-channel post, and the note.
    assert f"#{mine[0].id} Coupon test" in shown
    assert f"Proposal #{mine[0].id} is in #innovation-fund, waiting for approval." in shown
    assert "[1 Approve] [2 Reject] [3 Request changes]" in shown
    assert shown.endswith("Type a number to press a button.")


def test_a_form_can_be_left_without_sending(demo: Context) -> None:
    terminal = Terminal(demo)
    assert terminal.type("/fund propose", "A title", "/cancel") == (
        "Form cancelled; nothing was sent."
    )
    assert fund.list_proposals(demo, user_id="console") == []


def test_buttons_are_pressed_by_number_through_the_same_listeners(demo: Context) -> None:
    terminal = Terminal(demo)
    home = terminal.type("/warroom home")
    assert "Waiting for your approval (1)" in home
    approve = re.search(r"\[(\d+) Approve\] \[\d+ Reject\] \[\d+ Request changes\]", home)
    assert approve is not None and re.search(r"\[\d+ Propose\]", home)
    shown = terminal.type(approve.group(1))
    assert "You approved for marketing; waiting for operations." in shown
    (proposal,) = fund.list_proposals(demo, status="pending")
    assert [a.user_id for a in proposal.approvals] == ["console"]
    # A button that opens a form: Propose, then leave the form.
    terminal.type("/fund")
    assert terminal.type("1", "/cancel") == "Form cancelled; nothing was sent."
    assert "== Fund proposal ==" in terminal.out.getvalue()


def test_the_stand_up_form_is_filled_in_at_the_console(demo: Context) -> None:
    terminal = Terminal(demo)
    prompt = terminal.type("/warroom standup")
    assert "[1 Post my update]" in prompt
    shown = terminal.type("1", "teaser video", "", "")  # shipped, next, blockers
    assert "Your update for Mon 2 Nov 2026 is saved." in shown
    saved = get_update(demo.db, demo.workspace_id, "console", CLOCK.today(demo.settings.tz))
    assert saved is not None and saved.shipped == "teaser video"


def test_digest_now_prints_the_digest_at_the_console(demo: Context) -> None:
    shown = Terminal(demo).type("/warroom digest now")
    assert shown.startswith("War room · Mon 2 Nov 2026")
    assert "Innovation fund" in shown and "Slack" not in shown.split("\n")[0]


def test_the_settings_form_is_filled_in_and_saved(demo: Context) -> None:
    terminal = Terminal(demo)
    fields = ["", "", "", "", "", "", "", "2"]  # keep all but the language: 中文
    shown = terminal.type("/warroom settings", *fields, *[""] * 4)
    # Said in the language just chosen.
    assert "已为本工作区保存设置" in shown and "LANGUAGE = zh" in shown
    fresh = console_context(demo.env, demo.db, CLOCK)
    assert fresh.settings.language == "zh"
    assert Terminal(fresh).type("/warroom help").startswith("War Room：查数字")


def test_the_demo_is_seeded_once(demo: Context) -> None:
    assert seed_demo_state(demo, CLOCK.today(demo.settings.tz)) == []


def test_fund_propose_from_a_shell(settings, db) -> None:  # type: ignore[no-untyped-def]
    ctx = console_context(settings, db, CLOCK)
    seed_demo_state(ctx, datetime.now(UTC).date())
    year = datetime.now(UTC).year
    options = [
        "fund",
        "propose",
        "--title=CLI pilot",
        "--problem=p",
        "--plan=q",
        "--amount=12k",
        "--metric=cac",
        "--target=300",
        "--marketing-sponsor=U0DEMOMKT",
        "--operations-sponsor=U0DEMOOPS2",
        f"--start={year}-12-01",
        f"--end={year}-12-31",
        "--as=U0DEMOMKT",
    ]
    env = {"DATABASE_URL": settings.database_url}
    result = CliRunner().invoke(cli, options, env=env)
    assert result.exit_code == 0, result.output
    assert "CLI pilot" in result.output and "is saved, waiting for approval" in result.output
    # A missing field is asked; a bad one exits 2 naming the option.
    asked = CliRunner().invoke(
        cli, [o for o in options if not o.startswith("--title")], env=env, input="Asked title\n"
    )
    assert asked.exit_code == 0, asked.output
    assert "Title: " in asked.output and "Asked title" in asked.output
    bad = CliRunner().invoke(cli, [*options[:-1], "--amount=-5"], env=env)
    assert bad.exit_code == 2
    assert '--amount: The amount cannot be negative ("-5")' in bad.output


def test_migrate_says_created_for_a_new_database(empty_db_url) -> None:  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": empty_db_url}
    first = CliRunner().invoke(cli, ["migrate"], env=env)
    assert first.exit_code == 0, first.output
    assert "Database created" in first.output
    again = CliRunner().invoke(cli, ["migrate"], env=env)
    assert again.output.strip().endswith("Database is up to date.")


def test_a_command_typed_in_chinese_is_answered_in_chinese(settings, db) -> None:  # type: ignore[no-untyped-def]
    ctx = console_context(settings, db, CLOCK)
    assert Terminal(ctx).type("帮助").startswith("War Room：查数字")
    assert Terminal(ctx).type("help").startswith("War Room: ask for numbers")
