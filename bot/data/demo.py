"""Deterministic, believable demo growth data, generated and loaded in chunks of users.

Six channels with their own economics, so the metrics differ in ways worth asking about,
and the three playbook situations planted near the end of the range:

* baidu pays too much for its customers: LTV/CAC stays under 3;
* xiaohongshu's next-day (D1) retention falls on each of the last sign-up days;
* wechat's cost per sign-up jumps for the last two complete weeks, so its ROI drops under
  its benchmark while it was well above it before;

plus a Double-11 spike (spend, sign-ups and orders several times normal around 11 November).

Everything comes from numpy Generators seeded with (seed, part), so one seed gives the same
data on every machine. Users are generated in chunks of whole sign-up days, which keeps the
memory bounded whatever the size, and keeps each day's D1 quota exact.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from bot.core.bulk import insert_frame
from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.facts import mark_stale
from bot.models import FACT_TABLES, Channel, ImportRun, Spend, User

# Users per generated chunk (whole sign-up days are kept together, so chunks run a little over).
CHUNK_USERS = 50_000
DAY_SECONDS = 86_400


class DemoDataError(Exception):
    """The demo data cannot be loaded as asked; the message says what to do instead."""


@dataclass(frozen=True)
class Profile:
    """One channel's economics."""

    key: str
    name: str
    kind: str
    roi_benchmark: float | None
    share: float  # share of sign-ups at the start of the range
    trend: float  # the share is multiplied by this at the end of the range
    cpa: float  # spend per sign-up
    cpc: float  # cost per click
    conversion: float  # share of users who ever order
    first_order_hours: float  # mean delay from sign-up to the first order
    aov: float  # mean order value
    aov_sigma: float  # log-normal spread of order values
    repeat_per_day: float  # repeat orders per active customer per day
    lifetime_days: float  # mean length of a customer's buying life
    d1: float  # next-day retention
    decay: float  # day-N retention is d1 * N ** -decay
    lead_share: float  # share of users who came in as a lead first
    lost_leads: float  # leads that never sign up, per user
    owners: tuple[str, ...] = ()


PROFILES: tuple[Profile, ...] = (
    Profile("tiktok", "TikTok", "paid", 2.2, 0.16, 1.35, 34, 1.9, 0.60, 30, 170, 0.55,
            0.070, 170, 0.42, 0.34, 0.30, 0.35, ("Lin Wei", "Chen Jing")),
    Profile("douyin", "抖音", "paid", 2.4, 0.22, 1.15, 40, 2.2, 0.62, 26, 190, 0.55,
            0.072, 190, 0.45, 0.33, 0.28, 0.30, ("Wang Fang", "Zhao Lei")),
    Profile("xiaohongshu", "小红书", "paid", 2.0, 0.15, 1.10, 46, 2.6, 0.60, 34, 240, 0.50,
            0.062, 200, 0.48, 0.31, 0.35, 0.40, ("Liu Yang", "Sun Mei")),
    Profile("wechat", "微信", "paid", 6.0, 0.15, 1.0, 24, 1.4, 0.66, 22, 260, 0.45,
            0.085, 240, 0.50, 0.28, 0.40, 0.25, ("Zhou Min", "Wu Hao")),
    Profile("baidu", "百度", "paid", 0.6, 0.12, 0.85, 85, 3.8, 0.50, 40, 150, 0.60,
            0.050, 150, 0.36, 0.38, 0.45, 0.50, ("Xu Gang", "Ma Li")),
    Profile("organic", "自然流量", "organic", None, 0.20, 1.05, 0, 0, 0.52, 48, 180, 0.55,
            0.068, 180, 0.40, 0.33, 0.10, 0.15),
)  # fmt: skip

