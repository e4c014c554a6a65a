"""Rollups: the growth facts aggregated per day, channel and campaign, in the state store.

Every answer reads these tables only. Each rollup row is keyed by the fact day it comes from
(an order day, an active day, a lead day ...), so a refresh deletes and re-inserts, with
set-based aggregate SQL, only the rows of the days that changed (from the stale mark) in one
transaction, then clears the mark. The cohort measures of rollup_daily (LTV revenue anchored
on the first-order day, ROI revenue on the sign-up day, converted leads on the lead day) are
then summed from their parts over the window before those days: a new day of orders adds to
cohorts up to LTV_HORIZON_DAYS back without re-reading their orders. Repeat-rate customer
counts per window of days are likewise extended from the windows ending the day before, from
steps aggregated where the facts are. When the facts live in another database
(ANALYTICS_DATABASE_URL: SQLite, PostgreSQL, DuckDB or Parquet files, ClickHouse, a MySQL-
protocol engine) every aggregate is computed there in its own SQL dialect (selects,
bot.metrics.sql) and only the rollup rows come back, as Arrow batches (transfer).

Changing an existing user's sign-up day or channel, or deleting facts, needs a full rebuild
(`warroom rollups --full`; a channels import or a demo-data --replace marks everything stale).
"""

from __future__ import annotations

from bot.metrics.rollups.refresh import RefreshReport, freshness, notice_new_fact_days, refresh
from bot.metrics.rollups.selects import RC, RD, REPEAT_WINDOW_DAYS, RR, RW

__all__ = [
    "RC",
    "RD",
    "REPEAT_WINDOW_DAYS",
    "RR",
    "RW",
    "RefreshReport",
    "freshness",
    "notice_new_fact_days",
    "refresh",
]
