"""The fund's forms: the proposal as typed (ProposalDraft), checked field by field into a
ProposalInput, and the completion report checked into a CompletionInput. Every problem is
reported at once, keyed by the form field to change (InvalidInput)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot.core.context import Context
from bot.core.i18n import N_, Msg
from bot.core.money import MoneyError, cents, parse_decimal
from bot.core.text import clean_text as safe_text
from bot.fund import wording
from bot.fund.errors import InvalidInput
from bot.fund.reading import fund_for_year
from bot.fund.views import ProposalView
from bot.metrics import Metric, find_metric
from bot.models import TEAMS, Fund, TeamMember

# The proposal form's fields; the modal uses them as block ids and errors are keyed by them.
FIELDS = (
    "title",
    "problem",
    "plan",
    "amount",
    "impact_metric",
    "impact_target",
    "marketing_sponsor",
    "operations_sponsor",
    "start_date",
    "end_date",
)
TITLE_MAX = 200
TEXT_MAX = 3000

Errors = dict[str, str]


@dataclass
class ProposalDraft:
    """The proposal form as typed: every value a string (or None when left empty)."""

    title: str | None = None
    problem: str | None = None
    plan: str | None = None
    amount: str | None = None
    impact_metric: str | None = None
    impact_target: str | None = None
    marketing_sponsor: str | None = None
    operations_sponsor: str | None = None
    start_date: str | None = None
    end_date: str | None = None

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> ProposalDraft:
        """The form as submitted: the modal's values by block id (the FIELDS)."""
        return cls(**{name: _text_or_none(values.get(name)) for name in FIELDS})

    @classmethod
    def of(cls, proposal: ProposalView) -> ProposalDraft:
        """The form filled with a stored proposal (for editing)."""
        return cls(
            title=proposal.title,
            problem=proposal.problem,
            plan=proposal.plan,
            amount=f"{cents(proposal.amount)}".removesuffix(".00"),
            impact_metric=proposal.impact_metric,
            impact_target=f"{proposal.impact_target:g}",
            marketing_sponsor=proposal.marketing_sponsor,
            operations_sponsor=proposal.operations_sponsor,
            start_date=proposal.start_date.isoformat(),
            end_date=proposal.end_date.isoformat(),
        )


def _text_or_none(value: Any) -> str | None:
    return None if value is None else safe_text(str(value))


@dataclass(frozen=True)
class ProposalInput:
    """A validated proposal form."""

    title: str
    problem: str
    plan: str
    amount: Decimal
    impact_metric: str
    impact_target: float
    marketing_sponsor: str
    operations_sponsor: str
    start_date: date
    end_date: date
    fund_id: int

    def columns(self) -> dict[str, Any]:
        """The proposal columns this input sets."""
        values = {name: getattr(self, name) for name in FIELDS}
        values["amount"] = float(self.amount)
        values["fund_id"] = self.fund_id
        return values


@dataclass(frozen=True)
class CompletionInput:
    """What a completed proposal reports: actual spend, the metric's value then, a note."""

    actual_spend: Decimal
    metric_value: float | None
    note: str


def clean_text(value: str | None) -> str:
    """Typed text without the spaces around it, NUL characters or lone surrogates ("" for
    nothing)."""
    return safe_text(value or "").strip()


def parse_number(text: str) -> float:
    """A target value as typed: "3.5", "1,200", "35%" (a percent becomes 0.35)."""
    raw = text.strip().replace(",", "").replace("_", "")
    percent = raw.endswith("%")
    raw = raw.removesuffix("%").strip()
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", raw):
        raise ValueError(
            Msg('"{typed}" is not a number; write e.g. 3.5, 1200 or 35%.', typed=text.strip())
        )
    value = float(raw) / 100 if percent else float(raw)
    if not math.isfinite(value):
        raise ValueError(
            Msg('"{typed}" is too large a number; check the number of zeros.', typed=text.strip())
        )
    return value


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _long_text(value: str, limit: int) -> Msg | None:
    """The problem with a text over `limit` characters, or None."""
    if len(value) <= limit:
        return None
    return Msg("Keep it under {limit} characters (now {length}).", limit=limit, length=len(value))


def _check_texts(draft: ProposalDraft, errors: Errors) -> tuple[str, str, str]:
    title, problem, plan = (clean_text(v) for v in (draft.title, draft.problem, draft.plan))
    for name, value, missing in (
        ("title", title, N_("Enter a title.")),
        ("problem", problem, N_("Enter the problem this solves.")),
        ("plan", plan, N_("Enter the plan.")),
    ):
        too_long = _long_text(value, TITLE_MAX if name == "title" else TEXT_MAX)
        if not value:
            errors[name] = Msg(missing)
        elif too_long:
            errors[name] = too_long
    return title, problem, plan


def _check_dates(draft: ProposalDraft, errors: Errors) -> tuple[date | None, date | None]:
    start, end = _parse_date(draft.start_date), _parse_date(draft.end_date)
    if start is None:
        errors["start_date"] = Msg("Pick the start date.")
    if end is None:
        errors["end_date"] = Msg("Pick the end date.")
    elif start is not None and end <= start:
        errors["end_date"] = Msg("The end date must be after the start date.")
    return start, end


def _check_amount(
    ctx: Context, session: Session, draft: ProposalDraft, start: date | None, errors: Errors
) -> tuple[Decimal | None, Fund | None]:
    """The amount, and the fund of the start date's year it draws on."""
    try:
        amount = parse_decimal(draft.amount or "")
    except MoneyError as error:
        errors["amount"] = error.args[0]
        return None, None
    if start is None:
        return amount, None
    fund = fund_for_year(session, ctx.workspace_id, start.year, lock=False)
    if fund is None:
        errors["amount"] = wording.no_budget(start.year)
        return amount, None
    left = cents(fund.pool) - cents(fund.approved)
    if amount > left:
        errors["amount"] = wording.ask_at_most(float(left), start.year, ctx.settings.currency)
    return amount, fund


