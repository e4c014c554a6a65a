"""The innovation fund as Block Kit: the pool with its bar, proposals, their modals and lists."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
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
from bot.core.blocks import mention
from bot.core.money import format_money
from bot.fund.forms import ProposalDraft
from bot.fund.views import Event, FundSummary, ProposalStatus, ProposalView
from bot.fund.wording import no_budget, state_text
from bot.metrics import METRICS, find_metric, format_metric_value

# Buttons.
PROPOSE_ACTION = "fund_propose"
APPROVE_ACTION = "fund_approve"
REJECT_ACTION = "fund_reject"
CHANGES_ACTION = "fund_changes"
WITHDRAW_ACTION = "fund_withdraw"
EDIT_ACTION = "fund_edit"
COMPLETE_ACTION = "fund_complete"
# Modals.
PROPOSAL_VIEW = "fund_proposal"
REASON_VIEW = "fund_reason"
COMPLETION_VIEW = "fund_completion"
REASON_BLOCK = "reason"

BAR_WIDTH = 20
STATE_LABELS: dict[ProposalStatus, str] = {
    "pending": ":hourglass_flowing_sand: Pending",
    "approved": ":white_check_mark: Approved",
    "rejected": ":x: Rejected",
    "changes_requested": ":pencil2: Changes requested",
    "withdrawn": ":leftwards_arrow_with_hook: Withdrawn",
    "completed": ":checkered_flag: Completed",
}
MAX_LISTED = 20


def _state(status: ProposalStatus) -> str:
    return STATE_LABELS.get(status, status)


def _metric_label(name: str) -> str:
    metric = find_metric(name)
    return metric.label if metric else name


def _target_text(name: str, target: float, currency: str) -> str:
    metric = find_metric(name)
    if metric is None:
        return f"{target:g}"
    return format_metric_value(target, metric, currency)


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=value, style=style)


# ----------------------------------------------------------------------------- the pool


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """A text bar: "[██████░░░░░░░░░░░░░░] 33%" for a share of 0.33."""
    share = min(max(share, 0.0), 1.0)
    filled = round(share * width)
    return f"[{'█' * filled}{'░' * (width - filled)}] {round(share * 100)}%"


def summary_text(summary: FundSummary, currency: str) -> str:
    """The pool in two lines: the numbers, then the bar of what is approved."""
    money = lambda amount: format_money(amount, currency)  # noqa: E731
    return (
        f"Pool {summary.year}: {money(summary.pool)} · approved {money(summary.approved)} · "
        f"pending {money(summary.pending)} · remaining {money(summary.remaining)}\n"
        f"{bar(summary.used_share)}"
    )


def no_budget_text(year: int) -> str:
    """What the fund says before an admin sets the year's budget."""
    return no_budget(year)


def summary_blocks(
    summary: FundSummary | None, year: int, currency: str, *, propose: bool = True
) -> list[Block]:
    """The pool of `year` with its bar, and the Propose button."""
    out: list[Block] = [kit.header(f"Innovation fund {year}")]
    if summary is None:
        out.append(kit.section(no_budget_text(year)))
        return out
    out.append(kit.section(summary_text(summary, currency)))
    out.append(
        kit.context(
            f"{summary.pool_pct:g}% of the {format_money(summary.budget, currency)} growth budget",
            f"{summary.pending_count} pending proposal(s)",
            "`/fund list` · `/fund propose`",
        )
    )
    if propose:
        out.append(
            ActionsBlock(elements=[_button("Propose", PROPOSE_ACTION, str(year), "primary")])
        )
    return out


def summary_message(summary: FundSummary | None, year: int, currency: str) -> dict[str, Any]:
    """`/fund`: the pool, approved, pending and remaining, with a bar."""
    text = summary_text(summary, currency) if summary else no_budget_text(year)
    return kit.message(summary_blocks(summary, year, currency), text)


def budget_set_message(summary: FundSummary, currency: str) -> dict[str, Any]:
    """The answer to `/fund budget`: the new pool."""
    head = (
        f"The {summary.year} growth budget is {format_money(summary.budget, currency)}; "
        f"the fund's pool is {summary.pool_pct:g}% of it."
    )
    return kit.message(
        [kit.section(head), kit.section(summary_text(summary, currency))],
        f"{head}\n{summary_text(summary, currency)}",
    )


# ----------------------------------------------------------------------------- a proposal


