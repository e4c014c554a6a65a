"""The demo rows, generated chunk by chunk of whole sign-up days from numpy Generators
seeded with (seed, chunk number), so one seed gives the same data on every machine, memory
stays bounded whatever the size, and each day's D1 quota stays exact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.data.demo.plan import make_plan, round_preserving_total, spike_days
from bot.data.demo.profiles import (
    CHANNEL_KEYS,
    HOURS,
    LEAD_RESPONSE_HOURS,
    NEVER_CONTACTED,
    PROFILES,
    SPIKE_ORDERS,
    channels_frame,
    profile_array,
)
from bot.data.demo.touchpoints import touchpoints_frame

DAY_SECONDS = 86_400


def _timestamps(seconds: np.ndarray) -> pd.Series:
    return pd.Series(seconds.astype("datetime64[s]"))


class Generator:
    """Yields the demo data chunk by chunk; the same arguments give the same rows."""

    def __init__(self, users: int, days: int, seed: int, end: date) -> None:
        self.plan = make_plan(users, days, seed, end)
        self.width = max(7, len(str(users)))
        self._order_seq = 0
        self._lead_seq = 0

    def fixed_tables(self) -> dict[str, pd.DataFrame]:
        """channels, campaigns, spend and touchpoints (small: rows per day and campaign, or
        per day, channel and touchpoint)."""
        plan = self.plan
        return {
            "channels": channels_frame(),
            "campaigns": plan.campaigns,
            "spend": plan.spend,
            "touchpoints": touchpoints_frame(
                plan.counts, plan.spend, plan.start, plan.end, plan.seed
            ),
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
        start_s = int(np.datetime64(plan.start, "s").astype(np.int64))
        end_s = start_s + plan.days * DAY_SECONDS  # exclusive
        t_u, c_u, camp_u = self._signups(first, last)
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
            {
                "id": ids,
                "signed_up_at": _timestamps(signup),
                "channel": CHANNEL_KEYS[c_u],
                "campaign_id": camp_id,
            }
        )
        activity = self._activity(rng, t_u, c_u, ids)
        orders = self._orders(rng, signup, c_u, ids, end_s)
        leads = self._leads(rng, signup, t_u, c_u, camp_id, ids, start_s)
        return {"users": users, "leads": leads, "orders": orders, "activity": activity}

    def _signups(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per user of days first..last, ordered by day, channel and campaign: the sign-up
        day, the channel and the campaign index (-1 for none)."""
        plan = self.plan
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
                    split = round_preserving_total(np.array([s for _, s in parts]) * n)
                    camp = np.repeat([i for i, _ in parts], split)
                t_parts.append(np.full(n, day))
                c_parts.append(np.full(n, c))
                camp_parts.append(camp)
        return np.concatenate(t_parts), np.concatenate(c_parts), np.concatenate(camp_parts)

    def _activity(
        self, rng: np.random.Generator, t_u: np.ndarray, c_u: np.ndarray, ids: np.ndarray
    ) -> pd.DataFrame:
        days = self.plan.days
        index = np.arange(len(t_u))
        who = [index]  # the sign-up day itself
        offset = [np.zeros(len(t_u), dtype=np.int64)]
        d1 = self._d1_users(rng, t_u, c_u)
        who.append(index[d1])
        offset.append(np.ones(int(d1.sum()), dtype=np.int64))
        d1_rate = profile_array("d1")
        decay = profile_array("decay")
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
        day = np.datetime64(self.plan.start, "D") + (t_u[user] + day_offset)
        return pd.DataFrame({"user_id": ids[user], "date": pd.Series(day.astype("datetime64[s]"))})

    def _d1_users(self, rng: np.random.Generator, t_u: np.ndarray, c_u: np.ndarray) -> np.ndarray:
        """Who is active the day after signing up: exactly the planned number of users of
        each (day, channel) group, picked at random."""
        group = t_u * len(PROFILES) + c_u
        order = np.lexsort((rng.random(len(t_u)), group))
        sorted_group = group[order]
        group_start = np.searchsorted(sorted_group, sorted_group, side="left")
        rank = np.empty(len(t_u), dtype=np.int64)
        rank[order] = np.arange(len(t_u)) - group_start
        return (rank < self.plan.d1_quota[t_u, c_u]) & (t_u + 1 < self.plan.days)

    def _orders(
        self,
        rng: np.random.Generator,
        signup: np.ndarray,
        c_u: np.ndarray,
        ids: np.ndarray,
        end_s: int,
    ) -> pd.DataFrame:
        n = len(signup)
        buyer = rng.random(n) < profile_array("conversion")[c_u]
        first = signup + (
            rng.exponential(1.0, n) * profile_array("first_order_hours")[c_u] * 3600
        ).astype(np.int64)
        life = rng.exponential(1.0, n) * profile_array("lifetime_days")[c_u] * DAY_SECONDS
        buyer &= first < end_s
        customers = np.flatnonzero(buyer)
        window = np.minimum(life[customers], end_s - first[customers])
        rate = profile_array("repeat_per_day")[c_u[customers]]
        repeats = rng.poisson(rate * window / DAY_SECONDS)
        owner = np.repeat(customers, repeats)
        when = first[owner] + (rng.random(len(owner)) * np.repeat(window, repeats)).astype(np.int64)
        owners, times = [customers, owner], [first[customers], when]
        spike_owners, spike_times = self._spike_orders(rng, customers, first, life, c_u, end_s)
        owner = np.concatenate(owners + spike_owners)
        when = np.concatenate(times + spike_times)
        order = np.lexsort((when, owner))
        owner, when = owner[order], when[order]
        aov = profile_array("aov")[c_u[owner]]
        sigma = profile_array("aov_sigma")[c_u[owner]]
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

    def _spike_orders(
        self,
        rng: np.random.Generator,
        customers: np.ndarray,
        first: np.ndarray,
        life: np.ndarray,
        c_u: np.ndarray,
        end_s: int,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Extra orders around Double 11 from customers buying on those days: (owners, times)
        per spike day."""
        owners, times = [], []
        for day, boost in spike_days(self.plan.start, self.plan.end, SPIKE_ORDERS).items():
            day_s = int(np.datetime64(day, "s").astype(np.int64))
            buying = (first[customers] < day_s) & (first[customers] + life[customers] > day_s)
            alive = customers[buying]
            extra = rng.poisson(boost * profile_array("repeat_per_day")[c_u[alive]])
            extra_owner = np.repeat(alive, extra)
            at = day_s + rng.integers(0, DAY_SECONDS, len(extra_owner))
            keep = at < end_s
            owners.append(extra_owner[keep])
            times.append(at[keep])
        return owners, times

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
        came_as_lead = np.flatnonzero(rng.random(n) < profile_array("lead_share")[c_u])
        lead_at = signup[came_as_lead] - rng.exponential(36 * 3600, len(came_as_lead)).astype(
            np.int64
        )
        lead_at = np.maximum(lead_at, start_s)
        lost = np.flatnonzero(rng.random(n) < profile_array("lost_leads")[c_u])
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
                "channel": CHANNEL_KEYS[c_u[source]],
                "campaign_id": camp_id[source],
                "user_id": user,
                "first_contact_at": self._first_contacts(rng, at, c_u[source]),
            }
        )

    def _first_contacts(
        self, rng: np.random.Generator, lead_at: np.ndarray, channel: np.ndarray
    ) -> pd.Series:
        """When operations first contacted each lead (whole seconds after it): a channel's
        mean delay, exponentially spread; NaT for the few never contacted, or not yet by
        the end of the data."""
        mean = np.array([LEAD_RESPONSE_HOURS[p.key] for p in PROFILES])[channel]
        delay = (rng.exponential(1.0, len(lead_at)) * mean * 3600).astype(np.int64)
        contacted = lead_at + delay
        end_s = int(np.datetime64(self.plan.end + timedelta(days=1), "s").astype(np.int64))
        missing = (rng.random(len(lead_at)) < NEVER_CONTACTED) | (contacted >= end_s)
        return _timestamps(contacted).where(~pd.Series(missing), pd.NaT)
