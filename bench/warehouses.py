"""Warehouse benchmark: the metric rollups with the growth facts where a team keeps them.

For each engine and size, in a fresh child process (its own peak memory; chDB opens one
folder per process): the demo data generated straight into the engine by chunks (kept in
BENCH_WAREHOUSE_DIR and reused), the full rollup build, one more day added with SQL and
refreshed incrementally, the 200 questions of bench/metrics.py answered from the rollups,
and the same questions as direct SQL on the same engine in the same run. SQLite and
PostgreSQL keep facts and state in one database (as `make run` does); with a warehouse the
state (rollups) is a fresh SQLite file, so "full build" includes writing every rollup row
there. A folder of Parquet files gets no new day (files are written by whoever owns them).

Targets: one-day refresh at 1M users under 1 s on SQLite, PostgreSQL and DuckDB; full build
at 1M under 30 s on DuckDB and chDB; answers p95 under 15 ms, at 10M within 1.5x of 1M.

Environment:
  BENCH_WAREHOUSE_ENGINES  engines of the 1M table (default "sqlite,postgresql,duckdb,chdb,parquet")
  BENCH_WAREHOUSE_USERS    users of that table (default 1000000)
  BENCH_WAREHOUSE_GROWTH   sizes of the growth table, on DuckDB (default "100000,1000000,10000000";
                           empty: none). A size already run for the first table is not run again.
  BENCH_WAREHOUSE_DIR      where data sets and results are kept (default: a new temp dir, removed);
                           results of earlier runs there fill the tables too, so runs can be split
  BENCH_DIRECT_SECONDS     direct SQL time budget per run (default 600)
  BENCH_DUCKDB_MEMORY      DuckDB's memory limit (default 4GB)
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.demo_load import _pg_schema, _postgres_url
from bench.metrics import DAYS, END, NEW_DAY, QUERIES, SEED, _percentile, questions
from bench.metrics_direct import time_direct
from bench.report import write_section
from bot.core.clock import ManualClock
from bot.core.db import Database, make_engine
from bot.core.facts import mark_stale
from bot.core.migrate import create_fact_tables, upgrade
from bot.core.settings import Settings
from bot.core.warehouse import family_of
from bot.data.demo import load_demo
from bot.metrics import rollups
from bot.metrics.catalog import load_catalog
from bot.metrics.engine import ask
from bot.models import Activity, Lead, Order, Spend, User

ENGINES = os.environ.get("BENCH_WAREHOUSE_ENGINES", "sqlite,postgresql,duckdb,chdb,parquet")
USERS = int(os.environ.get("BENCH_WAREHOUSE_USERS", "1000000"))
GROWTH = os.environ.get("BENCH_WAREHOUSE_GROWTH", "100000,1000000,10000000")
DUCKDB_MEMORY = os.environ.get("BENCH_DUCKDB_MEMORY", "4GB")
NAMES = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "duckdb": "DuckDB",
    "chdb": "ClickHouse (chDB)",
    "parquet": "Parquet (DuckDB)",
}


# ------------------------------------------------------------------------ one run (child)


def _stores(engine: str, users: int, folder: Path) -> tuple[str, str]:
    """(state URL, facts URL) of a run; the facts are kept between runs, the state is not."""
    state = f"sqlite:///{folder / f'state-{engine}-{users}.db'}"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state[10:]}{suffix}").unlink(missing_ok=True)
    if engine == "sqlite":
        same = f"sqlite:///{folder / f'sqlite-{users}.db'}"
        return same, same
    if engine == "postgresql":
        url = os.environ["BENCH_PG_URL"]
        return url, url
    facts = {
        "duckdb": f"duckdb:///{folder / f'duckdb-{users}.duckdb'}",
        "chdb": f"chdb:///{folder / f'chdb-{users}'}",
        "parquet": f"duckdb:///{folder / f'parquet-{users}'}/",
    }[engine]
    return state, facts


def _engine(url: str) -> Any:
    if url.startswith("duckdb"):
        return make_engine(url, connect_args={"config": {"memory_limit": DUCKDB_MEMORY}})
    return make_engine(url)


def _shift_sql(kind: str) -> tuple[Any, Any, Any]:
    """(timestamp + 1 day, day + 1 day, timestamp on END) in the engine's SQL."""
    end = f"'{END.isoformat()}'"
    if kind == "sqlite":
        return (
            lambda c: f"datetime({c}, '+1 day')",
            lambda c: f"date({c}, '+1 day')",
            lambda c: f"date({c}) = {end}",
        )
    if kind == "clickhouse":
        return (
            lambda c: f"addDays({c}, 1)",
            lambda c: f"addDays({c}, 1)",
            lambda c: f"toDate({c}) = toDate({end})",
        )
    return (
        lambda c: f"{c} + INTERVAL '1 day'",
        lambda c: f"CAST({c} + INTERVAL '1 day' AS DATE)",
        lambda c: f"CAST({c} AS DATE) = DATE {end}",
    )