PLANTED = {"ltv_cac": "baidu", "d1": "xiaohongshu", "roi": "wechat"}
# Sign-ups around 11 November, as multiples of a normal day; spend follows, a little dearer.
SPIKE_SIGNUPS = {-2: 1.8, -1: 3.0, 0: 5.0, 1: 2.2}
SPIKE_CPA = 1.25
# Extra orders from existing customers on those days, in days' worth of normal repeat buying.
SPIKE_ORDERS = {-1: 2.0, 0: 5.0, 1: 2.5}
# wechat's cost per sign-up over the last two complete weeks (a bidding war on Moments ads).
ROI_CPA_JUMP = 4.5
# xiaohongshu's D1 over its last sign-up days, as multiples of its normal D1.
D1_SLIDE = (0.85, 0.7, 0.55, 0.4, 0.25)
# Sign-ups by hour of the day (evening heavy, like most consumer apps).
HOURS = np.array(
    [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 5, 6, 7, 8, 9, 9, 7, 4], dtype=float
)


def last_complete_week(end: date) -> tuple[date, date]:
    """The Monday and Sunday of the last ISO week that ends on or before `end`."""
    sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    return sunday - timedelta(days=6), sunday


@dataclass
class Plan:
    """Everything decided before the users are generated: counts per day, channel and
    campaign, D1 quotas, campaigns and spend."""

    start: date
    end: date
    seed: int
    users: int
    counts: np.ndarray  # (days, channels) sign-ups
    d1_quota: np.ndarray  # (days, channels) users active the next day
    campaigns: pd.DataFrame
    spend: pd.DataFrame
    # Per (day, channel): campaign indexes (into `campaigns`) and their shares of sign-ups.
    cell_campaigns: dict[tuple[int, int], list[tuple[int, float]]]
    chunk_days: list[tuple[int, int]] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _spike_days(start: date, end: date, table: dict[int, float]) -> dict[date, float]:
    out: dict[date, float] = {}
    for year in range(start.year, end.year + 1):
        eleven = date(year, 11, 11)
        for offset, factor in table.items():
            day = eleven + timedelta(days=offset)
            if start <= day <= end:
                out[day] = factor
    return out


def _round_preserving_total(values: np.ndarray) -> np.ndarray:
    """Integers that add up to round(sum) and never drift more than one from the values."""
    cumulative = np.round(np.cumsum(values.ravel())).astype(np.int64)
    counts = np.diff(np.concatenate(([0], cumulative)))
    return counts.reshape(values.shape)


def _campaigns(start: date, end: date) -> list[dict]:
    """Per paid channel: a quarterly always-on campaign, and a Double-11 one each year."""
    rows: list[dict] = []
    for profile in PROFILES:
        if profile.kind != "paid":
            continue
        year, quarter = start.year, (start.month - 1) // 3
        while date(year, quarter * 3 + 1, 1) <= end:
            first = date(year, quarter * 3 + 1, 1)
            last = (date(year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1)) - timedelta(1)
            owner = profile.owners[(year + quarter) % len(profile.owners)]
            rows.append(
                {
                    "id": f"{profile.key}-{year}q{quarter + 1}",
                    "channel": profile.key,
                    "name": f"{profile.name} {year} Q{quarter + 1} always-on",
                    "start_date": max(first, start),
                    "end_date": last,
                    "owner": owner,
                    "double11": False,
                }
            )
            year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
        for year in range(start.year, end.year + 1):
            first, last = date(year, 10, 20), date(year, 11, 13)
            if last < start or first > end:
                continue
            rows.append(
                {
                    "id": f"{profile.key}-{year}-double11",
                    "channel": profile.key,
                    "name": f"{profile.name} Double 11 {year}",
                    "start_date": max(first, start),
                    "end_date": last,
                    "owner": profile.owners[year % len(profile.owners)],
                    "double11": True,
                }
            )
    return rows


