"""A plain pandas reference for every metric, computed from the raw fact tables.

Written straight from the definitions in the registry (no rollups, no shared code with the
engine), so the cross-check compares two independent computations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from bot.core.settings import Settings

EPOCH = date(1970, 1, 1)
NO_DAY = -(10**9)  # a first order that never happened: outside every window
NUMERIC_COLUMNS = {"id", "user_id", "day", "sday", "fday", "amount", "has_user", "minutes", "cday"}


def _days(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.normalize()


def _day(day: date) -> int:
    return (day - EPOCH).days


def _numbers(series: pd.Series) -> np.ndarray:
    """Day columns as whole days since 1970 (NO_DAY when missing); others as they are."""
    if pd.api.types.is_datetime64_any_dtype(series):
        days = series.to_numpy(dtype="datetime64[D]").astype("int64")
        return np.where(series.isna().to_numpy(), NO_DAY, days)
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.to_numpy()
    # Plain Python strings: iterating pandas' string arrays is slow.
    return series.to_numpy(dtype=object)


def _within(days: np.ndarray, start: int, end: int) -> np.ndarray:
    return (days >= start) & (days <= end)


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
        leads = read(
            "SELECT id, created_at, channel, campaign_id, user_id, first_contact_at FROM leads"
        )
        leads["day"] = _days(leads["created_at"])
        # Whole minutes from the lead to its first contact (-1: none, or before the lead).
        waited = pd.to_datetime(leads["first_contact_at"]) - pd.to_datetime(leads["created_at"])
        minutes = (waited.dt.total_seconds() // 60).fillna(-1)
        leads["minutes"] = minutes.where(minutes >= 0, -1).astype("int64")
        leads["cday"] = _days(leads["first_contact_at"])
        leads["campaign"] = leads["campaign_id"].fillna("")
        leads = leads.merge(
            first[["user_id", "fday"]], on="user_id", how="left"
        )  # NaT when the lead never ordered
        leads["has_user"] = leads["user_id"].notna()
        activity = read("SELECT user_id, date FROM activity")
        activity["day"] = _days(activity["date"])
        for frame in (spend, users, orders, leads):
            frame["kind"] = frame["channel"].map(kinds)
        return cls(channels, campaigns, spend, users, orders, leads, activity, settings, yesterday)

    # ------------------------------------------------------------------ helpers
    # Days are whole numbers (days since 1970-01-01) in numpy arrays, so the thousands of
    # small questions the cross-check asks stay fast; missing first orders are NO_DAY.

    def _arrays(self, name: str, filters: dict) -> dict[str, np.ndarray]:
        cache = self.__dict__.setdefault("_arrays_cache", {})
        key = (name, repr(sorted(filters.items())))
        if key not in cache:
            frame = getattr(self, name)
            full = self.__dict__.setdefault("_full_arrays", {})
            if name not in full:
                full[name] = {
                    column: _numbers(frame[column])
                    for column in frame.columns
                    if column in NUMERIC_COLUMNS
                }
            mask = np.ones(len(frame), dtype=bool)
            if filters.get("channel"):
                mask &= frame["channel"].isin(filters["channel"]).to_numpy()
            if filters.get("campaign"):
                mask &= frame["campaign"].isin(filters["campaign"]).to_numpy()
            if filters.get("kind"):
                mask &= (frame["kind"] == filters["kind"]).to_numpy()
            cache[key] = {column: values[mask] for column, values in full[name].items()}
        return cache[key]

    def _spend(self, start: int, end: int, filters: dict) -> float:
        spend = self._arrays("spend", filters)
        return float(spend["amount"][_within(spend["day"], start, end)].sum())

    def _cohort(self, start: int, end: int, filters: dict) -> np.ndarray:
        users = self._arrays("users", filters)
        return users["fday"][_within(users["fday"], start, end)]

    # ------------------------------------------------------------------ measures

    def parts(
        self,
        metric: str,
        first: date,
        last: date,
        filters: dict,
        day_n: int | None,
        as_of: date | None = None,
    ) -> tuple[float, float | None]:
        """(numerator, denominator) of a metric over [first, last]; denominator None for sums.

        With `as_of` (the previous period of a comparison at the same age), only the facts
        dated up to that day count: spend, orders, first orders, sign-ups, leads and activity
        after it are left out, and so are sign-up days whose day N comes after it."""
        s = self.settings
        known = _day(as_of) if as_of is not None else None
        start, end = _day(first), _day(last)
        if known is not None:
            end = min(end, known)
        # The last day a fact may be dated: everything loaded, or as_of.
        facts = known if known is not None else _day(date.max)
        if metric == "spend":
            return self._spend(start, end, filters), None
        orders = self._arrays("orders", filters)
        dated = orders["day"] <= facts
        if metric == "revenue":
            return float(orders["amount"][_within(orders["day"], start, end)].sum()), None
        if metric == "new_customers":
            return float(len(self._cohort(start, end, filters))), None
        if metric in ("cac", "first_order_cost"):
            return self._spend(start, end, filters), float(len(self._cohort(start, end, filters)))
        if metric in ("ltv", "ltv_cac"):
            # orders of customers whose first order is in the period, 0..H days after it
            age = orders["day"] - orders["fday"]
            keep = _within(orders["fday"], start, end) & (age >= 0) & (age <= s.ltv_horizon_days)
            keep &= dated
            revenue = float(orders["amount"][keep].sum())
            if metric == "ltv":
                return s.gross_margin * revenue, float(len(self._cohort(start, end, filters)))
            return s.gross_margin * revenue, self._spend(start, end, filters)
        if metric == "roi":
            age = orders["day"] - orders["sday"]
            keep = _within(orders["sday"], start, end) & (age >= 0) & (age <= s.roi_window_days)
            keep &= dated
            return float(orders["amount"][keep].sum()), self._spend(start, end, filters)
        if metric == "retention":
            n = day_n or 1
            cutoff = min(end, min(_day(self.yesterday), facts) - n)
            users = self._arrays("users", filters)
            eligible = _within(users["sday"], start, cutoff)
            active = self.__dict__.setdefault(
                "_active",
                set(
                    zip(
                        _numbers(self.activity["user_id"]),
                        _numbers(self.activity["day"]).tolist(),
                        strict=True,
                    )
                ),
            )
            retained = sum(
                (user, day + n) in active
                for user, day in zip(
                    users["id"][eligible], users["sday"][eligible].tolist(), strict=True
                )
            )
            return float(retained), float(eligible.sum())
        if metric == "cost_per_lead":
            leads = self._arrays("leads", filters)
            return self._spend(start, end, filters), float(_within(leads["day"], start, end).sum())
        if metric in ("lead_conversion", "cost_per_converted_lead"):
            leads = self._arrays("leads", filters)
            created = _within(leads["day"], start, end)
            age = leads["fday"] - leads["day"]
            window = s.lead_window_days
            converted = created & leads["has_user"] & (age >= 0) & (age <= window)
            converted = float((converted & (leads["fday"] <= facts)).sum())
            if metric == "lead_conversion":
                return converted, float(created.sum())
            return self._spend(start, end, filters), converted
        if metric == "lead_response_hours":
            # The median of the whole minutes, over the leads created in the period with a
            # first contact (made by the last day facts count), in hours.
            leads = self._arrays("leads", filters)
            waited = leads["minutes"][
                _within(leads["day"], start, end)
                & (leads["minutes"] >= 0)
                & (leads["cday"] <= facts)
            ]
            return (float(np.median(waited)) / 60 if len(waited) else None), None  # type: ignore[return-value]
        if metric == "repeat_rate":
            _, counts = np.unique(
                orders["user_id"][_within(orders["day"], start, end)], return_counts=True
            )
            return float((counts >= 2).sum()), float(len(counts))
        raise KeyError(metric)

    def value(
        self,
        metric: str,
        start: date,
        end: date,
        filters: dict,
        day_n: int | None,
        as_of: date | None = None,
    ) -> float | None:
        return self.ratio(*self.parts(metric, start, end, filters, day_n, as_of))

    @staticmethod
    def ratio(num: float, den: float | None) -> float | None:
        """The metric from its parts: a sum, or a ratio that is None when nothing divides."""
        if den is None:
            return num
        return None if den == 0 else num / den

    def maturity(self, first: date, last: date, filters: dict) -> float | None:
        cohort = self._cohort(_day(first), _day(last), filters)
        if len(cohort) == 0:
            return None
        cutoff = _day(self.yesterday) - self.settings.ltv_horizon_days
        return float((cohort <= cutoff).sum()) / len(cohort)

    def breakdown_keys(self, by: str) -> list[tuple[str, dict]]:
        """(key as the engine shows it, the filter that selects that row)."""
        if by == "channel":
            return [(key, {"channel": [key]}) for key in self.channels["key"]]
        if by == "kind":
            return [(kind, {"kind": kind}) for kind in ("paid", "organic")]
        ids = list(self.campaigns["id"]) + [""]
        return [(key or "none", {"campaign": [key]}) for key in ids]
