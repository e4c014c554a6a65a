"""Soak: signed mixed requests at a steady rate against `warroom run`, while the fake Slack
and the database connection fail at random; counts lost answers and duplicates.

The bot runs as its own process (`warroom run`, HTTP mode, one workspace) against a local fake
Slack (tests/fake_slack.py) that answers a share of Web API calls with a fault: 500, 429 with
Retry-After, a dropped connection, or a 500 / dropped connection after carrying the call out.
With PostgreSQL the bot reaches the database through a local TCP proxy that kills one of its
open connections at random every SOAK_DB_DROP_EVERY seconds (with SQLite there is no
connection to break: the report says so).

The mix: slash commands (/ltv, /cac, /fund list, /warroom help), proposal modals (some
submitted twice at once, some replayed later), Approve and Share clicks (some replayed),
and app_home_opened events (some delivered again as Slack's retries). The sender behaves like
Slack and its users: an event whose ack fails is delivered again with x-slack-retry-num, and a
modal or click whose ack fails is submitted again (the same request) up to twice.

Lost: a request with no 200 ack after those retries, or without its answer (a response_url
post, the shared message, the published Home tab, the stored proposal) by the deadline.
Duplicates: a proposal stored twice for one modal, a proposal posted twice to the fund
channel, its note sent twice, a share posted twice, a Home tab published twice for one event,
a digest posted twice.

python -m bench soak     (SOAK_REQUESTS=2000 SOAK_RATE=50 SOAK_SLACK_FAULTS=0.05
                          SOAK_DB_DROP_EVERY=2 SOAK_DATABASE_URL=postgresql+psycopg://...)
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.report import write_section
from bot import fund
from bot.core.clock import SYSTEM_CLOCK
from bot.core.context import Context
from bot.core.db import Database, make_engine
from bot.core.migrate import upgrade
from bot.core.settings import Settings
from bot.data.demo import load_demo
from bot.fund.render import APPROVE_ACTION, PROPOSAL_VIEW
from bot.metrics.render import SHARE_ACTION, button_value
from bot.metrics.rollups import refresh
from bot.models import Proposal
from bot.warroom.team import add_member
from tests.fake_slack import FakeSlack
from tests.slack_requests import (
    app_home_opened,
    block_action,
    post,
    slash_command,
    view_submission,
    wait_until_serving,
)

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("SOAK_REQUESTS", "2000"))
RATE = float(os.environ.get("SOAK_RATE", "50"))
SLACK_FAULTS = float(os.environ.get("SOAK_SLACK_FAULTS", "0.05"))
DB_DROP_EVERY = float(os.environ.get("SOAK_DB_DROP_EVERY", "2"))
DATABASE_URL = os.environ.get(
    "SOAK_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "soak-secret"
ANSWER_DEADLINE = 90.0
SEED_PROPOSALS = 60
APPROVERS = ("UMKT1", "UOPS1")
SUBMITTER = "USUBMIT"
QUESTIONS = (
    ("/ltv", "channel=tiktok"),
    ("/cac", "by=channel"),
    ("/fund", "list"),
    ("/warroom", "help"),
)
# The mix, in shares of the requests.
MIX = (("command", 0.40), ("modal", 0.25), ("click", 0.15), ("event", 0.20))


# --------------------------------------------------------------------------- a flaky database


class FlakyProxy:
    """A TCP proxy to the database that kills a random open connection every `every` s."""

    def __init__(self, host: str, port: int, every: float, seed: int = 11) -> None:
        self.target = (host, port)
        self.every = every
        self.drops = 0
        self._rng = random.Random(seed)
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]

    def start(self) -> FlakyProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        if self.every > 0:
            threading.Thread(target=self._chaos, daemon=True).start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            for pair in self._pairs:
                for side in pair:
                    side.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for side in (source, sink):
                side.close()

    def _chaos(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                self._pairs = [p for p in self._pairs if p[0].fileno() != -1]
                if not self._pairs:
                    continue
                victim = self._pairs.pop(self._rng.randrange(len(self._pairs)))
            for side in victim:
                side.close()
            self.drops += 1


# --------------------------------------------------------------------------- the store


def _drop_schema(schema: str) -> None:
    engine = make_engine(DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _database(work: Path) -> tuple[str, str, Any, str | None]:
    """(the URL for setting up, the URL the bot uses, the proxy or None, the PostgreSQL
    schema made for the run or None)."""
    if DATABASE_URL.startswith("postgresql"):
        schema = f"soak_{uuid.uuid4().hex[:8]}"
        engine = make_engine(DATABASE_URL)
        try:
            with engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as error:  # noqa: BLE001 (no server: fall back to SQLite)
            print(f"PostgreSQL not reachable ({error}); SQLite, without database faults")
        else:
            url = make_url(DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
            direct = url.render_as_string(hide_password=False)
            proxy = FlakyProxy(url.host or "127.0.0.1", url.port or 5432, DB_DROP_EVERY).start()
            flaky = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            return direct, flaky, proxy, schema
        finally:
            engine.dispose()
    url = f"sqlite:///{work / 'soak.db'}"
    return url, url, None, None


def _seed(url: str) -> None:
    """Migrate; a team with approvers, a budget, pending proposals to click on, demo data."""

    settings = Settings(_env_file=None, database_url=url)
    db = Database.from_settings(settings)
    upgrade(db.state)
    for user, team in (("UMKT1", "marketing"), ("UOPS1", "operations")):
        add_member(db, "default", user, team, approver=True)
    add_member(db, "default", "UMSPONSOR", "marketing")
    add_member(db, "default", "UOSPONSOR", "operations")
    year = SYSTEM_CLOCK.today(settings.tz).year
    cli = Context(env=settings, db=db, surface="cli", actor="UADMIN")
    for budget_year in (year, year + 1):  # proposals start a week from today
        fund.set_budget(cli, budget_year, "100m")
    submitter = Context(env=settings, db=db, surface="slack", actor=SUBMITTER)
    for n in range(SEED_PROPOSALS):
        fund.submit_proposal(submitter, fund.ProposalDraft.from_values(_proposal(f"seed {n}")))
    load_demo(db, users=3000, days=60, seed=7, end_date=SYSTEM_CLOCK.yesterday(settings.tz))
    refresh(settings, db, SYSTEM_CLOCK)
    db.dispose()


def _proposal(title: str) -> dict[str, Any]:
    from datetime import date, timedelta

    start = date.today() + timedelta(days=7)
    return {
        "title": title,
        "problem": "Retention of new sign-ups fell three days running.",
        "plan": "Marketing rewrites the hook; operations fixes the first session.",
        "amount": "10k",
        "impact_metric": "retention",
        "impact_target": "35%",
        "marketing_sponsor": "UMSPONSOR",
        "operations_sponsor": "UOSPONSOR",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=30)).isoformat(),
    }


def _modal_values(title: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in _proposal(title).items():
        if name.endswith("_sponsor"):
            element = {"type": "users_select", "selected_user": value}
        elif name.endswith("_date"):
            element = {"type": "datepicker", "selected_date": value}
        elif name == "impact_metric":
            element = {"type": "static_select", "selected_option": {"value": value}}
        else:
            element = {"type": "plain_text_input", "value": value}
        values[name] = {name: element}
    return values


# --------------------------------------------------------------------------- the requests


@dataclass
class Sent:
    """One logical request: its kind, what names it, its acks and whether it was answered."""

    kind: str
    name: str
    acks: list[tuple[int | None, float]] = field(default_factory=list)
    body: str = ""

    @property
    def acked(self) -> bool:
        return any(status == 200 for status, _ in self.acks)


class Soak:
    """Builds, sends and judges the requests."""

    def __init__(self, base: str, fake: Any) -> None:
        self.events_url = base + "/slack/events"
        self.fake = fake
        self.sent: list[Sent] = []
        self.lock = threading.Lock()

    def _post(self, record: Sent, build: Any, retries: int, event: bool = False) -> None:
        request = build(None)
        for attempt in range(retries + 1):
            if event and attempt:
                request = build(attempt)  # Slack's retry carries x-slack-retry-num
            started = time.monotonic()
            try:
                answer = post(self.events_url, request, timeout=10)
                status, record.body = answer.status, answer.body
            except OSError:
                status = None
            record.acks.append((status, time.monotonic() - started))
            if status == 200:
                return

    def send(self, index: int) -> None:
        kind = self._kind(index)
        record = Sent(kind, f"{kind}-{index}")
        with self.lock:
            self.sent.append(record)
        getattr(self, f"_{kind}")(index, record)

    def _kind(self, index: int) -> str:
        point = random.Random(index).random()
        for kind, share in MIX:
            if point < share:
                return kind
            point -= share
        return MIX[-1][0]

    def _command(self, index: int, record: Sent) -> None:
        command, text = QUESTIONS[index % len(QUESTIONS)]
        url = self.fake.response_url(record.name)
        self._post(
            record, lambda _: slash_command(command, text, response_url=url, secret=SECRET), 0
        )

    def _modal(self, index: int, record: Sent) -> None:
        values = _modal_values(record.name)
        request = view_submission(
            PROPOSAL_VIEW, values, user=SUBMITTER, view_id=f"VSOAK{index}", secret=SECRET
        )
        twins = 2 if index % 10 == 3 else 1
        threads = [
            threading.Thread(target=self._post, args=(record, lambda _: request, 2))
            for _ in range(twins)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if index % 10 == 7:  # replayed later
            self._post(Sent("replay", record.name), lambda _: request, 0)

    def _click(self, index: int, record: Sent) -> None:
        options = {"response_url": self.fake.response_url(record.name), "secret": SECRET}
        if index % 2:
            approver = APPROVERS[(index // 2) % 2]
            proposal = str(1 + (index // 4) % SEED_PROPOSALS)
            click = block_action(APPROVE_ACTION, proposal, user=approver, **options)
        else:
            record.kind = "share"
            question = button_value("/ltv channel=tiktok")
            click = block_action(SHARE_ACTION, question, user=f"USH{index}", **options)
        self._post(record, lambda _: click, 2)
        if index % 10 == 5:  # replayed
            self._post(Sent("replay", record.name), lambda _: click, 0)

    def _event(self, index: int, record: Sent) -> None:
        event_id = f"EvSOAK{index}"
        user = f"UEV{index}"
        self._post(
            record,
            lambda retry: app_home_opened(user, event_id=event_id, retry_num=retry, secret=SECRET),
            2,
            event=True,
        )
        if index % 10 == 1:  # Slack delivers it again
            again = app_home_opened(user, event_id=event_id, retry_num=1, secret=SECRET)
            self._post(Sent("replay", record.name), lambda _: again, 0)


# --------------------------------------------------------------------------- judging


@dataclass
class Seen:
    """What the fake Slack saw, indexed for judging."""

    replies: set[str]
    homes: set[str]
    posted_text: str

    @classmethod
    def of(cls, fake: Any) -> Seen:
        replies = {c.path.rsplit("/", 1)[1] for c in fake.calls_to("response_url")}
        homes = {
            str(c.params.get("user_id"))
            for c in fake.calls_to("views.publish", lambda c: c.status == 200)
        }
        text = " ".join(m.get("text", "") + str(m.get("blocks")) for m in fake.posts())
        return cls(replies, homes, text)


def _answered(seen: Seen, record: Sent, proposals: Counter[str]) -> bool:
    if not record.acked:
        return False
    number = record.name.rsplit("-", 1)[1]
    if record.kind == "command" or record.kind == "click":
        return record.name in seen.replies
    if record.kind == "share":
        return f"USH{number}" in seen.posted_text or record.name in seen.replies
    if record.kind == "event":
        return f"UEV{number}" in seen.homes
    # A modal: its proposal is stored (or its answer named the fields to fix).
    return proposals[record.name] > 0 or "errors" in record.body


def _extra(counts: Counter[Any]) -> int:
    """How many more than one there are, over all keys."""
    return sum(n - 1 for n in counts.values() if n > 1)


def _duplicates(soak: Soak, proposals: Counter[str]) -> dict[str, int]:
    fake = soak.fake
    posted = Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("proposal")
        for m in fake.posts(
            lambda m: (m.get("metadata") or {}).get("event_type") == "fund_proposal"
        )
    )
    notes = Counter(
        found.group(1)
        for m in fake.posts(lambda m: m["channel"] == "D" + SUBMITTER[1:])
        if (found := re.search(r"Proposal #(\d+) is", m.get("text", "")))
    )
    shares = Counter(
        found.group(0)
        for m in fake.posts()
        if (found := re.search(r"USH\d+", m.get("text", "") + str(m.get("blocks"))))
    )
    homes = Counter(
        c.params.get("user_id") for c in fake.calls_to("views.publish", lambda c: c.status == 200)
    )
    digests = Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("date")
        for m in fake.posts(
            lambda m: (m.get("metadata") or {}).get("event_type") == "warroom_digest"
        )
    )
    return {
        "proposals stored twice": _extra(proposals),
        "proposal posts": _extra(posted),
        "submitter notes": _extra(notes),
        "shares": _extra(shares),
        "Home tabs": _extra(homes),
        "digests": _extra(digests),
    }


def _proposals(url: str) -> Counter[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        titles = connection.execute(select(Proposal.title)).scalars().all()
    engine.dispose()
    return Counter(t for t in titles if t.startswith("modal-"))


def _wait_for_answers(soak: Soak, url: str) -> tuple[list[Sent], Counter[str]]:
    deadline = time.monotonic() + ANSWER_DEADLINE
    while True:
        proposals = _proposals(url)
        seen = Seen.of(soak.fake)
        lost = [r for r in soak.sent if not _answered(seen, r, proposals)]
        if not lost or time.monotonic() > deadline:
            return lost, proposals
        time.sleep(1)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def _run(base: str, fake: Any) -> Soak:
    soak = Soak(base, fake)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=200) as pool:
        for index in range(REQUESTS):
            # A steady rate: request i leaves at start + i/rate, however long earlier ones take.
            delay = start + index / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(soak.send, index)
    return soak


def main() -> None:
    """Run the soak and write the `soak` section of docs/benchmarks.md."""
    work = Path(tempfile.mkdtemp(prefix="warroom-soak-"))
    direct, flaky, proxy, schema = _database(work)
    try:
        _seed(direct)
        with FakeSlack() as fake:
            soak, lost, duplicates = _soak(work, direct, flaky, fake)
            faults = sum(1 for c in fake.calls if c.status != 200 and c.method != "response_url")
    finally:
        if proxy is not None:
            proxy.close()
        if schema is not None:
            _drop_schema(schema)
    _report(soak, lost, duplicates, faults, proxy)
    shutil.rmtree(work, ignore_errors=True)


def _soak(
    work: Path, direct: str, flaky: str, fake: Any
) -> tuple[Soak, list[Sent], dict[str, int]]:
    """Start the bot against `flaky`, send the requests, judge them."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        DATABASE_URL=flaky,
        SLACK_BOT_TOKEN="xoxb-soak",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.url,
        PORT=str(port),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    # The bot's log goes to a file: faults make it long, and a full pipe would stall the bot.
    with (work / "bot.log").open("w") as log:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1"],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            try:
                wait_until_serving(f"http://127.0.0.1:{port}", bot, timeout=60)
            except RuntimeError as error:
                tail = (work / "bot.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{error}\n{tail}") from error
            fake.chaos(SLACK_FAULTS, seed=3)
            print(f"{REQUESTS} requests at {RATE:g}/s", flush=True)
            soak = _run(f"http://127.0.0.1:{port}", fake)
            lost, proposals = _wait_for_answers(soak, direct)
            return soak, lost, _duplicates(soak, proposals)
        finally:
            bot.terminate()
            bot.wait(timeout=20)


