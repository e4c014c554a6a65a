"""`warroom team add|remove|list`: scripted set-up of who is in marketing and operations."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.core.db import Database
from bot.warroom.team import list_members, member


@pytest.fixture
def run_cli(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return run


def test_add_list_remove(run_cli, db: Database) -> None:  # type: ignore[no-untyped-def]
    code, out = run_cli("team", "add", "marketing", "U0MKT1", "--approver")
    assert code == 0, out
    assert "U0MKT1 is in marketing (approver)" in out
    code, out = run_cli("team", "add", "ops", "U0OPS1")
    assert code == 0, out
    assert "U0OPS1 is in operations" in out

    code, out = run_cli("team", "list")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["marketing", "U0MKT1", "approver"]
    assert lines[1].split() == ["operations", "U0OPS1"]

    stored = member(db, "default", "U0MKT1")
    assert stored is not None and stored.is_approver and stored.team == "marketing"

    # Moving someone to the other team keeps one row, not two.
    code, _ = run_cli("team", "add", "operations", "U0MKT1")
    assert code == 0
    assert [(m.user_id, m.team) for m in list_members(db, "default")] == [
        ("U0MKT1", "operations"),
        ("U0OPS1", "operations"),
    ]

    code, out = run_cli("team", "remove", "U0OPS1")
    assert code == 0 and "U0OPS1 removed" in out
    assert [m.user_id for m in list_members(db, "default")] == ["U0MKT1"]


def test_bad_input_says_what_to_change(run_cli, db: Database) -> None:  # type: ignore[no-untyped-def]
    code, out = run_cli("team", "add", "finance", "U0X")
    assert code != 0
    assert 'unknown team "finance"; use marketing or operations' in out
    code, out = run_cli("team", "remove", "U0NOBODY")
    assert code != 0
    assert "U0NOBODY is not in marketing or operations" in out
    code, out = run_cli("team", "list")
    assert code == 0 and "Nobody yet" in out
    assert list_members(db, "default") == []


def test_admin_flag(run_cli, db: Database) -> None:  # type: ignore[no-untyped-def]
    code, out = run_cli("team", "add", "operations", "U0ADM", "--admin")
    assert code == 0 and "(admin)" in out
    stored = member(db, "default", "U0ADM")
    assert stored is not None and stored.is_admin and not stored.is_approver