def approval_line(proposal: ProposalView, mode: str) -> str:
    """Who approved and what is still needed, or how it ended."""
    approvals = [
        f":white_check_mark: {a.team.capitalize()}: {mention(a.user_id)}"
        for a in proposal.approvals
    ]
    waiting = proposal.waiting_for(mode)
    if proposal.status == "pending":
        needed = [f":hourglass: {team.capitalize()}: waiting" for team in waiting]
        return " · ".join(approvals + needed)
    event = proposal.last_event
    who = mention(event.actor) if event else "someone"
    if proposal.status in ("approved", "completed"):
        approvers = " and ".join(mention(a.user_id) for a in proposal.approvals) or who
        line = f"Approved by {approvers}"
        if proposal.status == "completed":
            line += f"; completed by {who}"
        return line
    if proposal.status == "rejected":
        return f"Rejected by {who}: {event.note if event else ''}".rstrip(": ")
    if proposal.status == "changes_requested":
        return f"Changes requested by {who}: {event.note if event else ''}".rstrip(": ")
    return "Withdrawn by the submitter"


def proposal_blocks(
    proposal: ProposalView, mode: str, currency: str, *, buttons: bool = True
) -> list[Block]:
    """A proposal: what, how much, expected impact, who, its state and the decision buttons."""
    out: list[Block] = [kit.header(f"#{proposal.id} {proposal.title}")]
    out.append(
        kit.section(
            "",
            fields=[
                f"*Amount*\n{format_money(proposal.amount, currency)} "
                f"from the {proposal.year} pool",
                f"*State*\n{_state(proposal.status)}",
                f"*Expected impact*\n{_metric_label(proposal.impact_metric)} → "
                f"{_target_text(proposal.impact_metric, proposal.impact_target, currency)}",
                f"*Timeline*\n{proposal.start_date:%Y-%m-%d} to {proposal.end_date:%Y-%m-%d}",
                f"*Marketing sponsor*\n{mention(proposal.marketing_sponsor)}",
                f"*Operations sponsor*\n{mention(proposal.operations_sponsor)}",
            ],
        )
    )
    out.append(kit.section(f"*Problem*\n{proposal.problem}"))
    out.append(kit.section(f"*Plan*\n{proposal.plan}"))
    if proposal.result_note:
        out.append(kit.section(f"*Result*\n{proposal.result_note}"))
    out.append(kit.section(approval_line(proposal, mode)))
    out.append(
        kit.context(f"Submitted by {mention(proposal.submitter)} · `/fund history {proposal.id}`")
    )
    value = str(proposal.id)
    if buttons and proposal.status == "pending":
        out.append(
            ActionsBlock(
                block_id=f"fund_decide_{proposal.id}",
                elements=[
                    _button("Approve", APPROVE_ACTION, value, "primary"),
                    _button("Reject", REJECT_ACTION, value, "danger"),
                    _button("Request changes", CHANGES_ACTION, value),
                ],
            )
        )
    elif buttons and proposal.status == "approved":
        out.append(
            ActionsBlock(
                block_id=f"fund_done_{proposal.id}",
                elements=[_button("Mark completed", COMPLETE_ACTION, value)],
            )
        )
    return out


def proposal_text(proposal: ProposalView, currency: str) -> str:
    """The notification text of a proposal message (mentions the people involved)."""
    return (
        f"Proposal #{proposal.id} {proposal.title}: {format_money(proposal.amount, currency)}, "
        f"{state_text(proposal.status)} · submitted by {mention(proposal.submitter)}, "
        f"sponsors {mention(proposal.marketing_sponsor)} and "
        f"{mention(proposal.operations_sponsor)}"
    )


def proposal_message(proposal: ProposalView, mode: str, currency: str) -> dict[str, Any]:
    """The fund-channel message of a proposal, updated in place as it is decided."""
    return kit.message(proposal_blocks(proposal, mode, currency), proposal_text(proposal, currency))


def submitter_message(
    proposal: ProposalView, headline: str, mode: str, currency: str
) -> dict[str, Any]:
    """The DM to the submitter after a decision, with what they can do next."""
    out: list[Block] = [
        kit.section(f"*{headline}*"),
        kit.section(
            f"#{proposal.id} {proposal.title} · {format_money(proposal.amount, currency)} · "
            f"{_state(proposal.status)}\n{approval_line(proposal, mode)}"
        ),
    ]
    value = str(proposal.id)
    if proposal.status == "changes_requested":
        out.append(
            ActionsBlock(
                elements=[
                    _button("Edit and resubmit", EDIT_ACTION, value, "primary"),
                    _button("Withdraw", WITHDRAW_ACTION, value),
                ]
            )
        )
    elif proposal.status == "pending":
        out.append(ActionsBlock(elements=[_button("Withdraw", WITHDRAW_ACTION, value)]))
    elif proposal.status == "approved":
        out.append(ActionsBlock(elements=[_button("Mark completed", COMPLETE_ACTION, value)]))
    return kit.message(out, f"{headline} #{proposal.id} {proposal.title}")


