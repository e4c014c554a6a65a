"""The demo's touchpoints table (what a team's analytics tool would export: video views,
landing-page views, add-to-carts ... per day and channel) and the journey break planted in
it: TikTok's landing page stops converting in the last 7 days.

Counts follow each day's sign-ups per channel (and, for landing-page views, its ad clicks),
so conversions between touchpoints are steady apart from noise and the planted break. The
keys are those of the journey file shipped with the bot.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.data.demo.profiles import PLANTED, PROFILES

# Per touchpoint, how many happen per sign-up of the day on the channel.
PER_SIGNUP: dict[str, float] = {
    "video_views": 420.0,
    "engagements": 60.0,
    "profile_visits": 24.0,
    "follows": 7.0,
    "content_saves": 5.5,
    "brand_searches": 4.2,
    "live_viewers": 3.4,
    "article_reads": 2.6,
    "community_joins": 1.9,
    "coupon_claims": 1.4,
    "lead_form_views": 1.1,
    "onboarding_done": 0.8,
    "product_views": 1.3,
    "add_to_carts": 0.85,
    "checkouts": 0.7,
    "deliveries": 0.5,
    "reviews": 0.16,
    "member_joins": 0.12,
    "referrals": 0.05,
    "win_backs": 0.08,
}
LANDING = "landing_page_views"
# Ad clicks that reach the landing page; channels without ads get this many visits per sign-up.
LANDING_RATE = 0.88
ORGANIC_LANDINGS = 15.0
NOISE = 0.06
# The planted break: over the last BREAK_DAYS days TikTok's landing page converts this share
# of its visitors, and only this share of the clicks load it (at the default size about
# 50,000 clicks in the week, 0.3% of landing-page visitors signing up).
BREAK_DAYS = 7
BREAK_CONVERSION = 0.003
BREAK_LANDING_RATE = 0.6


def break_days(end: date) -> tuple[date, date]:
    """The first and last day of the planted landing-page break."""
    return end - timedelta(days=BREAK_DAYS - 1), end


def plant_break(spend: pd.DataFrame, counts: np.ndarray, start: date, end: date) -> pd.DataFrame:
    """TikTok's clicks over the break's days: as many as a 0.3%-converting landing page
    needs to bring the day's sign-ups (the spend itself unchanged)."""
    channel = next(c for c, p in enumerate(PROFILES) if p.key == PLANTED["landing"])
    first, _ = break_days(end)
    spend = spend.copy()
    days = pd.to_datetime(spend["date"]).dt.date
    for day in range(max((first - start).days, 0), (end - start).days + 1):
        when = start + timedelta(days=day)
        rows = (days == when) & (spend["channel"] == PROFILES[channel].key)
        if not rows.any():
            continue
        wanted = counts[day, channel] / BREAK_CONVERSION / BREAK_LANDING_RATE
        share = spend.loc[rows, "clicks"] / max(int(spend.loc[rows, "clicks"].sum()), 1)
        spend.loc[rows, "clicks"] = np.round(share * wanted).astype(np.int64)
    return spend


def touchpoints_frame(
    counts: np.ndarray, spend: pd.DataFrame, start: date, end: date, seed: int
) -> pd.DataFrame:
    """The touchpoints rows (date, channel, touchpoint, count) of every day and channel with
    sign-ups, from the sign-up counts (days x channels) and the spend's clicks."""
    rng = np.random.default_rng([seed, 9])
    days, channels = counts.shape
    clicks = spend.groupby(["date", "channel"])["clicks"].sum()
    first_break, _ = break_days(end)
    dates, keys, names, values = [], [], [], []
    for day in range(days):
        when = start + timedelta(days=day)
        for c, profile in enumerate(PROFILES):
            signups = float(counts[day, c])
            if signups <= 0:
                continue
            for name, per in PER_SIGNUP.items():
                dates.append(when)
                keys.append(profile.key)
                names.append(name)
                values.append(signups * per)
            landed = float(clicks.get((when, profile.key), 0.0))
            if profile.kind == "organic" or landed <= 0:
                landings = signups * ORGANIC_LANDINGS
            elif profile.key == PLANTED["landing"] and when >= first_break:
                landings = landed * BREAK_LANDING_RATE
            else:
                landings = landed * LANDING_RATE
            dates.append(when)
            keys.append(profile.key)
            names.append(LANDING)
            values.append(landings)
    noise = rng.lognormal(0, NOISE, len(values))
    planted = np.array(
        [k == PLANTED["landing"] and n == LANDING and d >= first_break
         for d, k, n in zip(dates, keys, names, strict=True)]
    )  # fmt: skip
    noise = np.where(planted, 1.0, noise)  # the break is exact
    return pd.DataFrame(
        {
            "date": dates,
            "channel": keys,
            "touchpoint": names,
            "count": np.round(np.array(values) * noise).astype(np.int64),
        }
    )
