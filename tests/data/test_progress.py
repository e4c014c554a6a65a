"""Progress of the data loads: a callback told the rows (users) of each chunk, drawn by the
CLI as click's progress bar on a terminal only."""

from __future__ import annotations

import io
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.cli import _progress_bar
from bot.core.db import Database
from bot.core.settings import Settings
from bot.data import demo
from bot.data.importer import import_file

CHANNELS = "key,name,kind\ntiktok,TikTok,paid\nwechat,微信,paid\norganic,自然流量,organic\n"


def test_import_reports_the_rows_of_each_chunk(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.data.importer.reading.CHUNK_ROWS", 2)
    path = tmp_path / "channels.csv"
    path.write_text(CHANNELS, encoding="utf-8")
    told: list[int] = []
    report = import_file(db, settings, "channels", path, progress=told.append)
    assert told == [2, 1] and report.rows_read == 3
    assert import_file(db, settings, "channels", path).unchanged == 3  # no callback: fine too


def test_demo_load_reports_the_users_of_each_chunk(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.data.demo.plan.CHUNK_USERS", 200)
    told: list[int] = []
    demo.load_demo(
        db, users=700, days=30, seed=4, end_date=date(2026, 11, 30), progress=told.append
    )
    assert sum(told) == 700
    # Whole sign-up days per chunk: each reaches 200 users, except perhaps the last.
    assert len(told) >= 2 and all(count >= 200 for count in told[:-1])


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with _progress_bar("demo data (users)", 10) as bar:
        bar.update(4)
        bar.update(6)
    assert "demo data (users)" in terminal.getvalue() and "10/10" in terminal.getvalue()

    counting = _Terminal()
    monkeypatch.setattr(sys, "stderr", counting)
    with _progress_bar("import orders (rows read)") as bar:  # no length: it only counts
        bar.update(2)
        bar.update(3)
    assert "import orders (rows read)" in counting.getvalue()
    assert re.findall(r"\]\s+(\d+)", counting.getvalue()) == ["0", "2", "5"]

    redirected = io.StringIO()
    monkeypatch.setattr(sys, "stderr", redirected)
    with _progress_bar("demo data (users)", 10) as bar:
        assert bar is None
    assert redirected.getvalue() == ""
