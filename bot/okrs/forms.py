"""The OKR forms as submitted: the new objective with its key results, and a check-in, checked
field by field. Every problem is reported at once, keyed by the form's block ids, so Slack
shows each under its field (InvalidInput); nothing is stored unless all of it is right."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.context import Context
from bot.okrs.objectives import (
    Checkin,
    KeyResultInput,
    OkrError,
    check_in,
    check_note,
    check_objective,
    check_quarter,
    check_team,
    create_okr,
    get_okr,
    key_result_input,
    parse_confidence,
    parse_target,
)
from bot.okrs.render import FORM_KEY_RESULTS, MANUAL, kr_field

Errors = dict[str, str]


class InvalidInput(OkrError):
    """A submitted form with problems, by block id."""

    def __init__(self, errors: Errors) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value).strip()


def _key_result(ctx: Context, values: dict[str, Any], row: int, errors: Errors) -> Any:
    """Row `row`'s key result (None when the row is left empty), its problems in `errors`."""
    metric = _text(values, kr_field(row, "metric"))
    said = _text(values, kr_field(row, "words"))
    target = _text(values, kr_field(row, "target"))
    baseline = _text(values, kr_field(row, "baseline"))
    t = ctx.words
    if not metric:
        if target or said or baseline:
            errors[kr_field(row, "metric")] = t._("Pick a metric (or manual) for this key result")
        elif row == 1:
            errors[kr_field(row, "metric")] = t._("Pick a metric for the first key result")
        return None
    if not target:
        errors[kr_field(row, "target")] = t._("Give the target, e.g. 3 or 45%")
        return None
    manual = metric == MANUAL
    text = said if manual else f"/metric {metric} {said}".strip()
    try:
        return key_result_input(ctx, text, target, baseline or None, manual=manual)
    except OkrError as problem:
        errors[kr_field(row, problem.field or "words")] = t.say(problem)
        return None


def submit_new_okr(ctx: Context, values: dict[str, Any]) -> int:
    """Store the objective the form describes (with its key results), once all of it is
    right; its id. InvalidInput names each field to change."""
    errors: Errors = {}
    checked: dict[str, Any] = {}
    for name, check in (
        ("objective", check_objective),
        ("team", check_team),
        ("quarter", check_quarter),
    ):
        try:
            checked[name] = check(_text(values, name))
        except OkrError as problem:
            errors[name] = ctx.words.say(problem)
    key_results: list[KeyResultInput] = []
    for row in range(1, FORM_KEY_RESULTS + 1):
        item = _key_result(ctx, values, row, errors)
        if item is not None:
            key_results.append(item)
    if errors:
        raise InvalidInput(errors)
    start, end = checked["quarter"]
    return create_okr(ctx, checked["objective"], start, end, checked["team"], key_results)


@dataclass(frozen=True)
class CheckinSaved:
    """A stored check-in and the key result it is on."""

    checkin: Checkin
    name: str


def submit_checkin(ctx: Context, okr_id: int, values: dict[str, Any]) -> CheckinSaved:
    """Store the check-in the form describes; InvalidInput names each field to change."""
    okr = get_okr(ctx, okr_id)
    if okr is None or not okr.key_results:
        said = ctx.words._("OKR #{id} has no key results to check in on", id=okr_id)
        raise InvalidInput({"confidence": said})
    chosen = _text(values, "key_result") or str(okr.key_results[0].id)
    kr = next((kr for kr in okr.key_results if str(kr.id) == chosen), None)
    errors: Errors = {}
    if kr is None:
        errors["key_result"] = ctx.words._("Pick one of this objective's key results")
    checks = (
        ("confidence", lambda: parse_confidence(_text(values, "confidence"))),
        ("value", lambda: _text(values, "value") and parse_target(_text(values, "value"), None)),
        ("note", lambda: check_note(_text(values, "note"))),
    )
    for field, check in checks:
        try:
            check()
        except OkrError as problem:
            errors[field] = ctx.words.say(problem)
    if errors or kr is None:
        raise InvalidInput(errors)
    saved = check_in(
        ctx, kr.id, _text(values, "confidence"), _text(values, "note"), _text(values, "value")
    )
    return CheckinSaved(saved, kr.name)