def _add_new_day(db: Database) -> float:
    """The last day's facts again a day later (its sign-ups as new users), as a team's
    loader appends them; then the day is marked stale, as an import does."""
    started = time.perf_counter()
    shift, day_shift, on_end = _shift_sql(family_of(db.analytics))
    statements = [
        f"INSERT INTO users (id, signed_up_at, channel, campaign_id) SELECT id || '-n', "
        f"{shift('signed_up_at')}, channel, campaign_id FROM users WHERE {on_end('signed_up_at')}",
        f"INSERT INTO orders (id, user_id, ordered_at, amount) SELECT id || '-n', user_id, "
        f"{shift('ordered_at')}, amount FROM orders WHERE {on_end('ordered_at')}",
        f"INSERT INTO activity (user_id, date) SELECT user_id, {day_shift('date')} "
        f"FROM activity WHERE {on_end('date')}",
        f"INSERT INTO leads (id, created_at, channel, campaign_id, user_id) SELECT id || '-n', "
        f"{shift('created_at')}, channel, campaign_id, user_id FROM leads "
        f"WHERE {on_end('created_at')}",
        f"INSERT INTO spend (date, channel, campaign_id, amount, impressions, clicks) SELECT "
        f"{day_shift('date')}, channel, campaign_id, amount, impressions, clicks FROM spend "
        f"WHERE {on_end('date')}",
    ]
    with db.analytics.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    with db.write() as session:
        mark_stale(session, NEW_DAY, NEW_DAY, datetime.now(UTC))
    return time.perf_counter() - started


def _remove_new_day(db: Database) -> None:
    with db.analytics.begin() as connection:
        connection.execute(Activity.__table__.delete().where(Activity.date >= NEW_DAY))
        connection.execute(Spend.__table__.delete().where(Spend.date >= NEW_DAY))
        for model in (Lead, Order, User):
            connection.execute(model.__table__.delete().where(model.id.like("%-n")))


