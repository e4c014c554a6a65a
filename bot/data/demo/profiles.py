"""The six demo channels, their economics, and the situations planted in the data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


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
    Profile("baidu", "百度", "paid", 0.3, 0.12, 0.85, 240, 3.8, 0.50, 40, 150, 0.60,
            0.050, 150, 0.36, 0.38, 0.45, 0.50, ("Xu Gang", "Ma Li")),
    Profile("organic", "自然流量", "organic", None, 0.20, 1.05, 0, 0, 0.52, 48, 180, 0.55,
            0.068, 180, 0.40, 0.33, 0.10, 0.15),
)  # fmt: skip

PLANTED = {"ltv_cac": "baidu", "d1": "xiaohongshu", "roi": "wechat", "landing": "tiktok"}
# Mean hours from a lead to operations' first contact, per channel; some leads never get one.
LEAD_RESPONSE_HOURS = {
    "tiktok": 5.0,
    "douyin": 4.0,
    "xiaohongshu": 7.0,
    "wechat": 2.5,
    "baidu": 9.0,
    "organic": 6.0,
}
NEVER_CONTACTED = 0.08
# Sign-ups around 11 November, as multiples of a normal day; spend follows, a little dearer.
SPIKE_SIGNUPS = {-2: 1.8, -1: 3.0, 0: 5.0, 1: 2.2}
SPIKE_CPA = 1.25
# Extra orders from existing customers on those days, in days' worth of normal repeat buying.
SPIKE_ORDERS = {-1: 2.0, 0: 5.0, 1: 2.5}
# wechat's cost per sign-up over the last two complete weeks (a bidding war on Moments ads).
ROI_CPA_JUMP = 6.5
# xiaohongshu's D1 over its last sign-up days, as multiples of its normal D1.
D1_SLIDE = (0.85, 0.7, 0.55, 0.4, 0.25)
# Sign-ups by hour of the day (evening heavy, like most consumer apps).
HOURS = np.array(
    [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 5, 6, 7, 8, 9, 9, 7, 4], dtype=float
)
CHANNEL_KEYS = np.array([p.key for p in PROFILES], dtype=object)


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


def profile_array(name: str) -> np.ndarray:
    """The profiles' `name` values, one per channel in PROFILES order."""
    return np.array([getattr(p, name) for p in PROFILES], dtype=float)
