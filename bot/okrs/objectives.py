"""Objectives, key results and check-ins in the state store: writing them (checked first, each
write one transaction) and reading them back as plain snapshots."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.clock import naive_utc
from bot.core.context import Context
from bot.core.i18n import N_, Msg
from bot.core.money import MoneyError, parse_money
from bot.core.text import clean_text
from bot.metrics import Metric, QueryError, load_catalog, parse
from bot.models import OKR_TEAMS, KeyResult, KeyResultCheckin, Okr, TeamMember
from bot.okrs.progress import QuarterError, parse_quarter, quarter_label

OBJECTIVE_MAX = 300
TITLE_MAX = 300
QUERY_MAX = 500
NOTE_MAX = 3000
MAX_KEY_RESULTS = 10
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class OkrError(ValueError):
    """An OKR request that cannot be done as asked; the message (a Msg, said in the reader's
    language) says what to change, and `field` names the form field it is about."""

    def __init__(self, message: Msg | str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# The words a target, a baseline or a value is called by in the messages about it.
WHAT = {"target": N_("target"), "baseline": N_("baseline"), "value": N_("value")}


@dataclass(frozen=True)
class Checkin:
    """One check-in on a key result."""

    id: int
    key_result_id: int
    user_id: str | None
    confidence: float
    note: str | None
    value: float | None
    created_at: datetime


@dataclass(frozen=True)
class KeyResultView:
    """A key result as stored, with its latest check-in."""

    id: int
    okr_id: int
    kind: str
    title: str | None
    query: str | None
    target: float
    baseline: float | None
    latest: Checkin | None = None

    @property
    def name(self) -> str:
        """What the key result is called: its title, else its query."""
        return self.title or self.query or f"#{self.id}"


@dataclass(frozen=True)
class OkrView:
    """An objective as stored, with its key results in the order they were added."""

    id: int
    workspace_id: str
    objective: str
    team: str
    period_start: date
    period_end: date
    created_by: str | None
    channel: str | None
    message_ts: str | None
    key_results: tuple[KeyResultView, ...] = ()

    @property
    def quarter(self) -> str:
        """ "2027-Q1"."""
        return quarter_label(self.period_start)


# ------------------------------------------------------------------------------ checks


def check_objective(text: str | None) -> str:
    """The objective as typed, cleaned; OkrError when empty or too long."""
    objective = clean_text(text or "").strip()
    if not objective:
        raise OkrError(Msg("Write the objective, e.g. Make every paid channel pay back 3x"))
    if len(objective) > OBJECTIVE_MAX:
        raise OkrError(Msg("Keep the objective under {n} characters", n=OBJECTIVE_MAX))
    return objective


def check_team(text: str | None) -> str:
    """marketing, operations or joint (also ops, mkt, both); OkrError otherwise."""
    word = (text or "").strip().lower()
    word = {"ops": "operations", "mkt": "marketing", "both": "joint"}.get(word, word)
    if word not in OKR_TEAMS:
        raise OkrError(
            Msg('The team must be marketing, operations or joint, not "{team}"', team=text or "")
        )
    return word


def check_quarter(text: str | None) -> tuple[date, date]:
    """A quarter ("2027-Q1") as its first and last day; OkrError otherwise."""
    try:
        return parse_quarter(text or "")
    except QuarterError:
        said = Msg('"{quarter}" is not a quarter; write it as 2027-Q1', quarter=text or "")
        raise OkrError(said) from None


def check_query(ctx: Context, text: str | None) -> tuple[str, Metric]:
    """A key result's metric question ("/metric ltv_cac kind=paid"), checked by the metric
    parser; OkrError saying what to change."""
    query = clean_text(text or "").strip()
    if not query:
        raise OkrError(
            Msg("Give the key result's metric question, e.g. /metric ltv_cac kind=paid"), "words"
        )
    if len(query) > QUERY_MAX:
        raise OkrError(Msg("Keep the question under {n} characters", n=QUERY_MAX), "words")
    if not query.startswith("/"):
        query = "/metric " + query
    today = ctx.clock.today(ctx.settings.tz)
    try:
        parsed = parse(query, load_catalog(ctx.db.analytics), today)
    except QueryError as problem:
        first = problem.args[0] if problem.args else str(problem)
        raise OkrError(first, "words") from None
    if parsed.by or parsed.grain:
        raise OkrError(Msg("A key result is one number: leave out by= and grain="), "words")
    return query, parsed.metric


def parse_target(text: str | float | None, metric: Metric | None, what: str = "target") -> float:
    """A target or baseline as typed: "3", "45%" (a share), "19.6%", "¥120" or "12k" for money.
    For a percent metric a number above 1 is read as percent (45 is 45%). OkrError when it is
    no number, or outside what the metric can be."""
    raw = str(text if text is not None else "").strip()
    called = Msg(WHAT.get(what, what))
    if not raw:
        raise OkrError(Msg("Give the {what}, e.g. 3 or 45%", what=called), what)
    percent = raw.endswith("%")
    body = raw.rstrip("%").strip().replace(",", "")
    if metric is not None and metric.unit == "currency" and not percent:
        try:
            return parse_money(body, allow_zero=True)
        except MoneyError:
            said = Msg('The {what} "{raw}" is not an amount, e.g. 120 or 12k', what=called, raw=raw)
            raise OkrError(said, what) from None
    number = _NUMBER.match(body) and math.isfinite(float(body))
    if not number:
        said = Msg(
            'The {what} "{raw}" is not a number; write e.g. 3, 0.45 or 45%', what=called, raw=raw
        )
        raise OkrError(said, what)
    value = float(body)
    if percent or (metric is not None and metric.unit == "percent" and abs(value) > 1):
        value /= 100
    if metric is not None:
        low, high = metric.value_range()
        if not low <= value <= high:
            said = Msg(
                'The {what} "{raw}" is outside what {metric} can be',
                what=called,
                raw=raw,
                metric=metric.name,
            )
            raise OkrError(said, what)
    return value


def check_note(text: str | None) -> str | None:
    """A check-in's note, cleaned (None when empty); OkrError when too long."""
    said = clean_text(text or "").strip() or None
    if said is not None and len(said) > NOTE_MAX:
        raise OkrError(Msg("Keep the note under {n} characters", n=NOTE_MAX), "note")
    return said


