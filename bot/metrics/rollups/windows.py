"""Repeat-rate customer counts per window of days (rollup_repeat_windows), extended from the
windows ending the day before, block by block of end days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, delete, literal, select

from bot.core.bulk import insert_frame
from bot.metrics.rollups import selects
from bot.metrics.rollups.selects import RC, RW
from bot.metrics.sql import days_between

# End days per pass of the window build, which bounds its memory on long histories.
_WINDOW_BLOCK_DAYS = 120

Combo = tuple[str, str]
_ROW_NAMES = ["channel", "campaign", "day", "prev", "prev2", "orders", "prev_orders"]


@dataclass(frozen=True)
class _Block:
    """The windows ending on day numbers start..end (days counted from the first data day),
    each at most `width` days long."""

    first: date
    start: int
    end: int
    width: int

    @property
    def origin(self) -> int:
        """The earliest start day of a window ending in this block."""
        return self.start - self.width + 1

    @property
    def ends(self) -> int:
        return self.end - self.start + 1

    @property
    def starts(self) -> int:
        return self.end - self.origin + 1


def repeat_windows(
    state: Connection, lo: date | None, first: date | None, last: date | None
) -> None:
    """Replace the rollup_repeat_windows rows of the windows ending on day lo or later (all
    when lo is None), for the data days first..last, from the refreshed rollup_customer_days.

    A customer-day row (day d, previous order days p and p2, with no previous day counting as
    before everything) counts a customer with 1+ orders in every window [s, e] with
    p < s <= d <= e, and with 2+ orders when it also has 2+ orders, or in the windows with
    p2 < s <= p < d <= e when p had a single order and d is the second order day. So a window's
    counts are its counts ending the day before plus the rows of its end day: windows ending
    from lo on are built from the windows ending on lo - 1 and the rows from lo on only."""
    state.execute(delete(RW) if lo is None else delete(RW).where(RW.c.end_day >= lo))
    if first is None or last is None:
        return
    width = selects.REPEAT_WINDOW_DAYS
    block_start = 0 if lo is None else (lo - first).days
    final = (last - first).days
    base = _window_base(state, first, block_start, width) if block_start > 0 else {}
    while block_start <= final:
        block_end = min(block_start + _WINDOW_BLOCK_DAYS - 1, final)
        block = _Block(first, block_start, block_end, width)
        base = _write_counts(state, block, _steps(state, block), base)
        block_start = block_end + 1


def _window_base(
    state: Connection, first: date, block_start: int, width: int
) -> dict[Combo, np.ndarray]:
    """The counts of the windows ending the day before block_start (as day numbers from
    first), per channel and campaign: [measure, start - (block_start - width + 1)]."""
    origin = block_start - width + 1
    start = days_between(RW.c.start_day, literal(first, Date), state.dialect.name)
    rows = state.execute(
        select(
            RW.c.channel,
            RW.c.campaign_id,
            start,
            RW.c.ordering_customers,
            RW.c.repeat_customers,
        ).where(RW.c.end_day == first + timedelta(days=block_start - 1))
    )
    base: dict[Combo, np.ndarray] = {}
    for channel, campaign, day, ordering, repeat in rows:
        # The window of `width` days ending on block_start - 1 cannot be extended.
        if day - origin >= 0:
            counts = base.setdefault((channel, campaign), np.zeros((2, width - 1), np.int64))
            counts[:, day - origin] = (ordering, repeat)
    return base


def _steps(state: Connection, block: _Block) -> dict[Combo, np.ndarray]:
    """Per channel and campaign, [measure, end day, start day] steps of the block's
    customer-day rows: +1 where a row starts counting, -1 past where it stops; summing over
    start days, then end days, gives the counts."""
    dialect = state.dialect.name
    zero = literal(block.first, Date)
    query = select(
        RC.c.channel,
        RC.c.campaign_id,
        days_between(RC.c.day, zero, dialect),
        days_between(RC.c.prev_day, zero, dialect),
        days_between(RC.c.prev2_day, zero, dialect),
        RC.c.orders,
        RC.c.prev_orders,
    ).where(
        RC.c.day >= block.first + timedelta(days=block.start),
        RC.c.day <= block.first + timedelta(days=block.end),
    )
    steps: dict[Combo, np.ndarray] = {}
    result = state.execute(query)
    while chunk := result.fetchmany(200_000):
        # Column by column: pandas probes every Row object for attributes otherwise.
        frame = pd.DataFrame(dict(zip(_ROW_NAMES, zip(*chunk, strict=True), strict=True)))
        _add_steps(steps, frame, block)
    return steps


def _add_steps(steps: dict[Combo, np.ndarray], frame: pd.DataFrame, block: _Block) -> None:
    day = frame["day"].to_numpy(np.int64)
    prev = frame["prev"].fillna(-1).to_numpy(np.int64)
    prev2 = frame["prev2"].fillna(-1).to_numpy(np.int64)
    # Windows ending on day or later that are at most `width` long start from here.
    floor = np.maximum(day - block.width + 1, 0)
    single = (frame["prev_orders"].fillna(0).to_numpy(np.int64) == 1) & (prev >= 0)
    multi = frame["orders"].to_numpy(np.int64) >= 2
    spans = (
        (0, np.ones(len(frame), bool), np.maximum(prev + 1, floor), day),
        (1, multi, np.maximum(prev + 1, floor), day),
        (1, single, np.maximum(prev2 + 1, floor), prev),
    )
    for combo, index in frame.groupby(["channel", "campaign"]).indices.items():
        step = steps.get(combo)
        if step is None:
            step = steps[combo] = np.zeros((2, block.ends, block.starts + 1), np.int64)
        end = day[index] - block.start
        for measure, chosen, low, high in spans:
            keep = chosen[index] & (low[index] <= high[index])
            rows = end[keep]
            np.add.at(step[measure], (rows, low[index][keep] - block.origin), 1)
            np.add.at(step[measure], (rows, high[index][keep] + 1 - block.origin), -1)


def _write_counts(
    state: Connection,
    block: _Block,
    steps: dict[Combo, np.ndarray],
    base: dict[Combo, np.ndarray],
) -> dict[Combo, np.ndarray]:
    """Write the block's windows from its steps and the base; returns the base of the next
    block (the windows ending on the block's last day)."""
    width, ends, starts, origin = block.width, block.ends, block.starts, block.origin
    end_index = np.repeat(np.arange(ends), width)
    start_index = end_index + np.tile(np.arange(width), ends)
    # No window starts before the first data day: the engine asks for such periods from the
    # first day on, which counts the same customers since no order precedes it.
    valid = start_index + origin >= 0
    end_index, start_index = end_index[valid], start_index[valid]
    frames, following = [], {}
    for combo in sorted(set(steps) | set(base)):
        step = steps.get(combo)
        if step is None:
            counts = np.zeros((2, ends, starts), np.int64)
        else:
            counts = np.cumsum(np.cumsum(step, axis=2)[:, :, :starts], axis=1)
        if combo in base:
            counts[:, :, : width - 1] += base[combo][:, None, :]
        following[combo] = counts[:, -1, ends:]
        ordering = counts[0, end_index, start_index]
        kept = ordering > 0
        if not kept.any():
            continue
        frames.append(
            pd.DataFrame(
                {
                    "end_day": np.datetime64(block.first) + (end_index[kept] + block.start),
                    "start_day": np.datetime64(block.first) + (start_index[kept] + origin),
                    "channel": combo[0],
                    "campaign_id": combo[1],
                    "ordering_customers": ordering[kept],
                    "repeat_customers": counts[1, end_index, start_index][kept],
                }
            )
        )
    if frames:
        insert_frame(state, RW, pd.concat(frames, ignore_index=True))
    return following
