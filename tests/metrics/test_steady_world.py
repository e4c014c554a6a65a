"""The steady synthetic world (steady_world.py): nothing changes, so every default comparison
stays within noise, young cohorts are projected to their mature value, and the LTV/CAC rule
fires for the channel whose mature LTV/CAC is 2, never for the one whose is 5. With the dear
channel's share tripled, the drivers name it, by mix."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.metrics import rollups
from bot.metrics.engine import ask
from bot.metrics.registry import METRICS
from bot.warroom import alerts
from tests.metrics import steady_world
from tests.metrics.steady_world import CHANNELS, MATURE_LTV_CAC

CLOCK = ManualClock(steady_world.NOW.replace(tzinfo=UTC))
# Within noise: money, counts and ratios within 5%, percentages within 2 points.
RELATIVE = 0.05
POINTS = 0.02
SUBJECTS = ["", *(f"channel={c.key}" for c in CHANNELS)]


def _world(settings: Settings, db: Database, shift: bool = False) -> None:
    steady_world.build(db, shift=shift)
    rollups.refresh(settings, db, CLOCK)


def _within_noise(unit: str, value: float, previous: float) -> bool:
    if unit == "percent":
        return abs(value - previous) <= POINTS
    return abs(value - previous) <= RELATIVE * abs(previous)


def test_every_default_comparison_stays_within_noise(settings: Settings, db: Database) -> None:
    _world(settings, db)
    compared = 0
    for metric in METRICS:
        for subject in SUBJECTS:
            text = f"/metric {metric.name} {subject}".strip()
            result = ask(text, settings, db, CLOCK)
            if result.value is None:  # e.g. ROI of the organic channel: no spend
                continue
            assert result.previous_value is not None, text
            assert _within_noise(metric.unit, result.value, result.previous_value), (
                text,
                result.value,
                result.previous_value,
            )
            compared += 1
    assert compared >= 55
    # Without the comparison at the same age, the young cohorts of the last 30 days look
    # far worse than the 30 days before them, although nothing changed.
    plain = ask("/ltv channel=healthy", settings, db, CLOCK, extras=False)
    assert plain.previous_value > 1.2 * plain.value  # type: ignore[operator]


@pytest.mark.parametrize("metric", ["ltv", "roi", "ltv_cac"])
def test_warroom_ask_json_shows_value_and_previous_within_noise(
    settings: Settings, db: Database, metric: str
) -> None:
    _world(settings, db)
    runner = CliRunner()
    env = {"DATABASE_URL": settings.database_url}
    for economics in CHANNELS:
        if economics.kind == "organic" and metric != "ltv":
            continue
        question = f"/metric {metric} channel={economics.key}"
        # The command line reads the real clock: ask for the 30 days up to the world's end.
        answer = runner.invoke(cli, ["ask", "--json", f"{question} to=2026-11-30"], env=env)
        assert answer.exit_code == 0, answer.output
        data = json.loads(answer.output)
        assert data["same_age"] is True
        assert _within_noise("ratio", data["value"], data["previous_value"]), (question, data)
        assert sum(d["effect"] for d in data["drivers"] if d["by"] == "channel") == (
            pytest.approx(data["value"] - data["previous_value"], abs=1e-9)
        )


def test_young_cohorts_are_projected_to_their_mature_value(
    settings: Settings, db: Database
) -> None:
    _world(settings, db)
    for key, mature in MATURE_LTV_CAC.items():
        result = ask(f"/metric ltv_cac channel={key}", settings, db, CLOCK)
        assert result.so_far and result.maturity == 0
        assert result.value < 0.6 * mature  # type: ignore[operator]  # so far: far less
        assert result.projected_value == pytest.approx(mature, rel=RELATIVE)
    roi = ask("/roi channel=healthy", settings, db, CLOCK)
    assert roi.projected_value == pytest.approx(3.0, rel=RELATIVE)


def test_ltv_cac_alert_fires_for_a_mature_two_never_for_a_mature_five(
    settings: Settings, db: Database
) -> None:
    _world(settings, db)
    findings = {
        f.subject: f for f in alerts.evaluate_rule(alerts.RULES["ltv_cac_low"], settings, db, CLOCK)
    }
    assert set(findings) == {"healthy", "weak", "dear"}
    assert findings["weak"].firing and findings["dear"].firing
    assert not findings["healthy"].firing
    assert findings["healthy"].details["value"] == pytest.approx(5.0, rel=RELATIVE)
    assert findings["healthy"].details["so_far"] < 3  # the old rule fired on this
    # The other rules stay quiet in a steady world.
    quiet = [f for f in alerts.evaluate_rules(settings, db, CLOCK) if f.rule != "ltv_cac_low"]
    assert quiet and not any(f.firing for f in quiet)


def test_warroom_alerts_json_lists_the_unhealthy_channels(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world(settings, db)
    monkeypatch.setattr("bot.cli.SYSTEM_CLOCK", CLOCK)
    answer = CliRunner().invoke(
        cli, ["alerts", "--json"], env={"DATABASE_URL": settings.database_url}
    )
    assert answer.exit_code == 0, answer.output
    listed = json.loads(answer.output)
    assert {(a["rule"], a["subject"]) for a in listed} == {
        ("ltv_cac_low", "weak"),
        ("ltv_cac_low", "dear"),
    }
    weak = next(a for a in listed if a["subject"] == "weak")
    assert set(weak) == {"rule", "subject", "title", "owners", "opened_at", "values", "drivers"}
    assert weak["owners"] == ["marketing", "operations"]
    assert weak["values"]["value"] == pytest.approx(2.0, rel=RELATIVE)
    assert weak["values"]["threshold"] == 3
    text = CliRunner().invoke(cli, ["alerts"], env={"DATABASE_URL": settings.database_url})
    assert "LTV/CAC under target · weak" in text.output
    assert "LTV/CAC under target · healthy" not in text.output


def test_a_tripled_share_of_the_dear_channel_is_named_by_mix(
    settings: Settings, db: Database
) -> None:
    _world(settings, db, shift=True)
    result = ask("/cac", settings, db, CLOCK)
    # Blended CAC before: (400 + 400 + 1200) / 16 customers a day = 125; after, with 12 dear
    # customers a day: (400 + 400 + 3600) / 24 = 183.33. Every channel's own CAC is the same.
    assert result.previous_value == pytest.approx(125.0)
    assert result.value == pytest.approx(4400 / 24)
    by_channel = [d for d in result.drivers if d.by == "channel"]
    assert sum(d.effect for d in by_channel) == pytest.approx(result.value - 125.0)
    top = by_channel[0]
    assert top.key == "dear"
    assert top.mix > abs(top.rate) and top.words == "more of the mix"  # type: ignore[operator]
    assert all(abs(d.rate) < 1e-9 for d in by_channel)  # type: ignore[arg-type]
    # The same through `warroom ask --json`: every split's effects add up to the change.
    env = {"DATABASE_URL": settings.database_url}
    answer = CliRunner().invoke(cli, ["ask", "--json", "/cac to=2026-11-30"], env=env)
    data = json.loads(answer.output)
    change = data["value"] - data["previous_value"]
    for by in ("channel", "campaign", "kind"):
        effects = [d["effect"] for d in data["drivers"] if d["by"] == by]
        assert sum(effects) == pytest.approx(change, abs=1e-9)
    dear = next(d for d in data["drivers"] if d["by"] == "channel")
    assert dear["key"] == "dear" and dear["mix"] > abs(dear["rate"])
    assert set(dear) == {"by", "key", "label", "effect", "mix", "rate"}
