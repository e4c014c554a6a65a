"""The rejects file of `--skip-invalid`: the bad rows as read, with their line and reason."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, func, select

from bot.data.importer.staging import Reasons

STREAM_ROWS = 50_000  # rejected rows fetched back from the staging table at a time


class Rejects:
    """The open rejects file."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.columns = columns
        self.rows = 0
        self._file = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._writer.writerow(["line", *columns, "reason"])

    def write(self, frame: pd.DataFrame, reasons: pd.Series) -> None:
        """Add the rows of `frame` (indexed by line) with their reasons."""
        out = frame[self.columns].astype(object).where(frame[self.columns].notna(), "")
        out.insert(0, "line", frame.index)
        out["reason"] = reasons
        out.to_csv(self._file, header=False, index=False)
        self.rows += len(frame)

    def close(self) -> None:
        """Close the file."""
        self._file.close()


@contextmanager
def open_rejects(path: Path, columns: list[str]) -> Iterator[Rejects]:
    """The rejects file at `path`, removed again when the import fails (nothing was imported,
    so nothing was rejected either) or rejects no row."""
    rejects = Rejects(path, columns)
    try:
        yield rejects
    except BaseException:
        rejects.close()
        path.unlink(missing_ok=True)
        raise
    rejects.close()
    if not rejects.rows:
        path.unlink(missing_ok=True)


def reject_staged(
    connection: Connection, reasons: Reasons, staging: Table, problems: Table, rejects: Rejects
) -> None:
    """Write the staged rows that have a problem to `rejects`, each with its first reason."""
    p = problems.c
    firsts = (
        select(
            p._line,
            func.min(p.column_name).label("column_name"),
            func.min(p.problem).label("problem"),
            func.min(p.value).label("value"),
            func.min(p.first_line).label("first_line"),
        )
        .group_by(p._line)
        .subquery()
    )
    query = (
        select(staging, firsts.c.column_name, firsts.c.problem, firsts.c.value, firsts.c.first_line)
        .join(firsts, firsts.c._line == staging.c._line)
        .order_by(staging.c._line)
    )
    result = connection.execute(
        query, execution_options={"stream_results": True, "yield_per": STREAM_ROWS}
    )
    for part in result.partitions():
        frame = pd.DataFrame([row._mapping for row in part])
        frame.index = frame["_line"].astype(np.int64)
        why = [
            reasons(column, problem, value, first)
            for column, problem, value, first in zip(
                frame["column_name"],
                frame["problem"],
                frame["value"],
                frame["first_line"],
                strict=True,
            )
        ]
        rejects.write(frame, pd.Series(why, index=frame.index))
