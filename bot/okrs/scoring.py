"""Key results on live metrics: each one's current value, baseline, progress and status.

A metric key result's current value is its question asked over the quarter to date (the
quarter's first day to yesterday, or to its last day once it is over), unless the question
names its own period; then it is asked as it is. For cohorts still younger than their window
(LTV, ROI) it is the answer's projection to the full window, as the playbook judges them.
Its baseline is the one given or, by default, the same question over the 30 days before the
quarter (for a question with its own period: the period before that). A manual key result's
current value is its latest check-in's; its baseline, the one given or 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.core.context import Context
from bot.core.i18n import Msg, Text
from bot.metrics import Catalog, Metric, QueryError, Result, answer, load_catalog, parse
from bot.okrs.objectives import KeyResultView, OkrView
from bot.okrs.progress import (
    Status,
    elapsed_share,
    mean_progress,
    progress_of,
    status_of,
    worst_status,
)

BASELINE_DAYS = 30


@dataclass(frozen=True)
class Score:
    """Where one key result stands. `note` says why there is no progress."""

    key_result: KeyResultView
    current: float | None
    baseline: float | None
    progress: float | None
    status: Status
    metric: Metric | None = None
    note: Text | None = None
    # The question asked for the current value (with the quarter to date added).
    asked: str | None = None
    # True when current is the projection of young cohorts (the answer's projected_value).
    projected: bool = False


@dataclass(frozen=True)
class OkrScore:
    """An objective with its key results' scores, the share of its quarter gone by, its
    progress (the mean of its key results') and status (the furthest behind)."""

    okr: OkrView
    scores: tuple[Score, ...]
    elapsed: float
    progress: float | None
    status: Status

    @property
    def behind(self) -> bool:
        """True when it is at risk or off track."""
        return self.status in ("at_risk", "off_track")


def quarter_to_date(okr: OkrView, today: date) -> tuple[date, date] | None:
    """The quarter's days that are complete on `today` (None before its first day ends)."""
    through = min(today - timedelta(days=1), okr.period_end)
    return (okr.period_start, through) if through >= okr.period_start else None


def _ask(ctx: Context, text: str, catalog: Catalog, compare: bool = False) -> Result:
    query = parse(text, catalog, ctx.clock.today(ctx.settings.tz))
    if not compare:
        query = replace(query, compare="none")
    return answer(query, ctx.settings, ctx.db, ctx.clock)


def judged(result: Result) -> float | None:
    """The value a key result is judged by: the projection to the full window for young
    cohorts, else the value."""
    return result.projected_value if result.so_far else result.value


@dataclass(frozen=True)
class _Values:
    current: float | None
    baseline: float | None
    metric: Metric | None = None
    note: Text | None = None
    asked: str | None = None
    projected: bool = False


def _metric_values(ctx: Context, kr: KeyResultView, okr: OkrView, catalog: Catalog) -> _Values:
    """The current value and baseline of a metric key result, and why one is missing."""
    text = kr.query or ""
    days = quarter_to_date(okr, ctx.clock.today(ctx.settings.tz))
    if days is None:
        return _Values(None, kr.baseline, note=Msg("the quarter has not started"))
    start, through = days
    asked = f"{text} from={start} to={through}"
    own_period = False
    try:
        current = _ask(ctx, asked, catalog)
    except QueryError:
        # The question names its own period: asked as it is, compared with the one before.
        own_period = True
        asked = text
        try:
            current = _ask(ctx, asked, catalog, compare=kr.baseline is None)
        except QueryError as problem:
            first = problem.args[0] if problem.args else str(problem)
            return _Values(None, kr.baseline, note=first, asked=asked)
    metric = current.query.metric
    value = judged(current)
    note = None if value is not None else current.note
    baseline = kr.baseline
    if baseline is None and own_period:
        baseline = current.previous_value
    elif baseline is None:
        before = start - timedelta(days=1)
        first = before - timedelta(days=BASELINE_DAYS - 1)
        try:
            baseline = judged(_ask(ctx, f"{text} from={first} to={before}", catalog))
        except QueryError:
            baseline = None
        if baseline is None and note is None:
            note = Msg(
                "no baseline: no data for the {days} days before the quarter", days=BASELINE_DAYS
            )
    return _Values(value, baseline, metric, note, asked, current.so_far and value is not None)


def score_key_result(
    ctx: Context, kr: KeyResultView, okr: OkrView, elapsed: float, catalog: Catalog
) -> Score:
    """The score of one key result."""
    if kr.kind == "manual":
        current = kr.latest.value if kr.latest is not None else None
        baseline = kr.baseline if kr.baseline is not None else 0.0
        progress = progress_of(current, baseline, kr.target)
        note = None if current is not None else Msg("no value checked in yet")
        return Score(kr, current, baseline, progress, status_of(progress, elapsed), note=note)
    got = _metric_values(ctx, kr, okr, catalog)
    good = got.metric.good if got.metric is not None else "up"
    progress = progress_of(got.current, got.baseline, kr.target, good)
    return Score(
        kr,
        got.current,
        got.baseline,
        progress,
        status_of(progress, elapsed),
        got.metric,
        got.note,
        got.asked,
        got.projected,
    )


def score_okr(ctx: Context, okr: OkrView, catalog: Catalog | None = None) -> OkrScore:
    """Every key result of the objective scored against the share of its quarter gone by."""
    catalog = catalog or load_catalog(ctx.db.analytics)
    yesterday = ctx.clock.today(ctx.settings.tz) - timedelta(days=1)
    elapsed = elapsed_share(okr.period_start, okr.period_end, yesterday)
    scores = tuple(score_key_result(ctx, kr, okr, elapsed, catalog) for kr in okr.key_results)
    return OkrScore(
        okr,
        scores,
        elapsed,
        mean_progress([score.progress for score in scores]),
        worst_status([score.status for score in scores]),
    )


def score_okrs(ctx: Context, okrs: list[OkrView]) -> list[OkrScore]:
    """Every objective scored (the channel and campaign lists read once)."""
    if not okrs:
        return []
    catalog = load_catalog(ctx.db.analytics)
    return [score_okr(ctx, okr, catalog) for okr in okrs]
