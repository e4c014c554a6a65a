"""Everything decided before the users are generated: sign-ups per day and channel, D1
quotas, campaigns and spend, and how the days are cut into chunks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.core.clock import complete_weeks
from bot.data.demo.profiles import (
    D1_SLIDE,
    PLANTED,
    PROFILES,
    ROI_CPA_JUMP,
    SPIKE_CPA,
    SPIKE_SIGNUPS,
    Profile,
)
from bot.data.demo.touchpoints import plant_break

# Users per generated chunk (whole sign-up days are kept together, so chunks run a little over).
CHUNK_USERS = 50_000

# Per (day, channel): campaign indexes (into the campaigns) and their shares of sign-ups.
CellCampaigns = dict[tuple[int, int], list[tuple[int, float]]]


@dataclass
class Plan:
    """Everything decided before the users are generated: counts per day, channel and
    campaign, D1 quotas, campaigns and spend."""

    start: date
    end: date
    seed: int
    counts: np.ndarray  # (days, channels) sign-ups
    d1_quota: np.ndarray  # (days, channels) users active the next day
    campaigns: pd.DataFrame
    spend: pd.DataFrame
    cell_campaigns: CellCampaigns
    chunk_days: list[tuple[int, int]]  # (first, last) sign-up day of each chunk

    @property
    def days(self) -> int:
        """Days in the range, both ends included."""
        return (self.end - self.start).days + 1


def spike_days(start: date, end: date, table: dict[int, float]) -> dict[date, float]:
    """The days of `table` (offsets from 11 November) inside start..end, with their factor."""
    out: dict[date, float] = {}
    for year in range(start.year, end.year + 1):
        eleven = date(year, 11, 11)
        for offset, factor in table.items():
            day = eleven + timedelta(days=offset)
            if start <= day <= end:
                out[day] = factor
    return out


def round_preserving_total(values: np.ndarray) -> np.ndarray:
    """Integers that add up to round(sum) and never drift more than one from the values."""
    cumulative = np.round(np.cumsum(values.ravel())).astype(np.int64)
    counts = np.diff(np.concatenate(([0], cumulative)))
    return counts.reshape(values.shape)


def make_plan(users: int, days: int, seed: int, end: date) -> Plan:
    """Decide sign-up counts, D1 quotas, campaigns and spend for the whole range."""
    start = end - timedelta(days=days - 1)
    rng = np.random.default_rng([seed, 0])
    dates = [start + timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    expected = _expected_signups(rng, users, dates)
    counts = round_preserving_total(expected)
    campaign_rows = _campaigns(start, end)
    campaigns = pd.DataFrame(campaign_rows)
    cells = _cell_campaigns(campaign_rows, start, days)
    spend = _spend(rng, start, end, expected, campaigns, cells)
    spend = plant_break(spend, counts, start, end)
    budgets = spend.groupby("campaign_id")["amount"].sum()
    factor = rng.uniform(1.0, 1.3, len(campaigns))
    campaigns["budget"] = [
        float(math.ceil(budgets.get(cid, 0.0) * f / 1000) * 1000)
        for cid, f in zip(campaigns["id"], factor, strict=True)
    ]
    campaigns["status"] = np.where(campaigns["end_date"] < end, "completed", "active")
    campaigns = campaigns.drop(columns="double11")
    return Plan(
        start,
        end,
        seed,
        counts,
        _d1_quotas(counts, weekday),
        campaigns,
        spend,
        cells,
        _chunk_days(counts),
    )


def _expected_signups(rng: np.random.Generator, users: int, dates: list[date]) -> np.ndarray:
    """(days, channels) expected sign-ups: growing, busier at weekends and around
    Double 11, each channel's share drifting by its trend; `users` in all."""
    days = len(dates)
    t = np.arange(days)
    weekday = np.array([d.weekday() for d in dates])
    spike = spike_days(dates[0], dates[-1], SPIKE_SIGNUPS)
    volume = (1 + 0.6 * t / max(days - 1, 1)) * np.where(weekday >= 5, 1.12, 1.0)
    volume *= np.array([spike.get(d, 1.0) for d in dates])
    volume *= rng.lognormal(0, 0.06, days)
    progress = t / max(days - 1, 1)
    shares = np.stack([p.share * (1 + (p.trend - 1) * progress) for p in PROFILES], axis=1)
    shares /= shares.sum(axis=1, keepdims=True)
    expected = volume[:, None] * shares
    return expected * (users / expected.sum())