def make_plan(users: int, days: int, seed: int, end: date) -> Plan:
    """Decide sign-up counts, D1 quotas, campaigns and spend for the whole range."""
    start = end - timedelta(days=days - 1)
    rng = np.random.default_rng([seed, 0])
    t = np.arange(days)
    dates = [start + timedelta(days=int(i)) for i in t]
    weekday = np.array([d.weekday() for d in dates])
    spike = _spike_days(start, end, SPIKE_SIGNUPS)
    volume = (1 + 0.6 * t / max(days - 1, 1)) * np.where(weekday >= 5, 1.12, 1.0)
    volume *= np.array([spike.get(d, 1.0) for d in dates])
    volume *= rng.lognormal(0, 0.06, days)
    progress = t / max(days - 1, 1)
    shares = np.stack(
        [p.share * (1 + (p.trend - 1) * progress) for p in PROFILES], axis=1
    )  # (days, channels)
    shares /= shares.sum(axis=1, keepdims=True)
    expected = volume[:, None] * shares
    expected *= users / expected.sum()
    counts = _round_preserving_total(expected)

    d1_quota = _d1_quotas(counts, weekday)

    campaign_rows = _campaigns(start, end)
    campaigns = pd.DataFrame(campaign_rows)
    cell_campaigns: dict[tuple[int, int], list[tuple[int, float]]] = {}
    by_channel: dict[str, list[int]] = {}
    for index, row in enumerate(campaign_rows):
        by_channel.setdefault(row["channel"], []).append(index)
    for c, profile in enumerate(PROFILES):
        for index in by_channel.get(profile.key, []):
            row = campaign_rows[index]
            first = (row["start_date"] - start).days
            last = min((row["end_date"] - start).days, days - 1)
            for day in range(first, last + 1):
                cell_campaigns.setdefault((day, c), []).append((index, 1.0))
    for key, parts in cell_campaigns.items():
        if len(parts) > 1:  # the Double-11 campaign takes 60%, the always-on one the rest
            cell_campaigns[key] = [
                (i, 0.6 if campaign_rows[i]["double11"] else 0.4) for i, _ in parts
            ]

    spend = _spend(rng, start, end, expected, campaigns, cell_campaigns)
    budgets = spend.groupby("campaign_id")["amount"].sum()
    factor = rng.uniform(1.0, 1.3, len(campaigns))
    campaigns["budget"] = [
        float(math.ceil(budgets.get(cid, 0.0) * f / 1000) * 1000)
        for cid, f in zip(campaigns["id"], factor, strict=True)
    ]
    campaigns["status"] = np.where(campaigns["end_date"] < end, "completed", "active")
    campaigns = campaigns.drop(columns="double11")

    plan = Plan(start, end, seed, users, counts, d1_quota, campaigns, spend, cell_campaigns)
    per_day = counts.sum(axis=1)
    first = 0
    running = 0
    for day in range(days):
        running += int(per_day[day])
        if running >= CHUNK_USERS or day == days - 1:
            plan.chunk_days.append((first, day))
            first, running = day + 1, 0
    return plan


