"""A plain pandas reference for every metric, computed from the raw fact tables.

Written straight from the definitions in the registry (no rollups, no shared code with the
engine), so the cross-check compares two independent computations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine

from bot.settings import Settings


def _days(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.normalize()


@dataclass
class Reference:
    channels: pd.DataFrame
    campaigns: pd.DataFrame
    spend: pd.DataFrame
    users: pd.DataFrame
    orders: pd.DataFrame
    leads: pd.DataFrame
    activity: pd.DataFrame
    settings: Settings
    yesterday: date

    @classmethod
    def load(cls, engine: Engine, settings: Settings, yesterday: date) -> Reference:
        def read(sql: str) -> pd.DataFrame:
            with engine.connect() as connection:
                return pd.read_sql(sql, connection)

        channels = read("SELECT key, name, kind FROM channels")
        campaigns = read("SELECT id, channel, name FROM campaigns")
        kinds = dict(zip(channels["key"], channels["kind"], strict=True))
        spend = read("SELECT date, channel, campaign_id, amount FROM spend")
        spend["day"] = _days(spend["date"])
        spend["campaign"] = spend["campaign_id"].fillna("")
        users = read("SELECT id, signed_up_at, channel, campaign_id FROM users")
        users["sday"] = _days(users["signed_up_at"])
        users["campaign"] = users["campaign_id"].fillna("")
        orders = read("SELECT id, user_id, ordered_at, amount FROM orders")
        orders["day"] = _days(orders["ordered_at"])
        orders = orders.merge(
            users[["id", "channel", "campaign", "sday"]].rename(columns={"id": "user_id"}),
            on="user_id",
        )
        first = orders.groupby("user_id")["ordered_at"].min().rename("first_at").reset_index()
        first["fday"] = _days(first["first_at"])
        users = users.merge(
            first[["user_id", "fday"]].rename(columns={"user_id": "id"}), on="id", how="left"
        )
        orders = orders.merge(first[["user_id", "fday"]], on="user_id")
        leads = read("SELECT id, created_at, channel, campaign_id, user_id FROM leads")
        leads["day"] = _days(leads["created_at"])
        leads["campaign"] = leads["campaign_id"].fillna("")
        leads = leads.merge(
            first[["user_id", "fday"]], on="user_id", how="left"
        )  # NaT when the lead never ordered
        activity = read("SELECT user_id, date FROM activity")
        activity["day"] = _days(activity["date"])
        for frame in (spend, users, orders, leads):
            frame["kind"] = frame["channel"].map(kinds)
        return cls(channels, campaigns, spend, users, orders, leads, activity, settings, yesterday)

    # ------------------------------------------------------------------ helpers

    def _filter(self, frame: pd.DataFrame, filters: dict) -> pd.DataFrame:
        # Memoised: the generated queries repeat the same few filters many times.
        cache = self.__dict__.setdefault("_filtered", {})
        key = (id(frame), repr(sorted(filters.items())))
        if key not in cache:
            cache[key] = self._filter_now(frame, filters)
        return cache[key]

    @staticmethod
    def _filter_now(frame: pd.DataFrame, filters: dict) -> pd.DataFrame:
        mask = pd.Series(True, index=frame.index)
        if filters.get("channel"):
            mask &= frame["channel"].isin(filters["channel"])
        if filters.get("campaign"):
            mask &= frame["campaign"].isin(filters["campaign"])
        if filters.get("kind"):
            mask &= frame["kind"] == filters["kind"]
        return frame[mask]

    @staticmethod
    def _in(series: pd.Series, start: date, end: date) -> pd.Series:
        return (series >= pd.Timestamp(start)) & (series <= pd.Timestamp(end))

    def _spend(self, start: date, end: date, filters: dict) -> float:
        spend = self._filter(self.spend, filters)
        return float(spend.loc[self._in(spend["day"], start, end), "amount"].sum())

    def _cohort(self, start: date, end: date, filters: dict) -> pd.DataFrame:
        users = self._filter(self.users, filters)
        return users[users["fday"].notna() & self._in(users["fday"], start, end)]

    def _converted(self, leads: pd.DataFrame) -> int:
        age = (leads["fday"] - leads["day"]).dt.days
        window = self.settings.lead_window_days
        return int((leads["user_id"].notna() & (age >= 0) & (age <= window)).sum())

    # ------------------------------------------------------------------ measures

    def parts(
        self, metric: str, start: date, end: date, filters: dict, day_n: int | None
    ) -> tuple[float, float | None]:
        """(numerator, denominator) of a metric over [start, end]; denominator None for sums."""
        s = self.settings
        if metric == "spend":
            return self._spend(start, end, filters), None
        if metric == "revenue":
            orders = self._filter(self.orders, filters)
            return float(orders.loc[self._in(orders["day"], start, end), "amount"].sum()), None
        if metric == "new_customers":
            return float(len(self._cohort(start, end, filters))), None
        if metric in ("cac", "first_order_cost"):
            return self._spend(start, end, filters), float(len(self._cohort(start, end, filters)))
        if metric in ("ltv", "ltv_cac"):
            cohort = self._cohort(start, end, filters)
            orders = self.orders[self.orders["user_id"].isin(cohort["id"])]
            age = (orders["day"] - orders["fday"]).dt.days
            revenue = float(orders.loc[(age >= 0) & (age <= s.ltv_horizon_days), "amount"].sum())
            if metric == "ltv":
                return s.gross_margin * revenue, float(len(cohort))
            return s.gross_margin * revenue, self._spend(start, end, filters)
        if metric == "roi":
            users = self._filter(self.users, filters)
            signed = users[self._in(users["sday"], start, end)]
            orders = self.orders[self.orders["user_id"].isin(signed["id"])]
            age = (orders["day"] - orders["sday"]).dt.days
            revenue = float(orders.loc[(age >= 0) & (age <= s.roi_window_days), "amount"].sum())
            return revenue, self._spend(start, end, filters)
        if metric == "retention":
            n = day_n or 1
            last = min(end, self.yesterday - timedelta(days=n))
            users = self._filter(self.users, filters)
            eligible = users[self._in(users["sday"], start, last)] if last >= start else users[:0]
            target = eligible[["id", "sday"]].assign(day=eligible["sday"] + pd.Timedelta(days=n))
            hits = target.merge(
                self.activity[["user_id", "day"]].rename(columns={"user_id": "id"}),
                on=["id", "day"],
            )
            return float(hits["id"].nunique()), float(len(eligible))
        if metric in ("lead_conversion", "cost_per_converted_lead"):
            leads = self._filter(self.leads, filters)
            leads = leads[self._in(leads["day"], start, end)]
            converted = float(self._converted(leads))
            if metric == "lead_conversion":
                return converted, float(len(leads))
            return self._spend(start, end, filters), converted
        if metric == "repeat_rate":
            orders = self._filter(self.orders, filters)
            counts = orders[self._in(orders["day"], start, end)].groupby("user_id").size()
            return float((counts >= 2).sum()), float(len(counts))
        raise KeyError(metric)

    def value(
        self, metric: str, start: date, end: date, filters: dict, day_n: int | None
    ) -> float | None:
        return self.ratio(*self.parts(metric, start, end, filters, day_n))

    @staticmethod
    def ratio(num: float, den: float | None) -> float | None:
        """The metric from its parts: a sum, or a ratio that is None when nothing divides."""
        if den is None:
            return num
        return None if den == 0 else num / den

    def maturity(self, start: date, end: date, filters: dict) -> float | None:
        cohort = self._cohort(start, end, filters)
        if cohort.empty:
            return None
        cutoff = pd.Timestamp(self.yesterday - timedelta(days=self.settings.ltv_horizon_days))
        return float((cohort["fday"] <= cutoff).sum()) / len(cohort)

    def breakdown_keys(self, by: str) -> list[tuple[str, dict]]:
        """(key as the engine shows it, the filter that selects that row)."""
        if by == "channel":
            return [(key, {"channel": [key]}) for key in self.channels["key"]]
        if by == "kind":
            return [(kind, {"kind": kind}) for kind in ("paid", "organic")]
        ids = list(self.campaigns["id"]) + [""]
        return [(key or "none", {"campaign": [key]}) for key in ids]
