"""Every metric, filter, period, breakdown and grain answered from the rollups equals a plain
pandas computation over the raw tables (demo data, 240 generated queries, both backends),
with the facts beside the state or in each warehouse (DuckDB file and Parquet folder, chDB
through both ClickHouse dialects, MariaDB)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.core.db import Database, make_engine
from bot.core.migrate import create_fact_tables
from bot.core.settings import Settings
from bot.data.demo import load_demo
from bot.metrics import rollups
from bot.metrics.engine import ask, buckets
from bot.metrics.registry import METRICS
from bot.metrics.rollups import selects
from tests.metrics.metric_reference import Reference
from tests.warehouse.engines import params as warehouse_params
from tests.warehouse.engines import warehouse_url

END = date(2026, 10, 20)
DAYS = 110
QUERIES = 240
REL = 1e-9


def close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    assert math.isfinite(got)
    return math.isclose(got, want, rel_tol=REL, abs_tol=1e-9)


# Where the facts are: beside the state ("same": SQLite or PostgreSQL), or in a warehouse
# with the state in SQLite (DuckDB also with the state in PostgreSQL).
FACTS = [pytest.param("same", id="facts-same"), *warehouse_params()]


@pytest.fixture(params=FACTS)
def loaded(
    request: pytest.FixtureRequest, settings: Settings, backend: str, tmp_path: Path
) -> Iterator[tuple[Settings, Database, ManualClock, Reference]]:
    facts = request.param
    if facts not in ("same", "duckdb") and backend != "sqlite":
        pytest.skip("warehouses are checked with the state in SQLite (DuckDB in both)")
    # Short windows so cohorts, ROI windows and lead windows all end inside the data.
    tuned = settings.model_copy(
        update={
            "ltv_horizon_days": 30,
            "gross_margin": 0.8,
            "roi_window_days": 21,
            "lead_window_days": 14,
            "currency": "USD",
        }
    )
    clock = ManualClock(datetime(2026, 10, 21, 9, 0, tzinfo=UTC))
    beside = Database.from_settings(tuned)
    # The reference reads the facts from the state store; a warehouse gets the same
    # generated rows (one seed, one data set) through its own load path.
    load_demo(beside, users=1500, days=DAYS, seed=11, end_date=END, clock=clock)
    reference = Reference.load(beside.analytics, tuned, clock.yesterday(tuned.tz))
    urls = warehouse_url(facts, tmp_path) if facts != "same" else iter([None])
    for url in urls:
        db = beside
        if url is not None:
            tuned = tuned.model_copy(update={"analytics_database_url": url})
            db = Database(state=beside.state, analytics=make_engine(url))
            create_fact_tables(db.analytics)
            load_demo(db, users=1500, days=DAYS, seed=11, end_date=END, clock=clock)
        rollups.refresh(tuned, db, clock)
        yield tuned, db, clock, reference
        db.dispose()
    beside.dispose()


def _queries(reference: Reference) -> list[tuple[str, dict]]:
    """Generated questions, each with what the reference needs to answer it."""
    rng = random.Random(20261021)
    channels = list(reference.channels["key"])
    names = dict(zip(reference.channels["key"], reference.channels["name"], strict=True))
    campaigns = list(reference.campaigns["id"])
    out: list[tuple[str, dict]] = []
    metric_cycle = [m.name for m in METRICS]
    for index in range(QUERIES):
        metric = metric_cycle[index % len(metric_cycle)]
        words = [f"/metric {metric}"]
        filters: dict = {}
        day_n = None
        if metric == "retention":
            day_n = rng.choice([1, 1, 7, 14, 30])
            words.append(f"d={day_n}")
        choice = rng.randrange(7)
        if choice == 1:
            key = rng.choice(channels)
            filters["channel"] = [key]
            words.append(f"channel={rng.choice([key, key.upper(), names[key]])}")
        elif choice == 2:
            picked = rng.sample(channels, 2)
            filters["channel"] = picked
            words.append("channels=" + ",".join(picked))
        elif choice == 3:
            picked = rng.choice(campaigns)
            filters["campaign"] = [picked]
            words.append(f"campaign={picked}")
        elif choice == 4:
            filters["kind"] = rng.choice(["paid", "organic"])
            words.append(f"kind={filters['kind']}")
        elif choice == 5:
            filters["kind"] = "paid"
            key = rng.choice(channels)
            filters["channel"] = [key]
            words.append(f"kind=paid channel={key}")
        period_choice = rng.randrange(6)
        yesterday = END
        if period_choice == 0:
            start, end = yesterday - timedelta(days=29), yesterday
        elif period_choice == 1:
            n = rng.choice([1, 7, 14, 45])
            start, end = yesterday - timedelta(days=n - 1), yesterday
            words.append(f"since={n}d")
        elif period_choice == 2:
            start, end = date(2026, 9, 1), date(2026, 9, 30)
            words.append("period=2026-09")
        elif period_choice == 3:
            start = END - timedelta(days=rng.randrange(20, 50))
            end = start + timedelta(days=rng.randrange(0, 20))
            words.append(f"from={start} to={end}")
        elif period_choice == 4:
            start, end = date(2026, 10, 12), date(2026, 10, 18)
            words.append("last-week")
        else:
            start, end = date(2026, 10, 1), yesterday
            words.append("mtd")
        by = rng.choice([None, None, "channel", "campaign", "kind"])
        if by:
            words.append(f"by={by}")
        grain = rng.choice([None, None, "day", "week", "month"])
        if grain:
            words.append(f"grain={grain}")
        vs = rng.choice(["", "", "vs=prev", "vs=none"])
        words.append(vs)
        spec = {
            "metric": metric,
            "start": start,
            "end": end,
            "filters": filters,
            "d": day_n,
            "by": by,
            "grain": grain,
            "compare": vs != "vs=none",
        }
        out.append((" ".join(w for w in words if w), spec))
    return out


def _row_filters(filters: dict, key_filter: dict) -> dict | None:
    merged = dict(filters)
    for name, value in key_filter.items():
        if name in merged:
            wanted = value if isinstance(value, list) else [value]
            have = merged[name] if isinstance(merged[name], list) else [merged[name]]
            if not set(wanted) <= set(have):
                return None
        merged[name] = value
    return merged


def test_rollup_answers_equal_the_pandas_reference(loaded) -> None:
    settings, db, clock, reference = loaded
    checked = {"values": 0, "previous": 0, "rows": 0, "points": 0}
    for text, spec in _queries(reference):
        _check(ask(text, settings, db, clock), text, spec, reference, checked)
    # The generated sample really covers values, comparisons, rows and series.
    assert checked["values"] == QUERIES
    assert checked["previous"] >= 100
    assert checked["rows"] >= 200
    assert checked["points"] >= 500


def test_repeat_rate_beyond_the_counted_windows(loaded, monkeypatch) -> None:
    """Periods longer than the windows the refresh counts are scanned instead; both agree."""
    settings, db, clock, reference = loaded
    monkeypatch.setattr(selects, "REPEAT_WINDOW_DAYS", 10)
    rollups.refresh(settings, db, clock, full=True)
    checked = {"values": 0, "previous": 0, "rows": 0, "points": 0}
    for text, spec in _queries(reference):
        if spec["metric"] == "repeat_rate":
            _check(ask(text, settings, db, clock), text, spec, reference, checked)
    assert checked["values"] >= 15
    assert checked["points"] >= 20


def _check(result, text: str, spec: dict, reference: Reference, checked: dict) -> None:
    """Assert one answer (value, previous value, breakdown, series) equals the reference."""
    metric, start, end = spec["metric"], spec["start"], spec["end"]
    filters, day_n = spec["filters"], spec["d"]
    assert (result.query.period.start, result.query.period.end) == (start, end), text
    want = reference.value(metric, start, end, filters, day_n)
    assert close(result.value, want), (text, result.value, want)
    checked["values"] += 1
    if not spec["compare"]:
        assert result.previous_value is None, text
    else:
        # The previous period by its definition: as long as the period, ending the day before,
        # counting only the facts dated up to the last day of data (END) moved back as much.
        previous_end = start - timedelta(days=1)
        previous_start = previous_end - (end - start)
        as_of = END - (end - start) - timedelta(days=1)
        if previous_start >= END - timedelta(days=DAYS - 1):
            want_prev = reference.value(metric, previous_start, previous_end, filters, day_n, as_of)
            assert close(result.previous_value, want_prev), (text, "previous")
            checked["previous"] += 1
    if metric in ("ltv", "ltv_cac"):
        assert close(result.maturity, reference.maturity(start, end, filters)), text
    if spec["by"]:
        expected = {}
        for key, key_filter in reference.breakdown_keys(spec["by"]):
            row_filters = _row_filters(filters, key_filter)
            if row_filters is None:
                continue
            num, den = reference.parts(metric, start, end, row_filters, day_n)
            if num or den:
                expected[key] = reference.ratio(num, den)
        got = {row.key: row.value for row in result.breakdown}
        assert got.keys() == expected.keys(), (text, got, expected)
        for key, value in expected.items():
            assert close(got[key], value), (text, key, got[key], value)
            checked["rows"] += 1
        for row in result.breakdown:
            assert (row.value is None) == (row.note is not None), (text, row)
    if spec["grain"]:
        spans = buckets(result.query.period, spec["grain"])
        assert [point.date for point in result.series] == [s for s, _ in spans], text
        for point, (bucket_start, bucket_end) in zip(result.series, spans, strict=True):
            want = reference.value(metric, bucket_start, bucket_end, filters, day_n)
            assert close(point.value, want), (text, point, want)
            checked["points"] += 1
    if result.value is None:
        assert result.note, text