def _d1_quotas(counts: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Exact next-day-active counts per sign-up day and channel.

    Every channel gets a small weekly zigzag (never three falls in a row), and a guard
    lifts any day that would make a third consecutive fall: so the only D1 that slides is
    the planted one, whose last days are forced strictly down."""
    days, channels = counts.shape
    zigzag = np.array([0.02, -0.01, 0.01, -0.02, 0.02, 0.0, -0.01])
    quota = np.zeros_like(counts)
    slide_from = days - 1 - len(D1_SLIDE)  # the last sign-up day with a D1 is days - 2
    for c, profile in enumerate(PROFILES):
        history: list[float] = []
        for day in range(days):
            n = int(counts[day, c])
            if n == 0:
                continue
            rate = profile.d1 + zigzag[weekday[day]]
            sliding = profile.key == PLANTED["d1"] and slide_from <= day < days - 1
            if sliding:
                rate = profile.d1 * D1_SLIDE[day - slide_from]
            q = int(round(rate * n))
            if sliding and history:
                q = min(q, math.ceil(history[-1] * n) - 1)
            elif len(history) >= 2 and history[-1] < history[-2] and q / n < history[-1]:
                q = math.ceil(history[-1] * n)
            q = max(0, min(q, n))
            quota[day, c] = q
            history.append(q / n)
    return quota


def _cpa(profile: Profile, day: date, end: date) -> float:
    cpa = profile.cpa
    if profile.key == PLANTED["roi"]:
        monday, _ = last_complete_week(end)
        if day >= monday - timedelta(days=7):
            cpa *= ROI_CPA_JUMP
    return cpa


def _spend(
    rng: np.random.Generator,
    start: date,
    end: date,
    expected: np.ndarray,
    campaigns: pd.DataFrame,
    cell_campaigns: dict[tuple[int, int], list[tuple[int, float]]],
) -> pd.DataFrame:
    spike = _spike_days(start, end, SPIKE_SIGNUPS)
    rows = []
    for (day, c), parts in sorted(cell_campaigns.items()):
        profile = PROFILES[c]
        when = start + timedelta(days=day)
        cpa = _cpa(profile, when, end) * (SPIKE_CPA if when in spike else 1.0)
        for index, share in parts:
            amount = expected[day, c] * share * cpa * rng.lognormal(0, 0.08)
            clicks = int(amount / profile.cpc * rng.uniform(0.9, 1.1))
            impressions = int(clicks * rng.uniform(40, 90))
            rows.append((when, profile.key, campaigns.at[index, "id"], round(amount, 2),
                         impressions, clicks))  # fmt: skip
    return pd.DataFrame(
        rows, columns=["date", "channel", "campaign_id", "amount", "impressions", "clicks"]
    )


def channels_frame() -> pd.DataFrame:
    """The six demo channels."""
    return pd.DataFrame(
        {
            "key": [p.key for p in PROFILES],
            "name": [p.name for p in PROFILES],
            "kind": [p.kind for p in PROFILES],
            "roi_benchmark": [p.roi_benchmark for p in PROFILES],
        }
    )


def _profile_array(name: str) -> np.ndarray:
    return np.array([getattr(p, name) for p in PROFILES], dtype=float)


def _timestamps(seconds: np.ndarray) -> pd.Series:
    return pd.Series(seconds.astype("datetime64[s]"))


class Generator:
    """Yields the demo data chunk by chunk; the same arguments give the same rows."""

    def __init__(self, users: int, days: int, seed: int, end: date) -> None:
        self.plan = make_plan(users, days, seed, end)
        self.width = max(7, len(str(users)))
        self._order_seq = 0
        self._lead_seq = 0

    @property
    def chunks(self) -> int:
        """How many user chunks `user_chunks` yields."""
        return len(self.plan.chunk_days)

    def fixed_tables(self) -> dict[str, pd.DataFrame]:
        """channels, campaigns and spend (small: one row per day and campaign)."""
        return {
            "channels": channels_frame(),
            "campaigns": self.plan.campaigns,
            "spend": self.plan.spend,
        }

    def user_chunks(self) -> Iterator[dict[str, pd.DataFrame]]:
        """users, leads, orders and activity, one chunk of whole sign-up days at a time."""
        self._order_seq = self._lead_seq = 0
        first_user = 0
        for number, (first, last) in enumerate(self.plan.chunk_days, start=1):
            chunk = self._chunk(number, first, last, first_user)
            first_user += len(chunk["users"])
            yield chunk

    def _chunk(
        self, number: int, first: int, last: int, first_user: int
    ) -> dict[str, pd.DataFrame]:
        plan = self.plan
        rng = np.random.default_rng([plan.seed, number])
        days = plan.days
        start_s = int(np.datetime64(plan.start, "s").astype(np.int64))
        end_s = start_s + days * DAY_SECONDS  # exclusive

        # Users, ordered by day, channel, campaign.
        t_parts, c_parts, camp_parts = [], [], []
        for day in range(first, last + 1):
            for c in range(len(PROFILES)):
                n = int(plan.counts[day, c])
                if n == 0:
                    continue
                parts = plan.cell_campaigns.get((day, c))
                if not parts:
                    camp = np.full(n, -1)
                else:
                    split = _round_preserving_total(np.array([s for _, s in parts]) * n)
                    camp = np.repeat([i for i, _ in parts], split)
                t_parts.append(np.full(n, day))
                c_parts.append(np.full(n, c))
                camp_parts.append(camp)
        t_u = np.concatenate(t_parts)
        c_u = np.concatenate(c_parts)
        camp_u = np.concatenate(camp_parts)
        n_users = len(t_u)
        ids = np.array(
            [f"u{i:0{self.width}d}" for i in range(first_user + 1, first_user + n_users + 1)],
            dtype=object,
        )
        hour = rng.choice(24, n_users, p=HOURS / HOURS.sum())
        signup = start_s + t_u * DAY_SECONDS + hour * 3600 + rng.integers(0, 3600, n_users)
        campaign_ids = plan.campaigns["id"].to_numpy(dtype=object)
        camp_id = np.where(camp_u >= 0, campaign_ids[np.maximum(camp_u, 0)], None)
        users = pd.DataFrame(
            {"id": ids, "signed_up_at": _timestamps(signup), "channel": _keys()[c_u],
             "campaign_id": camp_id}
        )  # fmt: skip

        activity = self._activity(rng, t_u, c_u, ids)
        orders = self._orders(rng, signup, c_u, ids, end_s)
        leads = self._leads(rng, signup, t_u, c_u, camp_id, ids, start_s)
        return {"users": users, "leads": leads, "orders": orders, "activity": activity}

    def _activity(
        self, rng: np.random.Generator, t_u: np.ndarray, c_u: np.ndarray, ids: np.ndarray
    ) -> pd.DataFrame:
        plan = self.plan
        days = plan.days
        index = np.arange(len(t_u))
        who = [index]  # the sign-up day itself
        offset = [np.zeros(len(t_u), dtype=np.int64)]
        # D1: exactly the planned number of users of each (day, channel) group.
        group = t_u * len(PROFILES) + c_u
        order = np.lexsort((rng.random(len(t_u)), group))
        sorted_group = group[order]
        group_start = np.searchsorted(sorted_group, sorted_group, side="left")
        rank = np.empty(len(t_u), dtype=np.int64)
        rank[order] = np.arange(len(t_u)) - group_start
        d1 = (rank < plan.d1_quota[t_u, c_u]) & (t_u + 1 < days)
        who.append(index[d1])
        offset.append(np.ones(int(d1.sum()), dtype=np.int64))
        d1_rate = _profile_array("d1")
        decay = _profile_array("decay")
        for k in range(2, days - int(t_u.min())):
            alive = index[t_u + k < days]
            if len(alive) == 0:
                break
            p = np.minimum(d1_rate[c_u[alive]] * k ** -decay[c_u[alive]], 1.0)
            hit = alive[rng.random(len(alive)) < p]
            who.append(hit)
            offset.append(np.full(len(hit), k, dtype=np.int64))
        user = np.concatenate(who)
        day_offset = np.concatenate(offset)
        order = np.lexsort((day_offset, user))
        user, day_offset = user[order], day_offset[order]
        day = np.datetime64(plan.start, "D") + (t_u[user] + day_offset)
        return pd.DataFrame({"user_id": ids[user], "date": pd.Series(day.astype("datetime64[s]"))})

    def _orders(
        self,
        rng: np.random.Generator,
        signup: np.ndarray,
        c_u: np.ndarray,
        ids: np.ndarray,
        end_s: int,
    ) -> pd.DataFrame:
        plan = self.plan
        n = len(signup)
        buyer = rng.random(n) < _profile_array("conversion")[c_u]
        first = signup + (rng.exponential(1.0, n) * _profile_array("first_order_hours")[c_u]
                          * 3600).astype(np.int64)  # fmt: skip
        life = rng.exponential(1.0, n) * _profile_array("lifetime_days")[c_u] * DAY_SECONDS
        buyer &= first < end_s
        customers = np.flatnonzero(buyer)
        window = np.minimum(life[customers], end_s - first[customers])
        rate = _profile_array("repeat_per_day")[c_u[customers]]
        repeats = rng.poisson(rate * window / DAY_SECONDS)
        owner = np.repeat(customers, repeats)
        when = first[owner] + (rng.random(len(owner)) * np.repeat(window, repeats)).astype(np.int64)
        owners, times = [customers, owner], [first[customers], when]
        for day, boost in _spike_days(plan.start, plan.end, SPIKE_ORDERS).items():
            day_s = int(np.datetime64(day, "s").astype(np.int64))
            alive = customers[(first[customers] < day_s) & (first[customers] + life[customers]
                                                             > day_s)]  # fmt: skip
            extra = rng.poisson(boost * _profile_array("repeat_per_day")[c_u[alive]])
            extra_owner = np.repeat(alive, extra)
            at = day_s + rng.integers(0, DAY_SECONDS, len(extra_owner))
            keep = at < end_s
            owners.append(extra_owner[keep])
            times.append(at[keep])
        owner = np.concatenate(owners)
        when = np.concatenate(times)
        order = np.lexsort((when, owner))
        owner, when = owner[order], when[order]
        aov = _profile_array("aov")[c_u[owner]]
        sigma = _profile_array("aov_sigma")[c_u[owner]]
        amount = np.round(np.maximum(rng.lognormal(np.log(aov) - sigma**2 / 2, sigma), 1.0), 2)
        seq = np.arange(self._order_seq + 1, self._order_seq + len(owner) + 1)
        self._order_seq += len(owner)
        return pd.DataFrame(
            {
                "id": [f"o{i:09d}" for i in seq],
                "user_id": ids[owner],
                "ordered_at": _timestamps(when),
                "amount": amount,
            }
        )

    def _leads(
        self,
        rng: np.random.Generator,
        signup: np.ndarray,
        t_u: np.ndarray,
        c_u: np.ndarray,
        camp_id: np.ndarray,
        ids: np.ndarray,
        start_s: int,
    ) -> pd.DataFrame:
        n = len(signup)
        came_as_lead = np.flatnonzero(rng.random(n) < _profile_array("lead_share")[c_u])
        lead_at = signup[came_as_lead] - (rng.exponential(36 * 3600, len(came_as_lead))).astype(
            np.int64
        )
        lead_at = np.maximum(lead_at, start_s)
        lost = np.flatnonzero(rng.random(n) < _profile_array("lost_leads")[c_u])
        lost_at = start_s + t_u[lost] * DAY_SECONDS + rng.integers(0, DAY_SECONDS, len(lost))
        source = np.concatenate([came_as_lead, lost])
        at = np.concatenate([lead_at, lost_at])
        user = np.concatenate([ids[came_as_lead], np.full(len(lost), None, dtype=object)])
        seq = np.arange(self._lead_seq + 1, self._lead_seq + len(source) + 1)
        self._lead_seq += len(source)
        return pd.DataFrame(
            {
                "id": [f"l{i:09d}" for i in seq],
                "created_at": _timestamps(at),
                "channel": _keys()[c_u[source]],
                "campaign_id": camp_id[source],
                "user_id": user,
            }
        )


def _keys() -> np.ndarray:
    return np.array([p.key for p in PROFILES], dtype=object)


# ------------------------------------------------------------------------------- loading

TABLES = {model.__tablename__: model.__table__ for model in FACT_TABLES}
LOAD_ORDER = ("channels", "campaigns", "spend", "users", "leads", "orders", "activity")


@dataclass
class DemoSummary:
    """What a demo load did, printable."""

    rows: dict[str, int]
    first: date | None
    last: date | None
    seconds: float
    skipped: str | None = None

    def __str__(self) -> str:
        if self.skipped:
            return self.skipped
        counts = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return (
            f"Loaded demo data for {self.first} to {self.last} in {self.seconds:.1f} s: {counts}."
        )


def _fact_rows(connection: Connection) -> int:
    for table in (User.__table__, Channel.__table__, Spend.__table__):
        if connection.execute(select(func.count()).select_from(table)).scalar_one():
            return (
                connection.execute(select(func.count()).select_from(User.__table__)).scalar_one()
                or 1
            )
    return 0


def _delete_facts(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{name}"' for name in reversed(LOAD_ORDER))
        connection.exec_driver_sql(f"TRUNCATE {names}")
        return
    for name in reversed(LOAD_ORDER):
        connection.execute(delete(TABLES[name]))


class _Progress:
    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total, self.done, self.rows = enabled, total, 0, 0
        self.started = time.monotonic()

    def step(self, rows: int) -> None:
        self.done += 1
        self.rows += rows
        if self.enabled:
            rate = self.rows / max(time.monotonic() - self.started, 1e-6)
            sys.stderr.write(
                f"\rdemo data: chunk {self.done}/{self.total}, {self.rows:,} rows, "
                f"{rate:,.0f} rows/s"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def load_demo(
    db: Database,
    *,
    users: int = 20_000,
    days: int = 365,
    seed: int = 7,
    end_date: date,
    if_empty: bool = False,
    replace: bool = False,
    progress: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> DemoSummary:
    """Generate the demo data set and load it into the analytics store, chunk by chunk.

    Raises DemoDataError when facts are already loaded and neither flag says what to do."""
    started = time.monotonic()
    engine = db.analytics
    generator = Generator(users, days, seed, end_date)
    plan = generator.plan
    rows = dict.fromkeys(LOAD_ORDER, 0)
    # One transaction: a failed or interrupted load leaves the previous facts (or none).
    with _bulk_connection(engine) as connection, connection.begin():
        existing = _fact_rows(connection)
        if existing and if_empty:
            return DemoSummary(
                {}, None, None, 0.0, "Growth facts are already loaded; demo data not loaded."
            )
        if existing and not replace:
            raise DemoDataError(
                "Growth facts are already loaded. Use --replace to delete them and load the "
                "demo data, or --if-empty to keep them."
            )
        if existing:
            _delete_facts(connection)
        bar = _Progress(progress, generator.chunks + 1)
        with _without_secondary_indexes(connection):
            for name, frame in generator.fixed_tables().items():
                rows[name] += insert_frame(connection, TABLES[name], frame)
            bar.step(sum(rows.values()))
            for chunk in generator.user_chunks():
                for name in ("users", "leads", "orders", "activity"):
                    rows[name] += _insert_in_parts(connection, name, chunk[name])
                bar.step(sum(len(frame) for frame in chunk.values()))
        bar.close()
        now = clock.now()
        if db.state is engine:
            with Session(bind=connection) as session:
                _record(session, rows, plan.start, plan.end, now, seed, users, days)
                session.flush()
    if db.state is not engine:
        with db.write() as session:
            _record(session, rows, plan.start, plan.end, now, seed, users, days)
    return DemoSummary(rows, plan.start, plan.end, time.monotonic() - started)


@contextmanager
def _bulk_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for loading into empty fact tables. On SQLite, foreign keys are not
    checked row by row (the pragma only changes outside a transaction), and the page cache
    is larger; the generated rows are consistent by construction."""
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            yield connection
            return
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.execute("PRAGMA cache_size=-200000")
        try:
            yield connection
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
            raw.execute("PRAGMA cache_size=-2000")


@contextmanager
def _without_secondary_indexes(connection: Connection) -> Iterator[None]:
    """Drop the fact tables' secondary indexes (and, on PostgreSQL, foreign keys) while
    loading, then build them once: the usual bulk-load recipe, much faster than keeping
    them up to date row by row. Inside the load's transaction, so a failure restores them."""
    tables = [TABLES[name] for name in LOAD_ORDER]
    indexes = [index for table in tables for index in table.indexes]
    foreign_keys = (
        [fk for table in tables for fk in table.foreign_key_constraints]
        if connection.dialect.name == "postgresql"
        else []
    )
    for fk in foreign_keys:
        connection.execute(DropConstraint(fk))
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
    for fk in foreign_keys:
        connection.execute(AddConstraint(fk))


def _insert_in_parts(connection: Connection, name: str, frame: pd.DataFrame) -> int:
    # Keeps the driver's parameter list (SQLite) or COPY buffer (PostgreSQL) small.
    step = 250_000
    return sum(
        insert_frame(connection, TABLES[name], frame.iloc[i : i + step])
        for i in range(0, len(frame), step)
    )


def _record(
    session: Session,
    rows: dict[str, int],
    first: date,
    last: date,
    now: datetime,
    seed: int,
    users: int,
    days: int,
) -> None:
    source = f"demo-data --users {users} --days {days} --seed {seed}"
    for name, count in rows.items():
        session.add(
            ImportRun(
                table_name=name,
                source=source,
                rows_read=count,
                rows_loaded=count,
                rows_rejected=0,
                min_date=first,
                max_date=last,
                finished_at=now.replace(tzinfo=None),
            )
        )
    mark_stale(session, first, last, now)
