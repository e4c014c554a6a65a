"""Repeat-rate customer counts per window of days (rollup_repeat_windows), extended from the
windows ending the day before, block by block of end days, from the steps the facts' database
aggregated (a few per channel, campaign, end day and start day, whatever the customers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Date, delete, literal, select

from bot.core.bulk import insert_arrow
from bot.metrics.rollups import selects
from bot.metrics.rollups.selects import RW
from bot.metrics.sql import days_between

# End days per pass of the window build, which bounds its memory on long histories.
_WINDOW_BLOCK_DAYS = 120

Combo = tuple[str, str]


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
    state: Connection,
    lo: date | None,
    first: date | None,
    last: date | None,
    steps: pa.Table,
) -> None:
    """Replace the rollup_repeat_windows rows of the windows ending on day lo or later (all
    when lo is None), for the data days first..last, from the steps of the customer-day rows
    from lo on (selects.repeat_steps_select: channel, campaign_id, measure, end_day,
    start_day, step, days as numbers from `first`).

    Summing a window end's steps over start days, then over end days, gives the counts: so a
    window's counts are its counts ending the day before plus the steps of its end day, and
    windows ending from lo on are built from the windows ending on lo - 1 and the steps from
    lo on only."""
    state.execute(delete(RW) if lo is None else delete(RW).where(RW.c.end_day >= lo))
    if first is None or last is None:
        return
    width = selects.REPEAT_WINDOW_DAYS
    block_start = 0 if lo is None else (lo - first).days
    final = (last - first).days
    base = _window_base(state, first, block_start, width) if block_start > 0 else {}
    found = _Steps.of(steps)
    while block_start <= final:
        block_end = min(block_start + _WINDOW_BLOCK_DAYS - 1, final)
        block = _Block(first, block_start, block_end, width)
        base = _write_counts(state, block, found.block(block), base)
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


@dataclass(frozen=True)
class _Steps:
    """The steps as numpy columns, sorted by end day, with each row's channel and campaign."""

    combos: dict[int, Combo]
    combo: np.ndarray
    measure: np.ndarray
    end: np.ndarray
    start: np.ndarray
    step: np.ndarray

    @classmethod
    def of(cls, table: pa.Table) -> _Steps:
        frame = table.to_pandas()
        frame = frame.sort_values("end_day", kind="stable")
        channel, channels = pd.factorize(frame["channel"])
        campaign, campaigns = pd.factorize(frame["campaign_id"].fillna(""))
        codes = channel.astype(np.int64) * len(campaigns) + campaign
        combos = {
            int(code): (
                str(channels[code // len(campaigns)]),
                str(campaigns[code % len(campaigns)]),
            )
            for code in np.unique(codes)
        }
        return cls(
            combos,
            codes,
            frame["measure"].to_numpy(np.int64),
            frame["end_day"].to_numpy(np.int64),
            frame["start_day"].to_numpy(np.int64),
            frame["step"].to_numpy(np.int64),
        )

    def block(self, block: _Block) -> dict[Combo, np.ndarray]:
        """Per channel and campaign, [measure, end day, start day] steps of the block."""
        low, high = np.searchsorted(self.end, [block.start, block.end + 1])
        steps: dict[Combo, np.ndarray] = {}
        chosen = slice(low, high)
        combo = self.combo[chosen]
        for code in np.unique(combo):
            rows = np.flatnonzero(combo == code) + low
            step = np.zeros((2, block.ends, block.starts + 1), np.int64)
            np.add.at(
                step,
                (
                    self.measure[rows],
                    self.end[rows] - block.start,
                    self.start[rows] - block.origin,
                ),
                self.step[rows],
            )
            steps[self.combos[code]] = step
        return steps


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
        count = int(kept.sum())
        frames.append(
            pa.table(
                {
                    "end_day": np.datetime64(block.first, "D") + (end_index[kept] + block.start),
                    "start_day": np.datetime64(block.first, "D") + (start_index[kept] + origin),
                    "channel": pa.array([combo[0]] * count, pa.string()),
                    "campaign_id": pa.array([combo[1]] * count, pa.string()),
                    "ordering_customers": ordering[kept],
                    "repeat_customers": counts[1, end_index, start_index][kept],
                }
            )
        )
    if frames:
        insert_arrow(state, RW, pa.concat_tables(frames))
    return following