def _chunk_days(counts: np.ndarray) -> list[tuple[int, int]]:
    """Runs of whole sign-up days of about CHUNK_USERS users each."""
    per_day = counts.sum(axis=1)
    chunks: list[tuple[int, int]] = []
    first = running = 0
    for day in range(len(per_day)):
        running += int(per_day[day])
        if running >= CHUNK_USERS or day == len(per_day) - 1:
            chunks.append((first, day))
            first, running = day + 1, 0
    return chunks


def _campaigns(start: date, end: date) -> list[dict]:
    """Per paid channel: a quarterly always-on campaign, and a Double-11 one each year."""
    rows: list[dict] = []
    for profile in PROFILES:
        if profile.kind == "paid":
            rows += _always_on(profile, start, end)
            rows += _double11(profile, start, end)
    return rows


def _always_on(profile: Profile, start: date, end: date) -> list[dict]:
    rows = []
    year, quarter = start.year, (start.month - 1) // 3
    while date(year, quarter * 3 + 1, 1) <= end:
        first = date(year, quarter * 3 + 1, 1)
        last = (date(year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1)) - timedelta(1)
        rows.append(
            {
                "id": f"{profile.key}-{year}q{quarter + 1}",
                "channel": profile.key,
                "name": f"{profile.name} {year} Q{quarter + 1} always-on",
                "start_date": max(first, start),
                "end_date": last,
                "owner": profile.owners[(year + quarter) % len(profile.owners)],
                "double11": False,
            }
        )
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    return rows


def _double11(profile: Profile, start: date, end: date) -> list[dict]:
    rows = []
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


def _cell_campaigns(campaign_rows: list[dict], start: date, days: int) -> CellCampaigns:
    """Which campaigns run on each (day, channel), and their shares of its sign-ups."""
    cells: CellCampaigns = {}
    channel_index = {profile.key: c for c, profile in enumerate(PROFILES)}
    for index, row in enumerate(campaign_rows):
        c = channel_index[row["channel"]]
        first = (row["start_date"] - start).days
        last = min((row["end_date"] - start).days, days - 1)
        for day in range(first, last + 1):
            cells.setdefault((day, c), []).append((index, 1.0))
    for key, parts in cells.items():
        if len(parts) > 1:  # the Double-11 campaign takes 60%, the always-on one the rest
            cells[key] = [(i, 0.6 if campaign_rows[i]["double11"] else 0.4) for i, _ in parts]
    return cells


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
        (jump_from, _), _ = complete_weeks(end, 2)  # the last two complete weeks, and after
        if day >= jump_from:
            cpa *= ROI_CPA_JUMP
    return cpa


def _spend(
    rng: np.random.Generator,
    start: date,
    end: date,
    expected: np.ndarray,
    campaigns: pd.DataFrame,
    cell_campaigns: CellCampaigns,
) -> pd.DataFrame:
    spike = spike_days(start, end, SPIKE_SIGNUPS)
    rows = []
    for (day, c), parts in sorted(cell_campaigns.items()):
        profile = PROFILES[c]
        when = start + timedelta(days=day)
        cpa = _cpa(profile, when, end) * (SPIKE_CPA if when in spike else 1.0)
        for index, share in parts:
            amount = expected[day, c] * share * cpa * rng.lognormal(0, 0.08)
            clicks = int(amount / profile.cpc * rng.uniform(0.9, 1.1))
            impressions = int(clicks * rng.uniform(40, 90))
            rows.append(
                (
                    when,
                    profile.key,
                    campaigns.at[index, "id"],
                    round(amount, 2),
                    impressions,
                    clicks,
                )
            )
    return pd.DataFrame(
        rows, columns=["date", "channel", "campaign_id", "amount", "impressions", "clicks"]
    )
