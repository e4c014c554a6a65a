"""One import, from file to fact table, in one transaction on the analytics store."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, Table, func, select
from sqlalchemy.orm import Session

from bot.core.bulk import insert_frame
from bot.core.clock import SYSTEM_CLOCK, Clock, naive_utc
from bot.core.db import Database
from bot.core.facts import mark_stale
from bot.core.settings import Settings
from bot.core.warehouse import folder_of
from bot.data.importer.parsing import parse_chunk
from bot.data.importer.reading import Source, check_columns, chunks, open_source
from bot.data.importer.rejects import Rejects, open_rejects, reject_staged
from bot.data.importer.report import MAX_REPORTED, ImportFailed, ImportReport, Problem
from bot.data.importer.specs import Spec, table_spec
from bot.data.importer.staging import (
    Reasons,
    create_temporary,
    drop_temporary,
    find_problems,
    staged_dates,
    staging_tables,
    upsert,
)
from bot.models import ImportRun


@dataclass
class _Import:
    """What one import works with, and the bad rows it will name."""

    connection: Connection
    spec: Spec
    source: Source
    wanted: list[str]  # the file's columns to read, in table order
    report: ImportReport
    tz: ZoneInfo  # zoned timestamps become wall-clock time here
    rejects_path: Path
    rejects: Rejects | None
    progress: Callable[[int], None] | None
    shown: list[Problem] = field(default_factory=list)


def import_file(
    db: Database,
    settings: Settings,
    table: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> ImportReport:
    """Import one CSV or Parquet file into a fact table; raises ImportFailed (nothing
    written) when the file or any row is bad and `skip_invalid` is not set. `progress`, if
    given, is called with the number of rows of each chunk read."""
    started = time.monotonic()
    spec = table_spec(table)
    path = Path(path)
    source = open_source(path)
    wanted, warnings = check_columns(spec, source)
    report = ImportReport(spec.table, path.name, warnings=warnings)
    rejects_path = rejects_path or path.with_name(path.name.rsplit(".", 1)[0] + ".rejects.csv")
    opened = open_rejects(rejects_path, wanted) if skip_invalid else nullcontext(None)
    with db.analytics.begin() as connection:
        with opened as rejects:
            run = _Import(
                connection,
                spec,
                source,
                wanted,
                report,
                tz=settings.tz,
                rejects_path=rejects_path,
                rejects=rejects,
                progress=progress,
            )
            _stage_check_and_write(run)
        if rejects is not None and report.rejected:
            report.rejects_path = rejects_path
        now = clock.now()
        first, last = _stale_range(spec, report, settings, now)
        if db.analytics is db.state:
            with Session(bind=connection) as session:
                _record(session, report, first, last, now, spec.rules.feeds_rollups)
                session.flush()
    if folder_of(db.analytics) is not None:
        # Views made before a table's file existed read no rows: new connections make them.
        db.analytics.dispose()
    if db.analytics is not db.state:
        # Facts and bot state live in different databases: two transactions.
        with db.write() as session:
            _record(session, report, first, last, now, spec.rules.feeds_rollups)
    report.seconds = time.monotonic() - started
    return report


def _stage_check_and_write(run: _Import) -> None:
    staging, problems = staging_tables(run.spec)
    create_temporary(run.connection, staging, problems)
    _stage(run, staging)
    _check(run, staging, problems)
    report, column = run.report, run.spec.rules.date_field
    if column:
        report.first, report.last = staged_dates(run.connection, staging, column)
    report.inserted, report.updated, report.unchanged = upsert(run.connection, run.spec, staging)
    drop_temporary(run.connection, staging, problems)


def _stage(run: _Import, staging: Table) -> None:
    """Parse the file chunk by chunk; good rows go to `staging`, bad ones are counted,
    the first ones kept for the report, and (with a rejects file) written there."""
    report = run.report
    for frame in chunks(run.source, run.wanted):
        # Rows come indexed by the line they start on (a CSV's quoted line breaks counted).
        lines = frame.index.to_numpy(dtype=np.int64)
        chunk = parse_chunk(run.spec, frame, run.tz)
        report.rows_read += len(chunk.values)
        bad = chunk.bad
        if bad.any():
            report.rejected += int(bad.sum())
            for at in lines[bad.to_numpy()][: MAX_REPORTED - len(run.shown)]:
                run.shown.append(Problem(int(at), chunk.bad_column[at], chunk.reason[at]))
            if run.rejects:
                run.rejects.write(frame[bad], chunk.reason[bad])
        good = chunk.values[~bad.reindex(chunk.values.index)]
        if len(good):
            insert_frame(run.connection, staging, good.assign(_line=good.index.astype(np.int64)))
        if run.progress:
            run.progress(len(frame))
    if report.rows_read == 0:
        raise ImportFailed(f"{run.source.path}: the file has a header but no rows to import.")


def _check(run: _Import, staging: Table, problems: Table) -> None:
    """The checks in SQL; raises ImportFailed when any row is bad and there is no rejects
    file, else writes the staged bad rows there and takes them out of `staging`."""
    connection, p = run.connection, problems.c
    find_problems(connection, run.spec, staging, problems)
    sql_bad = connection.execute(select(func.count(func.distinct(p._line)))).scalar_one()
    run.report.rejected += sql_bad
    reasons = Reasons(connection, run.spec, run.source)
    if sql_bad:
        first_rows = connection.execute(
            select(p._line, p.column_name, p.problem, p.value, p.first_line)
            .order_by(p._line)
            .limit(MAX_REPORTED)
        ).all()
        for row in first_rows:
            why = reasons(row.column_name, row.problem, row.value, row.first_line)
            run.shown.append(Problem(int(row._line), row.column_name, why))
    if run.report.rejected and not run.rejects:
        raise ImportFailed(_failure_text(run))
    if sql_bad and run.rejects:
        reject_staged(connection, reasons, staging, problems, run.rejects)
        connection.execute(staging.delete().where(staging.c._line.in_(select(p._line))))


def _failure_text(run: _Import) -> str:
    count, source = run.report.rejected, run.source
    lines = [
        f"{source.path.name}: {count:,} bad row{'s' if count != 1 else ''} "
        f"of {run.report.rows_read:,}; nothing was imported."
    ]
    shown = sorted(run.shown)[:MAX_REPORTED]
    lines += [f"  {source.where(p.line)}, column {p.column}: {p.reason}" for p in shown]
    if count > MAX_REPORTED:
        lines.append(f"  ... and {count - MAX_REPORTED:,} more bad rows")
    lines.append(
        f"Fix the file and import it again, or add --skip-invalid to load the good rows "
        f"and write the bad ones to {run.rejects_path.name}."
    )
    return "\n".join(lines)


def _stale_range(
    spec: Spec, report: ImportReport, settings: Settings, now: datetime
) -> tuple[date | None, date | None]:
    if not spec.rules.date_field or report.first is None:
        return None, None
    if spec.rules.reaches_forward:
        return report.first, now.astimezone(settings.tz).date()
    return report.first, report.last


def _record(
    session: Session,
    report: ImportReport,
    first: date | None,
    last: date | None,
    now: datetime,
    feeds_rollups: bool = True,
) -> None:
    session.add(
        ImportRun(
            table_name=report.table,
            source=report.source[:500],
            rows_read=report.rows_read,
            rows_loaded=report.loaded,
            rows_rejected=report.rejected,
            min_date=report.first,
            max_date=report.last,
            finished_at=naive_utc(now),
        )
    )
    if feeds_rollups:
        mark_stale(session, first, last, now)
