"""The drivers of a change: Kitagawa's split of a ratio into mix and rate effects, a sum's own
changes, and effects that always add up to the change (by hand, by property, and on every
answer of a small demo data set)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.settings import Settings
from bot.data.demo import load_demo
from bot.metrics.drivers import explain_change, ratio_effects, sum_effects
from bot.metrics.engine import ask
from bot.metrics.format import drivers_text, why_line
from bot.metrics.registry import METRICS, find_metric

CAC = find_metric("cac")
SPEND = find_metric("spend")


def test_a_ratio_splits_into_mix_and_rate_by_hand() -> None:
    # Before: cheap 8 customers for 800 (rate 100), dear 2 for 600 (300): CAC 1400/10 = 140.
    # After: cheap 4 for 400 (100), dear 6 for 1800 (300): CAC 2200/10 = 220.
    # Weights: cheap 0.8 -> 0.4, dear 0.2 -> 0.6; mean weights 0.6, 0.4; mean rates 100, 300;
    # R' = 0.6 x 100 + 0.4 x 300 = 180. Mix: cheap -0.4 x (100 - 180) = 32,
    # dear 0.4 x (300 - 180) = 48; no rate moved: every rate effect is 0; 32 + 48 = 80.
    before = {"cheap": (800.0, 8.0), "dear": (600.0, 2.0)}
    after = {"cheap": (400.0, 4.0), "dear": (1800.0, 6.0)}
    split = ratio_effects(after, before)
    assert split["cheap"].mix == pytest.approx(32.0) and split["dear"].mix == pytest.approx(48.0)
    assert split["cheap"].rate == split["dear"].rate == 0
    drivers = explain_change("channel", after, before, CAC, {"dear": "Dear"})  # type: ignore[arg-type]
    assert [(d.key, d.label, d.words) for d in drivers] == [
        ("dear", "Dear", "more of the mix"),
        ("cheap", "cheap", "less of the mix"),
    ]
    assert drivers_text(drivers, CAC, "USD") == (
        "Why: dear +$48.00 (more of the mix), cheap +$32.00 (less of the mix)"
    )


def test_a_rate_change_is_a_rate_effect_and_a_new_row_takes_the_other_rate() -> None:
    # Before: a 10 customers for 1000 (100). After: a 10 for 1500 (150), b (new) 10 for 500
    # (50). R 100 -> 100. Weights a 1 -> 0.5, b 0 -> 0.5 (its rate 50 both times);
    # R' = 0.75 x 125 + 0.25 x 50 = 106.25. a: mix -0.5 x (125 - 106.25) = -9.375,
    # rate 0.75 x 50 = 37.5; b: mix 0.5 x (50 - 106.25) = -28.125, rate 0.
    split = ratio_effects({"a": (1500.0, 10.0), "b": (500.0, 10.0)}, {"a": (1000.0, 10.0)})
    assert split["a"].mix == pytest.approx(-9.375) and split["a"].rate == pytest.approx(37.5)
    assert split["b"].mix == pytest.approx(-28.125) and split["b"].rate == 0
    assert sum(s.effect for s in split.values()) == pytest.approx(0.0)


def test_a_row_with_spend_and_no_customers_counts_in_its_rate() -> None:
    # After: a 10 customers for 1000, b spends 500 for none: CAC 1500/10 = 150, against 100.
    split = ratio_effects({"a": (1000.0, 10.0), "b": (500.0, 0.0)}, {"a": (1000.0, 10.0)})
    assert split["b"].rate == pytest.approx(50.0) and split["b"].mix == 0
    assert sum(s.effect for s in split.values()) == pytest.approx(50.0)


def test_a_sum_changes_by_its_rows_own_changes() -> None:
    effects = sum_effects({"a": (30.0, None), "b": (5.0, None)}, {"a": (10.0, None)})
    assert effects == {"a": 20.0, "b": 5.0}
    drivers = explain_change("channel", {"a": (30.0, None)}, {"a": (10.0, None)}, SPEND, {})  # type: ignore[arg-type]
    assert drivers[0].mix is None and drivers[0].rate is None and drivers[0].words == ""


rows = st.dictionaries(
    st.sampled_from("abcdefg"),
    st.tuples(st.floats(0, 1e6, allow_nan=False), st.one_of(st.just(0.0), st.floats(0.01, 1e5))),
    max_size=7,
)


@given(rows, rows)
def test_ratio_effects_add_up_to_the_change(now: dict, before: dict) -> None:
    den_now = sum(d for _, d in now.values())
    den_before = sum(d for _, d in before.values())
    if not den_now or not den_before:
        return
    change = (
        sum(n for n, _ in now.values()) / den_now - sum(n for n, _ in before.values()) / den_before
    )
    split = ratio_effects(now, before)
    assert sum(s.effect for s in split.values()) == pytest.approx(change, rel=1e-9, abs=1e-6)
    for s in split.values():
        assert s.effect == pytest.approx(s.mix + s.rate)


@given(
    st.dictionaries(st.sampled_from("abcdefg"), st.floats(-1e6, 1e6), max_size=7),
    st.dictionaries(st.sampled_from("abcdefg"), st.floats(-1e6, 1e6), max_size=7),
)
def test_sum_effects_add_up_to_the_change(now: dict, before: dict) -> None:
    effects = sum_effects(
        {k: (v, None) for k, v in now.items()}, {k: (v, None) for k, v in before.items()}
    )
    change = sum(now.values()) - sum(before.values())
    assert sum(effects.values()) == pytest.approx(change, rel=1e-9, abs=1e-6)


def test_every_answer_s_drivers_add_up_to_its_change(settings: Settings, db: Database) -> None:
    load_demo(db, users=1500, days=70, seed=5, end_date=date(2026, 11, 30))
    clock = ManualClock(datetime(2026, 12, 1, 8, tzinfo=UTC))
    checked = 0
    for metric in METRICS:
        for words in ("", "channel=tiktok", "kind=paid by=campaign", "since=7d grain=day"):
            result = ask(f"/metric {metric.name} {words}", settings, db, clock)
            if result.value is None or result.previous_value is None:
                continue
            if not metric.adds_up():
                # A median is no sum of its rows: it has no drivers.
                assert result.drivers == (), metric.name
                continue
            change = result.value - result.previous_value
            splits = {d.by for d in result.drivers}
            assert {"channel", "campaign"} <= splits
            assert ("kind" in splits) is ("channel=" not in words)
            for by in splits:
                total = sum(d.effect for d in result.drivers if d.by == by)
                assert total == pytest.approx(change, rel=1e-9, abs=1e-9), (metric.name, by)
            checked += 1
    assert checked >= 40
    # And the answer says the largest of them in one line.
    cac = ask("/cac", settings, db, clock)
    assert (why_line(cac, "CNY") or "").startswith("Why: ")
