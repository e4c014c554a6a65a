"""`warroom okr add|kr|checkin|list [--json]` on the demo data (both databases): a key
result's current value is `warroom ask --json` of its question over the quarter to date, and
its progress and status follow from it as defined (worked out here from the printed numbers,
with the formula written out again)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.core.clock import SYSTEM_CLOCK
from bot.core.db import Database
from bot.core.settings import Settings
from bot.data.demo import load_demo
from bot.okrs import quarter_of


def _run(runner: CliRunner, env: dict[str, str], *args: str) -> str:
    result = runner.invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _status(progress: float, elapsed: float) -> str:
    if progress >= elapsed - 0.10 - 1e-12:
        return "on_track"
    return "at_risk" if progress >= elapsed - 0.30 - 1e-12 else "off_track"


@pytest.mark.slow
def test_okr_list_json_is_live(settings: Settings, db: Database, db_url: str) -> None:
    # The command line reads the real clock: the demo data ends yesterday, and the quarter
    # asked about is yesterday's (so at least one of its days is complete).
    yesterday = SYSTEM_CLOCK.yesterday(settings.tz)
    # Longer than the LTV horizon (180 days), so young cohorts can be projected.
    load_demo(db, users=3000, days=240, seed=7, end_date=yesterday)
    start, end = quarter_of(yesterday)
    quarter = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    runner, env = CliRunner(), {"DATABASE_URL": db_url}
    okr_id = _run(runner, env, "okr", "add", "Profitable growth", "--quarter", quarter,
                  "--team", "joint")  # fmt: skip
    assert okr_id == "1"
    questions = [
        "/metric lead_conversion",
        "/cac channel=tiktok",
        "/retention d=1",
        "/metric ltv_cac kind=paid",
    ]
    targets = ["40%", "100", "55%", "30"]
    for question, target in zip(questions, targets, strict=True):
        _run(runner, env, "okr", "kr", okr_id, question, "--target", target)
    kr = _run(runner, env, "okr", "kr", okr_id, "Partner deals", "--manual", "--target", "4")
    assert kr == "5"
    said = _run(runner, env, "okr", "checkin", kr, "--confidence", "0.7", "--note", "on it",
                "--value", "1")  # fmt: skip
    assert "confidence 70%" in said
    (okr,) = json.loads(_run(runner, env, "okr", "list", "--json"))
    assert (okr["id"], okr["objective"], okr["team"]) == (1, "Profitable growth", "joint")
    assert okr["period"] == {"from": start.isoformat(), "to": end.isoformat()}
    elapsed = ((yesterday - start).days + 1) / ((end - start).days + 1)
    assert okr["elapsed"] == pytest.approx(elapsed)
    for question, row in zip(questions, okr["key_results"], strict=False):
        asked = f"{question} from={start} to={yesterday}"
        answer = json.loads(_run(runner, env, "ask", "--json", asked))
        assert row["query"] == question and row["asked"] == asked
        # Young LTV cohorts are judged by their projection to the horizon, as the playbook
        # judges them; every other answer by its value.
        shown = answer["projected_value"] if answer["so_far"] else answer["value"]
        assert row["projected"] == answer["so_far"]
        assert row["current"] == pytest.approx(shown), question
        before = json.loads(
            _run(
                runner, env, "ask", "--json",
                f"{question} from={start - timedelta(days=30)} to={start - timedelta(days=1)}",
            )
        )  # fmt: skip
        baseline = before["projected_value"] if before["so_far"] else before["value"]
        assert row["baseline"] == pytest.approx(baseline)
        share = (row["current"] - baseline) / (row["target"] - baseline)
        progress = min(max(share, 0.0), 1.0)
        assert row["progress"] == pytest.approx(progress)
        assert row["status"] == _status(progress, elapsed)
    assert okr["key_results"][3]["projected"]  # the quarter's LTV cohorts are young
    manual = okr["key_results"][4]
    assert (manual["kind"], manual["title"], manual["current"]) == ("manual", "Partner deals", 1)
    assert manual["progress"] == pytest.approx(0.25) and manual["confidence"] == 0.7
    text = _run(runner, env, "okr", "list")
    assert "#1 Profitable growth · joint" in text and "KR #5 Partner deals" in text

    bad = runner.invoke(cli, ["okr", "kr", "1", "/metric nope", "--target", "3"], env=env)
    assert bad.exit_code == 1 and "nope" in bad.output