def parse_confidence(text: str | float | None) -> float:
    """A confidence as typed: 0.7 or 70%; OkrError unless it is 0 to 1 (0% to 100%)."""
    raw = str(text if text is not None else "").strip()
    percent = raw.endswith("%")
    body = raw.rstrip("%").strip()
    if not _NUMBER.match(body):
        said = Msg('The confidence "{raw}" is not a number; write 0.7 or 70%', raw=raw)
        raise OkrError(said, "confidence")
    value = float(body) / (100 if percent else 1)
    if not 0 <= value <= 1:
        said = Msg('The confidence must be between 0 and 1 (0% and 100%), not "{raw}"', raw=raw)
        raise OkrError(said, "confidence")
    return value


# ------------------------------------------------------------------------------ writes


@dataclass(frozen=True)
class KeyResultInput:
    """A checked key result to add: a metric question or, when `manual`, a title."""

    text: str
    target: float
    baseline: float | None = None
    manual: bool = False

    def row(self, okr_id: int) -> KeyResult:
        """The row to insert."""
        return KeyResult(
            okr_id=okr_id,
            kind="manual" if self.manual else "metric",
            title=self.text if self.manual else None,
            query=None if self.manual else self.text,
            target=self.target,
            baseline=self.baseline,
        )


def key_result_input(
    ctx: Context,
    text: str | None,
    target: str | float | None,
    baseline: str | float | None = None,
    manual: bool = False,
) -> KeyResultInput:
    """A key result as typed, checked; OkrError saying what to change."""
    if manual:
        title = clean_text(text or "").strip()
        if not title or len(title) > TITLE_MAX:
            said = Msg("Name the manual key result (up to {n} characters)", n=TITLE_MAX)
            raise OkrError(said, "words")
        metric = None
        said = title
    else:
        said, metric = check_query(ctx, text)
    given = baseline is not None and str(baseline).strip() != ""
    return KeyResultInput(
        said,
        parse_target(target, metric),
        parse_target(baseline, metric, "baseline") if given else None,
        manual,
    )


def create_okr(
    ctx: Context,
    objective: str,
    start: date,
    end: date,
    team: str,
    key_results: list[KeyResultInput] | None = None,
) -> int:
    """Store a checked objective (and its key results) in one transaction; its id."""
    with ctx.db.write() as session:
        okr = Okr(
            workspace_id=ctx.workspace_id,
            objective=objective,
            team=team,
            period_start=start,
            period_end=end,
            created_by=ctx.actor,
            created_at=naive_utc(ctx.clock.now()),
        )
        session.add(okr)
        session.flush()
        for item in key_results or []:
            session.add(item.row(okr.id))
        return okr.id


def add_okr(ctx: Context, objective: str, quarter: str, team: str) -> int:
    """`warroom okr add`: a new objective for `quarter` owned by `team`; its id."""
    start, end = check_quarter(quarter)
    return create_okr(ctx, check_objective(objective), start, end, check_team(team))


def _okr_row(session: Session, ctx: Context, okr_id: int) -> Okr:
    okr = session.get(Okr, okr_id)
    if okr is None or okr.workspace_id != ctx.workspace_id:
        raise OkrError(Msg("There is no OKR #{id}; `/okr all` shows them", id=okr_id))
    return okr


def add_key_result(ctx: Context, okr_id: int, item: KeyResultInput) -> int:
    """Add a checked key result to objective `okr_id`; its id."""
    with ctx.db.write() as session:
        _okr_row(session, ctx, okr_id)
        count = len(session.scalars(select(KeyResult.id).where(KeyResult.okr_id == okr_id)).all())
        if count >= MAX_KEY_RESULTS:
            raise OkrError(Msg("An objective has at most {n} key results", n=MAX_KEY_RESULTS))
        row = item.row(okr_id)
        session.add(row)
        session.flush()
        return row.id