def _load(db: Database, users: int, clock: ManualClock) -> float | None:
    """Generate the demo data into the facts unless this data set is there already."""
    with db.analytics.connect() as connection:
        loaded = connection.execute(select(func.count()).select_from(User)).scalar()
        last = connection.execute(select(func.max(Spend.date))).scalar()
    if loaded == users and str(last)[:10] == END.isoformat():
        return None
    started = time.perf_counter()
    load_demo(db, users=users, days=DAYS, seed=SEED, end_date=END, replace=True, clock=clock)
    if family_of(db.analytics) in ("sqlite", "postgresql"):
        with db.analytics.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def run(engine: str, users: int, folder: Path) -> dict[str, Any]:
    """Load (or reuse), build, add a day and refresh it, and time the 200 questions."""
    state_url, facts_url = _stores(engine, users, folder)
    state = _engine(state_url)
    upgrade(state)
    analytics = state if facts_url == state_url else _engine(facts_url)
    db = Database(state, analytics)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=state_url, analytics_database_url=facts_url
    )
    clock = ManualClock(datetime.combine(NEW_DAY, datetime.min.time(), tzinfo=UTC))
    out: dict[str, Any] = {"engine": engine, "users": users}
    create_fact_tables(analytics)
    if engine != "parquet":
        _remove_new_day(db)  # left by an interrupted run
    out["load_s"] = _load(db, users, clock)
    with analytics.connect() as connection:
        out["rows"] = {
            model.__tablename__: connection.execute(
                select(func.count()).select_from(model)
            ).scalar()
            for model in (User, Order, Activity)
        }
    out["full_s"] = rollups.refresh(settings, db, clock, full=True).seconds
    clock.advance(timedelta(days=1))
    if engine != "parquet":
        try:
            out["import_s"] = _add_new_day(db)
            report = rollups.refresh(settings, db, clock)
            assert report.mode == "incremental", report
            out["incremental_s"] = report.seconds
            out.update(_questions(settings, db, clock))
        finally:
            _remove_new_day(db)
    else:
        out.update(_questions(settings, db, clock))
    db.dispose()
    return out


def _questions(settings: Settings, db: Database, clock: ManualClock) -> dict[str, Any]:
    catalog = load_catalog(db.analytics)
    texts = questions([c.key for c in catalog.channels], [c.id for c in catalog.campaigns])
    for warm in texts[:10]:
        ask(warm, settings, db, clock)
    engine_ms, values = [], []
    for question in texts:
        started = time.perf_counter()
        values.append(ask(question, settings, db, clock).value)
        engine_ms.append((time.perf_counter() - started) * 1000)
    direct_ms, agree = time_direct(db.analytics, settings, clock, texts, values)
    measured = len(direct_ms)
    return {
        "engine_p50": statistics.median(engine_ms),
        "engine_p95": _percentile(engine_ms, 0.95),
        "direct_p50": statistics.median(direct_ms) if direct_ms else None,
        "direct_p95": _percentile(direct_ms, 0.95) if direct_ms else None,
        "speedup": (
            statistics.median(direct_ms) / statistics.median(engine_ms[:measured])
            if direct_ms
            else None
        ),
        "measured": measured,
        "agree": agree,
    }


# ------------------------------------------------------------------------ the driver


