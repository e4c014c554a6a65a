"""The rollup rows a database of facts other than the state store aggregated, brought to the
state store as Arrow batches (columnar from DuckDB and ClickHouse, in key order, memory
bounded), and the repeat-rate windows counted from the steps it aggregated."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Select, insert

from bot.core.bulk import arrow_batches, fetch_arrow, insert_arrow
from bot.metrics.rollups.selects import RC, repeat_steps_select
from bot.metrics.rollups.windows import repeat_windows


def copy_rows(
    state: Connection, analytics: Connection, table: Any, query: Select[Any], same: bool
) -> None:
    """Insert the rows of `query` (read where the facts are) into the rollup `table`."""
    columns = [column.name for column in query.selected_columns]
    if same:
        state.execute(insert(table).from_select(columns, query))
        return
    # Another database aggregates (only the rollup rows come back), in key order, so they
    # land at the end of the key's index.
    ordered = query.order_by(*[query.selected_columns[c.name] for c in table.primary_key])
    for batch in arrow_batches(analytics, ordered):
        insert_arrow(state, table, pa.Table.from_batches([batch]))


def count_windows(
    state: Connection,
    analytics: Connection,
    lo: date | None,
    days: tuple[date | None, date | None],
    same: bool,
) -> None:
    """Replace the repeat-rate windows ending from day lo on (all when None), for the data
    days `days`: the facts' database aggregates the steps, here they are summed up."""
    first, last = days
    found = pa.table({})
    if first is not None:
        # Beside the facts, the customer days just written are the source; elsewhere the
        # warehouse computes them again, so only the steps come back.
        source = RC if same else None
        dialect = analytics.dialect.name
        found = fetch_arrow(analytics, repeat_steps_select(dialect, lo, first, source))
    repeat_windows(state, lo, first, last, found)