def decision_headline(proposal: ProposalView, actor: str) -> str:
    """One line for the submitter: what just happened to their proposal."""
    who = mention(actor)
    if proposal.status == "pending":
        return f"{who} approved your proposal; it still needs another approval."
    return {
        "approved": f"Your proposal was approved (last approval by {who}).",
        "rejected": f"{who} rejected your proposal.",
        "changes_requested": f"{who} asked for changes to your proposal.",
        "withdrawn": "You withdrew your proposal.",
        "completed": f"{who} marked your proposal completed.",
    }.get(proposal.status, f"Your proposal is now {state_text(proposal.status)}.")


# ----------------------------------------------------------------------------- modals


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


def metric_options() -> list[Option]:
    """Every metric of the registry as a select option (no database work: trigger ids expire)."""
    return [Option(value=m.name, label=kit.clip(m.label, 75)) for m in METRICS][:100]


def proposal_modal(draft: ProposalDraft | None = None, proposal_id: int | None = None) -> dict:
    """The proposal form; with `proposal_id` it edits that proposal (private_metadata)."""
    draft = draft or ProposalDraft()
    options = metric_options()
    chosen = next((o for o in options if o.value == draft.impact_metric), None)
    blocks: list[Block] = [
        _input("title", "Title", _text("title", draft.title, placeholder="What you will do")),
        _input("problem", "Problem", _text("problem", draft.problem, multiline=True)),
        _input("plan", "Plan", _text("plan", draft.plan, multiline=True)),
        _input(
            "amount",
            "Amount",
            _text("amount", draft.amount, placeholder="e.g. 120,000 or 12w"),
            hint="Within what is left in the pool; 12k, 1.2w and 1.2万 work too.",
        ),
        _input(
            "impact_metric",
            "Expected impact: metric",
            StaticSelectElement(
                action_id="impact_metric",
                options=options,
                initial_option=chosen,
                placeholder="Pick a metric",
            ),
        ),
        _input(
            "impact_target",
            "Expected impact: target value",
            _text("impact_target", draft.impact_target, placeholder="e.g. 3.5 or 40%"),
        ),
        _input(
            "marketing_sponsor",
            "Marketing sponsor",
            UserSelectElement(
                action_id="marketing_sponsor", initial_user=draft.marketing_sponsor or None
            ),
        ),
        _input(
            "operations_sponsor",
            "Operations sponsor",
            UserSelectElement(
                action_id="operations_sponsor", initial_user=draft.operations_sponsor or None
            ),
        ),
        _input(
            "start_date",
            "Start date",
            DatePickerElement(action_id="start_date", initial_date=draft.start_date or None),
        ),
        _input(
            "end_date",
            "End date",
            DatePickerElement(action_id="end_date", initial_date=draft.end_date or None),
        ),
    ]
    return View(
        type="modal",
        callback_id=PROPOSAL_VIEW,
        title="Fund proposal" if proposal_id is None else f"Edit proposal #{proposal_id}",
        submit="Submit" if proposal_id is None else "Resubmit",
        close="Cancel",
        private_metadata=json.dumps({"id": proposal_id}) if proposal_id else "",
        blocks=blocks,
    ).to_dict()


def reason_modal(proposal_id: int, kind: str) -> dict[str, Any]:
    """Ask why a proposal is rejected ("reject") or what should change ("changes")."""
    reject = kind == "reject"
    return View(
        type="modal",
        callback_id=REASON_VIEW,
        title=f"Reject #{proposal_id}" if reject else f"Changes to #{proposal_id}",
        submit="Reject" if reject else "Send back",
        close="Cancel",
        private_metadata=json.dumps({"id": proposal_id, "kind": kind}),
        blocks=[
            _input(
                REASON_BLOCK,
                "Why is it rejected?" if reject else "What should change?",
                _text(REASON_BLOCK, multiline=True),
                hint="The submitter reads this in a DM.",
            )
        ],
    ).to_dict()