def _child(engine: str, users: int, folder: Path) -> dict[str, Any]:
    """Run one engine and size in a fresh process; its results, wall time and peak memory."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.warehouses", "--child", engine, str(users), str(folder)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark run {engine} {users:,} failed")
    result = json.loads(output.strip().splitlines()[-1])
    result.update(wall_s=time.monotonic() - started, peak_mb=usage.ru_maxrss / 1024)
    result["disk_mb"] = _disk_mb(folder, engine, users)
    return result


def _disk_mb(folder: Path, engine: str, users: int) -> float:
    paths = [p for p in folder.iterdir() if f"{engine}-{users}" in p.name]
    total = 0
    for path in paths:
        files = path.rglob("*") if path.is_dir() else [path]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total / 2**20


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} s"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} ms"


ROWS = (
    (
        "generate + load the facts",
        lambda r: _seconds(r.get("load_s")) if r.get("load_s") else "reused",
    ),
    ("full rollup build", lambda r: _seconds(r["full_s"])),
    ("add one day (SQL)", lambda r: _seconds(r.get("import_s"))),
    ("incremental refresh of that day", lambda r: _seconds(r.get("incremental_s"))),
    ("engine p50 (200 questions)", lambda r: _ms(r["engine_p50"])),
    ("engine p95", lambda r: _ms(r["engine_p95"])),
    ("direct SQL p50 (same engine)", lambda r: _ms(r["direct_p50"])),
    ("direct SQL p95", lambda r: _ms(r["direct_p95"])),
    ("questions run as direct SQL", lambda r: f"{r['measured']} of {QUERIES}"),
    ("speed-up at p50", lambda r: f"{r['speedup']:,.0f}x" if r["speedup"] else "—"),
    ("values equal to direct SQL", lambda r: f"{r['agree']} of {r['measured']}"),
    ("peak memory of the run", lambda r: f"{r['peak_mb']:,.0f} MB"),
    ("facts and rollups on disk", lambda r: f"{r['disk_mb']:,.0f} MB"),
)


def _table(results: list[dict[str, Any]], heads: list[str]) -> str:
    lines = ["| | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for label, cell in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    return "\n".join(lines)


def _body(by_engine: list[dict[str, Any]], growth: list[dict[str, Any]]) -> str:
    parts = [
        "## Warehouses: the facts where the team keeps them",
        "",
        f"Demo data over {DAYS} days, generated straight into each engine by chunks of users. "
        "SQLite and PostgreSQL hold facts and rollups in one database; with DuckDB, chDB and "
        "Parquet the rollups go to a fresh SQLite state store, so the full build includes "
        "writing every rollup row there. One day: the last day's facts again a day later, "
        "then the refresh that follows an import. Questions: the 200 of the metric benchmark "
        "from the rollups, then as direct SQL on the same engine in the same run. Each run is "
        "a fresh process on a machine with 2 cores.",
        "",
    ]
    if by_engine:
        rows = by_engine[0]["rows"]
        parts += [
            f"### {USERS:,} users ({', '.join(f'{k} {v:,}' for k, v in rows.items())} rows)",
            "",
            _table(by_engine, [NAMES[r["engine"]] for r in by_engine]),
            "",
        ]
    if growth:
        parts += [
            "### Growth on DuckDB",
            "",
            _table(growth, [f"{r['users']:,} users" for r in growth]),
            "",
        ]
        big = [r for r in growth if r["users"] >= 10_000_000]
        one = [r for r in growth if r["users"] == 1_000_000]
        if big and one:
            ratio = big[0]["engine_p95"] / one[0]["engine_p95"]
            parts.append(f"Answers at 10M users: p95 {ratio:.2f}x the 1M time (target 1.5x).")
    return "\n".join(parts)


def main() -> None:
    given = os.environ.get("BENCH_WAREHOUSE_DIR")
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="warroom-warehouses-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"data sets in {folder}", flush=True)
    # Results of earlier runs in the same folder count too, so the runs can be split.
    saved_path = folder / "results.json"
    saved = json.loads(saved_path.read_text()) if saved_path.exists() else {}
    wanted = [(name, USERS) for name in ENGINES.split(",") if name]
    wanted += [("duckdb", int(size)) for size in GROWTH.split(",") if size]
    pg_url = _postgres_url() if any(name == "postgresql" for name, _ in wanted) else None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    if pg_url:
        os.environ["BENCH_PG_URL"] = _pg_schema(pg_url, schema, True)
    try:
        for engine, users in dict.fromkeys(wanted):
            if engine == "postgresql" and not pg_url:
                continue
            print(f"== {NAMES[engine]}, {users:,} users", flush=True)
            saved[f"{engine}-{users}"] = _child(engine, users, folder)
            saved_path.write_text(json.dumps(saved, default=str))
    finally:
        if pg_url:
            _pg_schema(pg_url, schema, False)
    by_engine = [saved[f"{e}-{USERS}"] for e in NAMES if f"{e}-{USERS}" in saved]
    growth = sorted((r for r in saved.values() if r["engine"] == "duckdb"), key=_users)
    body = _body(by_engine, growth if len(growth) > 1 else [])
    write_section("warehouses", body)
    print(body)
    if not given:
        shutil.rmtree(folder, ignore_errors=True)


def _users(result: dict[str, Any]) -> int:
    return int(result["users"])


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(run(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])), default=str))
    else:
        main()
