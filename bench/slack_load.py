"""Slash commands under load: signed requests at a steady rate against `warroom run` (HTTP).

The bot runs as its own process (`warroom run`, waitress, single-workspace mode) against a
local fake Slack; this process sends signed slash commands at 20 and 50 requests a second and
measures, per request, the ack latency (the HTTP answer to Slack's POST) and the time until
the answer reaches the response_url. Data: the 1M-user demo database when BENCH_SQLITE_PATH
names one (bench/demo_load.py leaves it), otherwise a smaller demo set generated here.

python -m bench slack_load        (BENCH_SLACK_SECONDS=10 sets each run's length)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
RATES = (20, 50)
SECONDS = float(os.environ.get("BENCH_SLACK_SECONDS", "10"))
SMALL_USERS = 50_000
ANSWER_TIMEOUT = 60.0
QUESTIONS = (
    ("/ltv", "channel=tiktok"),
    ("/cac", "by=channel"),
    ("/roi", "kind=paid"),
    ("/retention", "d=1 since=14d grain=day"),
    ("/metric", "ltv_cac kind=paid"),
    ("/cac", "channel=douyin since=7d"),
)


@dataclass
class Sample:
    """One request: when it was sent, acked and answered (time.time() seconds)."""

    sent: float
    acked: float | None = None
    status: int | None = None
    answered: float | None = None
    apology: bool = False
    numbers: bool = False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare_database(work: Path) -> tuple[str, str]:
    """A migrated SQLite database with demo data and built rollups; (url, description)."""
    from bot.core.clock import SYSTEM_CLOCK
    from bot.core.db import Database
    from bot.core.migrate import upgrade
    from bot.core.settings import Settings
    from bot.metrics.rollups import refresh

    given = os.environ.get("BENCH_SQLITE_PATH")
    path = work / "slack-load.db"
    if given and Path(given).exists():
        shutil.copy(given, path)
        described = "the 1M-user demo database (bench/demo_load.py)"
        users = None
    else:
        described = f"a {SMALL_USERS:,}-user demo database (no 1M-user database was given)"
        users = SMALL_USERS
    url = f"sqlite:///{path}"
    settings = Settings(_env_file=None, database_url=url)
    db = Database.from_settings(settings)
    upgrade(db.state)
    if users:
        from bot.data import demo

        demo.load_demo(
            db, users=users, days=365, seed=7, end_date=SYSTEM_CLOCK.yesterday(settings.tz)
        )
    started = time.perf_counter()
    refresh(settings, db, SYSTEM_CLOCK)
    print(f"rollups ready in {time.perf_counter() - started:.1f} s", flush=True)
    db.dispose()
    return url, described


def _start_bot(url: str, fake_url: str, port: int, work: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        DATABASE_URL=url,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="bench-secret",
        SLACK_API_URL=fake_url,
        PORT=str(port),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1"],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_rate(rate: int, base: str, fake: object, tag: str) -> list[Sample]:
    from tests.slack_requests import post, slash_command

    total = int(rate * SECONDS)
    samples: list[Sample] = []
    urls: list[str] = []
    lock = threading.Lock()

    def send(index: int) -> None:
        command, text = QUESTIONS[index % len(QUESTIONS)]
        url = fake.response_url(f"{tag}-{index}")  # type: ignore[attr-defined]
        request = slash_command(command, text, response_url=url, secret="bench-secret")
        sample = Sample(sent=time.time())
        try:
            answer = post(base + "/slack/events", request, timeout=30)
            sample.status = answer.status
        except OSError:
            sample.status = None
        sample.acked = time.time()
        with lock:
            samples.append(sample)
            urls.append(url)

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(total, 200)) as pool:
        for index in range(total):
            # A steady rate: request i leaves at start + i/rate, however long earlier ones take.
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, index)
    deadline = time.monotonic() + ANSWER_TIMEOUT
    paths = {"/response/" + u.rsplit("/", 1)[1]: s for u, s in zip(urls, samples, strict=True)}
    while time.monotonic() < deadline:
        got = {c.path for c in fake.calls_to("response_url") if c.path in paths}  # type: ignore[attr-defined]
        if len(got) >= len(paths):
            break
        time.sleep(0.1)
    for call in fake.calls_to("response_url"):  # type: ignore[attr-defined]
        sample = paths.get(call.path)
        if sample is not None and sample.answered is None:
            sample.answered = call.at
            sample.apology = "Sorry, something went wrong" in call.text
            blocks = call.params.get("blocks") or [{}]
            sample.numbers = blocks[0].get("type") == "header"
    return samples


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _row(rate: int, samples: list[Sample]) -> str:
    acks = [(s.acked - s.sent) * 1000 for s in samples if s.acked and s.status == 200]
    answers = [(s.answered - s.sent) * 1000 for s in samples if s.answered]
    errors = sum(1 for s in samples if s.status != 200 or s.answered is None or s.apology)
    over3 = sum(1 for a in acks if a > 3000)
    numbers = sum(1 for s in samples if s.numbers)
    return (
        f"| {rate}/s | {len(samples)} | {_pct(acks, 0.5):,.0f} ms | {_pct(acks, 0.99):,.0f} ms "
        f"| {max(acks, default=float('nan')):,.0f} ms | {over3} "
        f"| {_pct(answers, 0.5):,.0f} ms | {_pct(answers, 0.99):,.0f} ms | {numbers} | {errors} |"
    )


def _chart_seconds(runs: int = 5) -> tuple[float, int]:
    """Median seconds to render a 365-day chart with its previous period, and its PNG size."""
    from datetime import date, timedelta

    from bot.metrics.charts import line_chart_png

    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    series = [(d, 1000 + (i % 7) * 40 + i) for i, d in enumerate(days)]
    previous = [(d, 950 + (i % 7) * 35) for i, d in enumerate(days)]
    times = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        png = line_chart_png("Spend", series, previous=previous, unit="currency", label="Spend")
        times.append(time.perf_counter() - started)
        size = len(png)
    return sorted(times)[len(times) // 2], size


def main() -> None:
    """Run the load at each rate and write the `slack_load` section of docs/benchmarks.md."""
    sys.path.insert(0, str(ROOT))
    from tests.fake_slack import FakeSlack

    work = Path(tempfile.mkdtemp(prefix="warroom-slack-load-"))
    chart_seconds, chart_bytes = _chart_seconds()
    try:
        url, described = _prepare_database(work)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        rows = []
        with FakeSlack() as fake:
            process = _start_bot(url, fake.url, port, work)
            try:
                from tests.slack_requests import wait_until_serving

                wait_until_serving(base, process, timeout=60)
                # One request first so start-up costs (auth.test, imports) are not measured.
                _run_rate(1, base, fake, "warm")
                for rate in RATES:
                    print(f"{rate} requests/s for {SECONDS:.0f} s", flush=True)
                    samples = _run_rate(rate, base, fake, f"r{rate}")
                    rows.append(_row(rate, samples))
                    print(rows[-1], flush=True)
            finally:
                process.terminate()
                process.wait(timeout=10)
        body = "\n".join(
            [
                "## Slash commands under load (HTTP mode)",
                "",
                f"`warroom run` (waitress, one process) on {described}, SQLite, with a local "
                f"fake Slack. Signed slash commands at a steady rate for {SECONDS:.0f} s each, "
                f"mixing {', '.join(f'`{c} {t}`' for c, t in QUESTIONS)}. Ack: the HTTP answer "
                "to the POST (Slack's limit is 3 s). Answer: until the response_url post. "
                "Answers with numbers: a metric answer (not a bad-input message). "
                "Errors: non-200 acks, missing answers, apologies. The load generator and the "
                "fake Slack run on the same machine as the bot.",
                "",
                "| rate | requests | ack p50 | ack p99 | ack max | acks > 3 s "
                "| answer p50 | answer p99 | answers with numbers | errors |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
                *rows,
                "",
                f"Chart: a 365-day trend chart with the previous period (800×450 PNG, "
                f"{chart_bytes / 1024:,.0f} KiB) renders in {chart_seconds * 1000:,.0f} ms "
                "(median of 5; target under 1 s).",
            ]
        )
        write_section("slack_load", body)
        print(body)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