def completion_modal(proposal_id: int) -> dict[str, Any]:
    """Report an approved proposal's result: actual spend, the metric's value, a note."""
    return View(
        type="modal",
        callback_id=COMPLETION_VIEW,
        title=f"Complete #{proposal_id}",
        submit="Complete",
        close="Cancel",
        private_metadata=json.dumps({"id": proposal_id}),
        blocks=[
            _input(
                "actual_spend",
                "Actual spend",
                _text("actual_spend", placeholder="e.g. 95,000"),
                hint="What was really spent; the rest goes back to the pool.",
            ),
            _input(
                "metric_value",
                "The metric's value now",
                _text("metric_value", placeholder="e.g. 3.8 or 41%"),
                optional=True,
            ),
            _input("note", "Result", _text("note", multiline=True)),
        ],
    ).to_dict()


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (a refusal after the modal was already opened)."""
    return View(
        type="modal",
        title=kit.clip(title, 24),
        close="Close",
        blocks=[kit.section(text)],
    ).to_dict()


def loading_modal(title: str) -> dict[str, Any]:
    """Opened at once (trigger ids expire in 3 seconds), replaced when the data is read."""
    return notice_modal(title, ":hourglass_flowing_sand: One moment…")


# ----------------------------------------------------------------------------- lists


def _list_line(proposal: ProposalView, mode: str, currency: str) -> str:
    waiting = proposal.waiting_for(mode)
    tail = f" · waiting for {' and '.join(waiting)}" if waiting else ""
    return (
        f"*#{proposal.id}* {proposal.title} · {format_money(proposal.amount, currency)} · "
        f"{_state(proposal.status)}{tail} · {mention(proposal.submitter)}"
    )


def list_message(
    proposals: list[ProposalView], mode: str, currency: str, what: str = "Proposals"
) -> dict[str, Any]:
    """`/fund list`: one line per proposal, newest first."""
    if not proposals:
        return kit.message(
            [kit.section(f"{what}: none yet. `/fund propose` starts one.")], f"{what}: none"
        )
    lines = [f"*{what}* ({len(proposals)})"]
    lines += [_list_line(p, mode, currency) for p in proposals[:MAX_LISTED]]
    if len(proposals) > MAX_LISTED:
        lines.append(f"_…and {len(proposals) - MAX_LISTED} more; filter with status= or mine_")
    blocks: list[Block] = [*kit.lines_to_sections(lines)]
    blocks.append(kit.context("`/fund history ID` shows a proposal's audit trail"))
    return kit.message(blocks, "\n".join(lines))


def history_message(proposal: ProposalView, events: list[Event], mode: str) -> dict[str, Any]:
    """`/fund history ID`: the proposal and every transition (who, when, from, to, note)."""
    lines = [f"*History of #{proposal.id} {proposal.title}* · {_state(proposal.status)}"]
    for event in events:
        move = (
            f"{state_text(event.from_state)} → {state_text(event.to_state)}"
            if event.from_state and event.to_state and event.from_state != event.to_state
            else state_text(event.to_state or "")
        )
        line = f"• {event.at:%Y-%m-%d %H:%M} UTC · {mention(event.actor)} · {event.action} ({move})"
        if event.note:
            line += f": {event.note}"
        lines.append(line)
    lines.append(approval_line(proposal, mode))
    return kit.message(kit.lines_to_sections(lines), "\n".join(lines))


# ----------------------------------------------------------------------------- home, digest


def home_blocks(
    summary: FundSummary | None,
    year: int,
    awaiting: list[ProposalView],
    mine: list[ProposalView],
    mode: str,
    currency: str,
) -> list[Block]:
    """The App Home fund section: pool bar, proposals waiting for me, my proposals."""
    out: list[Block] = [kit.section(f"*Innovation fund {year}*")]
    out.append(kit.section(summary_text(summary, currency) if summary else no_budget_text(year)))
    out.append(ActionsBlock(elements=[_button("Propose", PROPOSE_ACTION, str(year), "primary")]))
    if awaiting:
        out.append(kit.section(f"*Waiting for your approval* ({len(awaiting)})"))
        for proposal in awaiting[:5]:
            value = str(proposal.id)
            out.append(kit.section(_list_line(proposal, mode, currency)))
            out.append(
                ActionsBlock(
                    block_id=f"fund_home_decide_{proposal.id}",
                    elements=[
                        _button("Approve", APPROVE_ACTION, value, "primary"),
                        _button("Reject", REJECT_ACTION, value, "danger"),
                        _button("Request changes", CHANGES_ACTION, value),
                    ],
                )
            )
    if mine:
        lines = ["*My proposals*", *(_list_line(p, mode, currency) for p in mine[:10])]
        out.extend(kit.lines_to_sections(lines))
        for proposal in mine[:5]:
            if proposal.status == "changes_requested":
                out.append(
                    ActionsBlock(
                        block_id=f"fund_home_edit_{proposal.id}",
                        elements=[
                            _button(f"Edit #{proposal.id}", EDIT_ACTION, str(proposal.id)),
                            _button(f"Withdraw #{proposal.id}", WITHDRAW_ACTION, str(proposal.id)),
                        ],
                    )
                )
    return out


def digest_lines(
    summary: FundSummary | None,
    year: int,
    pending: list[ProposalView],
    mode: str,
    currency: str,
) -> list[str]:
    """The digest's fund lines: the pool with its bar and up to five pending proposals."""
    if summary is None:
        return [no_budget_text(year)]
    lines = summary_text(summary, currency).split("\n")
    for proposal in pending[:5]:
        lines.append(_list_line(proposal, mode, currency))
    if len(pending) > 5:
        lines.append("_…more with `/fund list status=pending`_")
    lines.append("`/fund propose` to ask for money")
    return lines