def _check_impact(draft: ProposalDraft, errors: Errors) -> tuple[Metric | None, float | None]:
    metric = find_metric(draft.impact_metric or "") if draft.impact_metric else None
    if not draft.impact_metric:
        errors["impact_metric"] = Msg("Pick the metric this should move.")
    elif metric is None:
        errors["impact_metric"] = Msg(
            '"{typed}" is not a known metric; pick one.', typed=draft.impact_metric
        )
    target: float | None = None
    if not clean_text(draft.impact_target):
        errors["impact_target"] = Msg("Enter the value you expect the metric to reach.")
    else:
        try:
            target = parse_number(draft.impact_target or "")
        except ValueError as error:
            errors["impact_target"] = error.args[0]
    if metric is not None and target is not None:
        problem = _out_of_range(metric, target, draft.impact_target or "")
        if problem:
            errors["impact_target"] = problem
    return metric, target


def _out_of_range(metric: Metric, target: float, typed: str) -> Msg | None:
    """Why `target` cannot be a value of `metric` (a retention of -500%), or None."""
    low, high = metric.value_range()
    if low <= target <= high:
        return None
    said = {"metric": Msg(metric.label), "typed": typed.strip()}
    if metric.unit == "percent":
        return Msg(
            '{metric} is a share: write it between 0% and 100% (e.g. 35%), not "{typed}".', **said
        )
    if target < low:
        return Msg('{metric} cannot be negative ("{typed}").', **said)
    return Msg('"{typed}" is too large for {metric}; check the number of zeros.', **said)


def _check_sponsors(
    session: Session, workspace_id: str, draft: ProposalDraft, errors: Errors
) -> dict[str, str]:
    """The sponsor of each team: a member of that team, and two different people."""
    sponsors: dict[str, str] = {}
    for team in TEAMS:
        name = f"{team}_sponsor"
        user = clean_text(getattr(draft, name))
        if not user:
            errors[name] = Msg(
                {"marketing": N_("Pick the marketing sponsor.")}.get(
                    team, N_("Pick the operations sponsor.")
                )
            )
            continue
        member = session.get(TeamMember, (workspace_id, user))
        if member is None or member.team != team:
            errors[name] = wording.not_a_team_sponsor(user, team, member.team if member else None)
            continue
        sponsors[team] = user
    if (
        "marketing" in sponsors
        and sponsors.get("marketing") == sponsors.get("operations")
        and "operations_sponsor" not in errors
    ):
        errors["operations_sponsor"] = Msg("The two sponsors must be different people.")
    return sponsors


def validate_proposal(
    ctx: Context, draft: ProposalDraft, session: Session | None = None
) -> ProposalInput:
    """The checked form, or InvalidInput with one message per field that needs a change."""
    if session is None:
        with ctx.db.session() as own:
            return validate_proposal(ctx, draft, own)
    errors: Errors = {}
    title, problem, plan = _check_texts(draft, errors)
    start, end = _check_dates(draft, errors)
    amount, fund = _check_amount(ctx, session, draft, start, errors)
    metric, target = _check_impact(draft, errors)
    sponsors = _check_sponsors(session, ctx.workspace_id, draft, errors)
    if errors:
        raise InvalidInput(errors)
    assert amount is not None and fund is not None and metric is not None and target is not None
    assert start is not None and end is not None
    return ProposalInput(
        title=title,
        problem=problem,
        plan=plan,
        amount=amount,
        impact_metric=metric.name,
        impact_target=target,
        marketing_sponsor=sponsors["marketing"],
        operations_sponsor=sponsors["operations"],
        start_date=start,
        end_date=end,
        fund_id=fund.id,
    )


def check_reason(reason: str | None, changes: bool) -> str:
    """The reason for a rejection or (`changes`) a change request; InvalidInput when it is
    missing or long."""
    text = clean_text(reason)
    if not text:
        if changes:
            raise InvalidInput({"reason": Msg("Say why, so the submitter knows what to change.")})
        raise InvalidInput({"reason": Msg("Say why, so the submitter knows what happened.")})
    too_long = _long_text(text, TEXT_MAX)
    if too_long:
        raise InvalidInput({"reason": too_long})
    return text


def validate_completion(
    amount: float, actual_spend: str | None, metric_value: str | None, note: str | None
) -> CompletionInput:
    """The checked completion form, or InvalidInput naming each field to change."""
    errors: Errors = {}
    spend: Decimal | None = None
    try:
        spend = parse_decimal(actual_spend or "", allow_zero=True)
    except MoneyError as error:
        errors["actual_spend"] = error.args[0]
    if spend is not None and spend > cents(amount):
        errors["actual_spend"] = Msg(
            "The actual spend cannot be more than the approved {amount:,} (it was the limit).",
            amount=cents(amount),
        )
    value: float | None = None
    if clean_text(metric_value):
        try:
            value = parse_number(metric_value or "")
        except ValueError as error:
            errors["metric_value"] = error.args[0]
    text = clean_text(note)
    if not text:
        errors["note"] = Msg("Say what came of it.")
    elif too_long := _long_text(text, TEXT_MAX):
        errors["note"] = too_long
    if errors:
        raise InvalidInput(errors)
    assert spend is not None
    return CompletionInput(actual_spend=spend, metric_value=value, note=text)
