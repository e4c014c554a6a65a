"""What is loaded: the first and last day of each growth-fact table, and which fact days the
metric rollups no longer reflect (imports mark them; the rollup refresh clears the mark)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from bot.core.clock import naive_utc
from bot.core.db import as_date
from bot.models import Activity, Lead, Order, RollupState, Spend, User

ROLLUPS = "metrics"


def mark_stale(session: Session, first: date | None, last: date | None, now: datetime) -> None:
    """Widen the stale range of the metric rollups to cover first..last (inside the caller's
    transaction). With no dates (e.g. a channels import) everything is stale."""
    state = session.scalar(select(RollupState).where(RollupState.name == ROLLUPS).with_for_update())
    if state is None:
        state = RollupState(name=ROLLUPS, stale=True, stale_from=first, stale_to=last)
        session.add(state)
    elif not state.stale:
        state.stale, state.stale_from, state.stale_to = True, first, last
    else:
        state.stale_from = _widen(state.stale_from, first, min)
        state.stale_to = _widen(state.stale_to, last, max)
    if first is None or last is None:
        state.stale_from = state.stale_to = None
    state.marked_at = naive_utc(now)


def _widen(current: date | None, new: date | None, pick) -> date | None:  # type: ignore[no-untyped-def]
    if current is None or new is None:
        return None
    return pick(current, new)


def stale_range(session: Session) -> tuple[bool, date | None, date | None]:
    """(stale?, first, last); first/last None while stale means "everything"."""
    state = session.get(RollupState, ROLLUPS)
    if state is None:
        return True, None, None
    return state.stale, state.stale_from, state.stale_to


def fact_day_ranges(analytics: Connection) -> dict[str, tuple[date | None, date | None]]:
    """The first and last day present in each growth-fact table ((None, None): not loaded)."""
    columns = {
        "spend": Spend.date,
        "users": User.signed_up_at,
        "orders": Order.ordered_at,
        "activity": Activity.date,
        "leads": Lead.created_at,
    }
    # One aggregate per statement: SQLite answers a lone min() or max() from the index.
    return {
        name: (
            as_date(analytics.execute(select(func.min(column))).scalar()),
            as_date(analytics.execute(select(func.max(column))).scalar()),
        )
        for name, column in columns.items()
    }


def data_range(analytics: Connection) -> tuple[date | None, date | None]:
    """The first and the last day of any loaded growth fact ((None, None): nothing loaded)."""
    ranges = fact_day_ranges(analytics).values()
    firsts = [first for first, _ in ranges if first is not None]
    lasts = [last for _, last in ranges if last is not None]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)