def check_in(
    ctx: Context,
    key_result_id: int,
    confidence: str | float,
    note: str | None = None,
    value: str | float | None = None,
) -> Checkin:
    """Record a check-in on a key result: a confidence (0 to 1), a note and, for a manual key
    result, its value now. OkrError saying what to change."""
    sure = parse_confidence(confidence)
    said = check_note(note)
    with ctx.db.write() as session:
        row = session.get(KeyResult, key_result_id)
        okr = session.get(Okr, row.okr_id) if row is not None else None
        if row is None or okr is None or okr.workspace_id != ctx.workspace_id:
            raise OkrError(
                Msg("There is no key result #{id}; `/okr all` shows them", id=key_result_id)
            )
        number = None
        if value is not None and str(value).strip() != "":
            number = parse_target(value, None, "value")
        checkin = KeyResultCheckin(
            key_result_id=key_result_id,
            user_id=ctx.actor,
            confidence=sure,
            note=said,
            value=number,
            created_at=naive_utc(ctx.clock.now()),
        )
        session.add(checkin)
        session.flush()
        return _checkin(checkin)


def set_message(ctx: Context, okr_id: int, channel: str, ts: str) -> None:
    """Remember where the objective's message is (check-ins thread under it)."""
    with ctx.db.write() as session:
        okr = _okr_row(session, ctx, okr_id)
        okr.channel, okr.message_ts = channel, ts


# ------------------------------------------------------------------------------ reads


def _checkin(row: KeyResultCheckin) -> Checkin:
    return Checkin(
        row.id, row.key_result_id, row.user_id, row.confidence, row.note, row.value, row.created_at
    )


def _view(okr: Okr, key_results: list[KeyResult], latest: dict[int, Checkin]) -> OkrView:
    return OkrView(
        okr.id,
        okr.workspace_id,
        okr.objective,
        okr.team,
        okr.period_start,
        okr.period_end,
        okr.created_by,
        okr.channel,
        okr.message_ts,
        tuple(
            KeyResultView(
                kr.id,
                kr.okr_id,
                kr.kind,
                kr.title,
                kr.query,
                kr.target,
                kr.baseline,
                latest.get(kr.id),
            )  # fmt: skip
            for kr in sorted(key_results, key=lambda kr: kr.id)
        ),
    )


def list_okrs(
    ctx: Context, start: date | None = None, running_on: date | None = None
) -> list[OkrView]:
    """The workspace's objectives, newest quarter first: all, those of the quarter starting
    `start`, or those whose quarter holds the day `running_on`."""
    query = select(Okr).where(Okr.workspace_id == ctx.workspace_id)
    if start is not None:
        query = query.where(Okr.period_start == start)
    if running_on is not None:
        query = query.where(Okr.period_start <= running_on, Okr.period_end >= running_on)
    query = query.order_by(Okr.period_start.desc(), Okr.id)
    with ctx.db.session() as session:
        okrs = session.scalars(query).all()
        ids = [okr.id for okr in okrs]
        if not ids:
            return []
        key_results = session.scalars(select(KeyResult).where(KeyResult.okr_id.in_(ids))).all()
        latest = _latest_checkins(session, [kr.id for kr in key_results])
    by_okr: dict[int, list[KeyResult]] = {}
    for kr in key_results:
        by_okr.setdefault(kr.okr_id, []).append(kr)
    return [_view(okr, by_okr.get(okr.id, []), latest) for okr in okrs]


def _latest_checkins(session: Session, key_result_ids: list[int]) -> dict[int, Checkin]:
    if not key_result_ids:
        return {}
    rows = session.scalars(
        select(KeyResultCheckin)
        .where(KeyResultCheckin.key_result_id.in_(key_result_ids))
        .order_by(KeyResultCheckin.created_at, KeyResultCheckin.id)
    ).all()
    return {row.key_result_id: _checkin(row) for row in rows}


def get_okr(ctx: Context, okr_id: int) -> OkrView | None:
    """One objective of the workspace, or None."""
    return next((okr for okr in list_okrs(ctx) if okr.id == okr_id), None)


def checkins_of(ctx: Context, key_result_id: int, limit: int = 20) -> list[Checkin]:
    """A key result's check-ins, newest first."""
    with ctx.db.session() as session:
        rows = session.scalars(
            select(KeyResultCheckin)
            .where(KeyResultCheckin.key_result_id == key_result_id)
            .order_by(KeyResultCheckin.created_at.desc(), KeyResultCheckin.id.desc())
            .limit(limit)
        ).all()
        return [_checkin(row) for row in rows]


def owners_of(ctx: Context, okr: OkrView) -> list[str]:
    """The people an objective's check-ins are asked of: the members of its team (both teams
    for a joint one)."""
    teams = ("marketing", "operations") if okr.team == "joint" else (okr.team,)
    with ctx.db.session() as session:
        return list(
            session.scalars(
                select(TeamMember.user_id)
                .where(TeamMember.workspace_id == ctx.workspace_id, TeamMember.team.in_(teams))
                .order_by(TeamMember.team, TeamMember.user_id)
            )
        )
