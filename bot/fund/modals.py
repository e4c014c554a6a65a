"""The innovation fund's forms as Block Kit modals: the proposal (new or edited), the reason
for a rejection or a change request, the completion report, and notices."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.core import blocks as kit
from bot.core.i18n import DEFAULT_LANGUAGE, Language, words
from bot.fund.forms import ProposalDraft
from bot.metrics import METRICS

EN: Language = DEFAULT_LANGUAGE
# Modals.
PROPOSAL_VIEW = "fund_proposal"
REASON_VIEW = "fund_reason"
COMPLETION_VIEW = "fund_completion"
REASON_BLOCK = "reason"


def _input(
    block_id: str,
    label: str,
    element: Any,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=element,
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
    )


def _text(
    action_id: str, initial: str | None = None, *, multiline: bool = False, placeholder: str = ""
) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=action_id,
        initial_value=initial or None,
        multiline=multiline,
        placeholder=placeholder or None,
    )


def metric_options(language: Language = EN) -> list[Option]:
    """Every metric of the registry as a select option (no database work: trigger ids expire)."""
    t = words(language)
    return [Option(value=m.name, label=kit.clip(t._(m.label), 75)) for m in METRICS][:100]


def _title(text: str) -> str:
    return kit.clip(text, 24)


def proposal_modal(
    draft: ProposalDraft | None = None, proposal_id: int | None = None, language: Language = EN
) -> dict:
    """The proposal form; with `proposal_id` it edits that proposal (private_metadata)."""
    t = words(language)
    draft = draft or ProposalDraft()
    options = metric_options(language)
    chosen = next((o for o in options if o.value == draft.impact_metric), None)
    sponsors = [
        _input(
            f"{team}_sponsor",
            label,
            UserSelectElement(
                action_id=f"{team}_sponsor", initial_user=getattr(draft, f"{team}_sponsor") or None
            ),
        )
        for team, label in (
            ("marketing", t._("Marketing sponsor")),
            ("operations", t._("Operations sponsor")),
        )
    ]
    blocks: list[Block] = [
        _input(
            "title",
            t._("Title"),
            _text("title", draft.title, placeholder=t._("What you will do")),
        ),
        _input("problem", t._("Problem"), _text("problem", draft.problem, multiline=True)),
        _input("plan", t._("Plan"), _text("plan", draft.plan, multiline=True)),
        _input(
            "amount",
            t._("Amount"),
            _text("amount", draft.amount, placeholder=t._("e.g. 120,000 or 12w")),
            hint=t._("Within what is left in the pool; 12k, 1.2w and 1.2万 work too."),
        ),
        _input(
            "impact_metric",
            t._("Expected impact: metric"),
            StaticSelectElement(
                action_id="impact_metric",
                options=options,
                initial_option=chosen,
                placeholder=t._("Pick a metric"),
            ),
        ),
        _input(
            "impact_target",
            t._("Expected impact: target value"),
            _text("impact_target", draft.impact_target, placeholder=t._("e.g. 3.5 or 40%")),
        ),
        *sponsors,
        _input(
            "start_date",
            t._("Start date"),
            DatePickerElement(action_id="start_date", initial_date=draft.start_date or None),
        ),
        _input(
            "end_date",
            t._("End date"),
            DatePickerElement(action_id="end_date", initial_date=draft.end_date or None),
        ),
    ]
    editing = proposal_id is not None
    return View(
        type="modal",
        callback_id=PROPOSAL_VIEW,
        title=_title(
            t._("Edit proposal #{id}", id=proposal_id) if editing else t._("Fund proposal")
        ),
        submit=t._("Resubmit") if editing else t._("Submit"),
        close=t._("Cancel"),
        private_metadata=json.dumps({"id": proposal_id}) if proposal_id else "",
        blocks=blocks,
    ).to_dict()


def reason_modal(proposal_id: int, kind: str, language: Language = EN) -> dict[str, Any]:
    """Ask why a proposal is rejected ("reject") or what should change ("changes")."""
    t = words(language)
    reject = kind == "reject"
    if reject:
        title = t._("Reject #{id}", id=proposal_id)
    else:
        title = t._("Changes to #{id}", id=proposal_id)
    question = t._("Why is it rejected?") if reject else t._("What should change?")
    return View(
        type="modal",
        callback_id=REASON_VIEW,
        title=_title(title),
        submit=t._("Reject") if reject else t._("Send back"),
        close=t._("Cancel"),
        private_metadata=json.dumps({"id": proposal_id, "kind": kind}),
        blocks=[
            _input(
                REASON_BLOCK,
                question,
                _text(REASON_BLOCK, multiline=True),
                hint=t._("The submitter reads this in a DM."),
            )
        ],
    ).to_dict()


def completion_modal(proposal_id: int, language: Language = EN) -> dict[str, Any]:
    """Report an approved proposal's result: actual spend, the metric's value, a note."""
    t = words(language)
    return View(
        type="modal",
        callback_id=COMPLETION_VIEW,
        title=_title(t._("Complete #{id}", id=proposal_id)),
        submit=t._("Complete"),
        close=t._("Cancel"),
        private_metadata=json.dumps({"id": proposal_id}),
        blocks=[
            _input(
                "actual_spend",
                t._("Actual spend"),
                _text("actual_spend", placeholder=t._("e.g. 95,000")),
                hint=t._("What was really spent; the rest goes back to the pool."),
            ),
            _input(
                "metric_value",
                t._("The metric's value now"),
                _text("metric_value", placeholder=t._("e.g. 3.8 or 41%")),
                optional=True,
            ),
            _input("note", t._("Result"), _text("note", multiline=True)),
        ],
    ).to_dict()


def notice_modal(title: str, text: str, language: Language = EN) -> dict[str, Any]:
    """A modal that only says something (a refusal after the modal was already opened)."""
    t = words(language)
    return View(
        type="modal",
        title=_title(t.say(title)),
        close=t._("Close"),
        blocks=[kit.section(t.say(text))],
    ).to_dict()


def loading_modal(title: str, language: Language = EN) -> dict[str, Any]:
    """Opened at once (trigger ids expire in 3 seconds), replaced when the data is read."""
    t = words(language)
    return notice_modal(title, t._(":hourglass_flowing_sand: One moment…"), language)
