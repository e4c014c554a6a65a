"""`warroom fund budget|list|history` and `warroom ask "/fund"`: the fund from the terminal."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot import fund
from bot.cli import cli
from bot.core.db import Database
from bot.core.settings import Settings
from tests.fund.fund_helpers import MKT1, OPS1, SUBMITTER, YEAR, as_, draft, make_team


@pytest.fixture
def run_cli(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return run


def test_budget_list_history_and_ask(run_cli, db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    code, out = run_cli("fund", "budget", str(YEAR), "12,000,000")
    assert code == 0, out
    assert f"Pool {YEAR}: ¥1,800,000 · approved ¥0 · pending ¥0 · remaining ¥1,800,000" in out

    make_team(db)
    first = fund.submit_proposal(as_(db, settings, SUBMITTER), draft(amount="600k"))
    fund.submit_proposal(as_(db, settings, SUBMITTER), draft(amount="200k", title="Second"))
    fund.approve(as_(db, settings, MKT1), first.id)
    fund.approve(as_(db, settings, OPS1), first.id)

    code, out = run_cli("ask", f"/fund {YEAR}")
    assert code == 0, out
    assert (
        f"Pool {YEAR}: ¥1,800,000 · approved ¥600,000 · pending ¥200,000 · remaining ¥1,200,000\n"
        "[███████░░░░░░░░░░░░░] 33%"
    ) in out

    code, out = run_cli("fund", "budget", str(YEAR), "3m")
    assert code == 1
    assert "below the ¥600,000 already approved" in out

    code, out = run_cli("fund", "list", "--status", "approved")
    assert code == 0 and f"#{first.id} Douyin" in out and "Second" not in out
    code, out = run_cli("fund", "list", "--status", "later")
    assert code == 1 and 'Unknown status "later"' in out

    code, out = run_cli("fund", "history", str(first.id))
    assert code == 0
    assert "submitted" in out and "approved (pending → approved)" in out
    assert "@UOPS1" in out
    code, out = run_cli("fund", "history", "99")
    assert code == 1 and "There is no proposal #99" in out