def _report(
    soak: Soak, lost: list[Sent], duplicates: dict[str, int], faults: int, proxy: Any
) -> None:
    first = [r.acks[0][1] * 1000 for r in soak.sent if r.acks and r.acks[0][0] == 200]
    kinds = Counter(r.kind for r in soak.sent)
    lost_kinds = Counter(r.kind for r in lost)
    store = (
        f"PostgreSQL through a proxy that killed a random open connection every "
        f"{DB_DROP_EVERY:g} s ({proxy.drops} killed)"
        if proxy is not None
        else "SQLite (no database connection to break)"
    )
    body = "\n".join(
        [
            "## Soak: mixed requests with faults (HTTP mode)",
            "",
            f"`warroom run` (waitress, one process), {store}; a local fake Slack answering "
            f"{SLACK_FAULTS:.0%} of Web API calls with a fault (500, 429, a dropped connection, "
            f"or a 500 / dropped connection after carrying the call out): {faults} faults. "
            f"{len(soak.sent)} signed requests at {RATE:g}/s: "
            + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            + ". Modals are partly submitted twice at once and replayed, clicks and events "
            "partly delivered again. See bench/soak.py for what counts as lost and duplicated.",
            "",
            "| requests | lost answers | duplicates | ack p50 | ack p99 | ack max |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {len(soak.sent)} | {len(lost)} | {sum(duplicates.values())} "
            f"| {_pct(first, 0.5):,.0f} ms | {_pct(first, 0.99):,.0f} ms "
            f"| {max(first, default=0):,.0f} ms |",
            "",
            "Lost by kind: "
            + (", ".join(f"{k} {n}" for k, n in sorted(lost_kinds.items())) or "none")
            + ". Duplicates by kind: "
            + ", ".join(f"{k} {n}" for k, n in duplicates.items())
            + ". Target: 0 lost, 0 duplicates; ack p99 under 3 s.",
        ]
    )
    write_section("soak", body)
    print(body)


if __name__ == "__main__":
    main()
