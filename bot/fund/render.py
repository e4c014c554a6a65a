"""The innovation fund as Block Kit: the pool with its bar, proposals, their modals and lists."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
)

from bot.core import blocks as kit
from bot.core.blocks import mention
from bot.core.i18n import DEFAULT_LANGUAGE, N_, Language, Words, words
from bot.core.money import format_money

# The modals live in bot/fund/modals.py; listeners find them here with the rest.
from bot.fund.modals import (
    COMPLETION_VIEW as COMPLETION_VIEW,
)
from bot.fund.modals import (
    PROPOSAL_VIEW as PROPOSAL_VIEW,
)
from bot.fund.modals import (
    REASON_BLOCK as REASON_BLOCK,
)
from bot.fund.modals import (
    REASON_VIEW as REASON_VIEW,
)
from bot.fund.modals import (
    completion_modal as completion_modal,
)
from bot.fund.modals import (
    loading_modal as loading_modal,
)
from bot.fund.modals import (
    metric_options as metric_options,
)
from bot.fund.modals import (
    notice_modal as notice_modal,
)
from bot.fund.modals import (
    proposal_modal as proposal_modal,
)
from bot.fund.modals import (
    reason_modal as reason_modal,
)
from bot.fund.views import Event, FundSummary, ProposalStatus, ProposalView
from bot.fund.wording import no_budget, state_text, team_text
from bot.metrics import find_metric, format_metric_value

# Buttons.
PROPOSE_ACTION = "fund_propose"
APPROVE_ACTION = "fund_approve"
REJECT_ACTION = "fund_reject"
CHANGES_ACTION = "fund_changes"
WITHDRAW_ACTION = "fund_withdraw"
EDIT_ACTION = "fund_edit"
COMPLETE_ACTION = "fund_complete"
BAR_WIDTH = 20
EN: Language = DEFAULT_LANGUAGE
STATE_LABELS: dict[ProposalStatus, str] = {
    "pending": N_(":hourglass_flowing_sand: Pending"),
    "approved": N_(":white_check_mark: Approved"),
    "rejected": N_(":x: Rejected"),
    "changes_requested": N_(":pencil2: Changes requested"),
    "withdrawn": N_(":leftwards_arrow_with_hook: Withdrawn"),
    "completed": N_(":checkered_flag: Completed"),
}
# What each audit-trail action is called in /fund history.
ACTION_WORDS = {
    "submitted": N_("submitted"),
    "resubmitted": N_("resubmitted"),
    "approval": N_("approval"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "changes_requested": N_("changes requested"),
    "withdrawn": N_("withdrawn"),
    "completed": N_("completed"),
}
MAX_LISTED = 20


def _state(status: ProposalStatus, t: Words) -> str:
    return t._(STATE_LABELS.get(status, status))


def _team(team: str, t: Words) -> str:
    return t.say(team_text(team)).capitalize()


def _metric_label(name: str, t: Words) -> str:
    metric = find_metric(name)
    return t._(metric.label) if metric else name


def _target_text(name: str, target: float, currency: str, language: Language) -> str:
    metric = find_metric(name)
    if metric is None:
        return f"{target:g}"
    return format_metric_value(target, metric, currency, None, language)


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=value, style=style)


# ----------------------------------------------------------------------------- the pool


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """A text bar: "[██████░░░░░░░░░░░░░░] 33%" for a share of 0.33."""
    share = min(max(share, 0.0), 1.0)
    filled = round(share * width)
    return f"[{'█' * filled}{'░' * (width - filled)}] {round(share * 100)}%"


def summary_text(summary: FundSummary, currency: str, language: Language = EN) -> str:
    """The pool in two lines: the numbers, then the bar of what is approved."""

    def money(amount: float) -> str:
        return format_money(amount, currency, language=language)

    line = words(language)._(
        "Pool {year}: {pool} · approved {approved} · pending {pending} · remaining {remaining}",
        year=summary.year,
        pool=money(summary.pool),
        approved=money(summary.approved),
        pending=money(summary.pending),
        remaining=money(summary.remaining),
    )
    return f"{line}\n{bar(summary.used_share)}"


def no_budget_text(year: int, language: Language = EN) -> str:
    """What the fund says before an admin sets the year's budget."""
    return no_budget(year).say(language)


def summary_blocks(
    summary: FundSummary | None,
    year: int,
    currency: str,
    *,
    propose: bool = True,
    language: Language = EN,
) -> list[Block]:
    """The pool of `year` with its bar, and the Propose button."""
    t = words(language)
    out: list[Block] = [kit.header(t._("Innovation fund {year}", year=year))]
    if summary is None:
        out.append(kit.section(no_budget_text(year, language)))
        return out
    out.append(kit.section(summary_text(summary, currency, language)))
    budget = format_money(summary.budget, currency, language=language)
    out.append(
        kit.context(
            t._("{share:g}% of the {budget} growth budget", share=summary.pool_pct, budget=budget),
            t._("{count} pending proposal(s)", count=summary.pending_count),
            "`/fund list` · `/fund propose`",
        )
    )
    if propose:
        button = _button(t._("Propose"), PROPOSE_ACTION, str(year), "primary")
        out.append(ActionsBlock(elements=[button]))
    return out


def summary_message(
    summary: FundSummary | None, year: int, currency: str, language: Language = EN
) -> dict[str, Any]:
    """`/fund`: the pool, approved, pending and remaining, with a bar."""
    text = summary_text(summary, currency, language) if summary else no_budget_text(year, language)
    return kit.message(summary_blocks(summary, year, currency, language=language), text)


def budget_set_message(
    summary: FundSummary, currency: str, language: Language = EN
) -> dict[str, Any]:
    """The answer to `/fund budget`: the new pool."""
    head = words(language)._(
        "The {year} growth budget is {budget}; the fund's pool is {share:g}% of it.",
        year=summary.year,
        budget=format_money(summary.budget, currency, language=language),
        share=summary.pool_pct,
    )
    pool = summary_text(summary, currency, language)
    return kit.message([kit.section(head), kit.section(pool)], f"{head}\n{pool}")


# ----------------------------------------------------------------------------- a proposal


def approval_line(proposal: ProposalView, mode: str, language: Language = EN) -> str:
    """Who approved and what is still needed, or how it ended."""
    t = words(language)
    approvals = [
        f":white_check_mark: {_team(a.team, t)}: {mention(a.user_id)}" for a in proposal.approvals
    ]
    waiting = proposal.waiting_for(mode)
    if proposal.status == "pending":
        needed = [t._(":hourglass: {team}: waiting", team=_team(team, t)) for team in waiting]
        return " · ".join(approvals + needed)
    event = proposal.last_event
    who = mention(event.actor) if event else t._("someone")
    note = event.note if event and event.note else ""
    if proposal.status in ("approved", "completed"):
        approvers = t.join([mention(a.user_id) for a in proposal.approvals]) or who
        line = t._("Approved by {people}", people=approvers)
        if proposal.status == "completed":
            line += t._("; completed by {person}", person=who)
        return line
    if proposal.status == "rejected":
        return t._("Rejected by {person}: {note}", person=who, note=note).rstrip(": ")
    if proposal.status == "changes_requested":
        return t._("Changes requested by {person}: {note}", person=who, note=note).rstrip(": ")
    return t._("Withdrawn by the submitter")


def _decision_buttons(proposal: ProposalView, block_id: str, t: Words) -> ActionsBlock:
    value = str(proposal.id)
    return ActionsBlock(
        block_id=block_id,
        elements=[
            _button(t._("Approve"), APPROVE_ACTION, value, "primary"),
            _button(t._("Reject"), REJECT_ACTION, value, "danger"),
            _button(t._("Request changes"), CHANGES_ACTION, value),
        ],
    )


def proposal_blocks(
    proposal: ProposalView,
    mode: str,
    currency: str,
    *,
    buttons: bool = True,
    language: Language = EN,
) -> list[Block]:
    """A proposal: what, how much, expected impact, who, its state and the decision buttons."""
    t = words(language)
    out: list[Block] = [kit.header(f"#{proposal.id} {proposal.title}")]
    amount = format_money(proposal.amount, currency, language=language)
    target = _target_text(proposal.impact_metric, proposal.impact_target, currency, language)
    out.append(
        kit.section(
            "",
            fields=[
                t._("*Amount*\n{amount} from the {year} pool", amount=amount, year=proposal.year),
                t._("*State*\n{state}", state=_state(proposal.status, t)),
                t._(
                    "*Expected impact*\n{metric} → {target}",
                    metric=_metric_label(proposal.impact_metric, t),
                    target=target,
                ),
                t._(
                    "*Timeline*\n{start} to {end}",
                    start=proposal.start_date.isoformat(),
                    end=proposal.end_date.isoformat(),
                ),
                t._("*Marketing sponsor*\n{person}", person=mention(proposal.marketing_sponsor)),
                t._("*Operations sponsor*\n{person}", person=mention(proposal.operations_sponsor)),
            ],
        )
    )
    out.append(kit.section(t._("*Problem*\n{text}", text=proposal.problem)))
    out.append(kit.section(t._("*Plan*\n{text}", text=proposal.plan)))
    if proposal.result_note:
        out.append(kit.section(t._("*Result*\n{text}", text=proposal.result_note)))
    out.append(kit.section(approval_line(proposal, mode, language)))
    out.append(
        kit.context(
            t._(
                "Submitted by {person} · `/fund history {id}`",
                person=mention(proposal.submitter),
                id=proposal.id,
            )
        )
    )
    if buttons and proposal.status == "pending":
        out.append(_decision_buttons(proposal, f"fund_decide_{proposal.id}", t))
    elif buttons and proposal.status == "approved":
        done = _button(t._("Mark completed"), COMPLETE_ACTION, str(proposal.id))
        out.append(ActionsBlock(block_id=f"fund_done_{proposal.id}", elements=[done]))
    return out


def proposal_text(proposal: ProposalView, currency: str, language: Language = EN) -> str:
    """The notification text of a proposal message (mentions the people involved)."""
    t = words(language)
    return t._(
        "Proposal #{id} {title}: {amount}, {state} · submitted by {submitter}, sponsors "
        "{marketing} and {operations}",
        id=proposal.id,
        title=proposal.title,
        amount=format_money(proposal.amount, currency, language=language),
        state=state_text(proposal.status),
        submitter=mention(proposal.submitter),
        marketing=mention(proposal.marketing_sponsor),
        operations=mention(proposal.operations_sponsor),
    )


def proposal_message(
    proposal: ProposalView, mode: str, currency: str, language: Language = EN
) -> dict[str, Any]:
    """The fund-channel message of a proposal, updated in place as it is decided."""
    blocks = proposal_blocks(proposal, mode, currency, language=language)
    return kit.message(blocks, proposal_text(proposal, currency, language))


def submitter_message(
    proposal: ProposalView, headline: str, mode: str, currency: str, language: Language = EN
) -> dict[str, Any]:
    """The DM to the submitter after a decision, with what they can do next."""
    t = words(language)
    amount = format_money(proposal.amount, currency, language=language)
    state = _state(proposal.status, t)
    out: list[Block] = [
        kit.section(f"*{t.say(headline)}*"),
        kit.section(
            f"#{proposal.id} {proposal.title} · {amount} · {state}\n"
            + approval_line(proposal, mode, language)
        ),
    ]
    value = str(proposal.id)
    if proposal.status == "changes_requested":
        out.append(
            ActionsBlock(
                elements=[
                    _button(t._("Edit and resubmit"), EDIT_ACTION, value, "primary"),
                    _button(t._("Withdraw"), WITHDRAW_ACTION, value),
                ]
            )
        )
    elif proposal.status == "pending":
        out.append(ActionsBlock(elements=[_button(t._("Withdraw"), WITHDRAW_ACTION, value)]))
    elif proposal.status == "approved":
        done = _button(t._("Mark completed"), COMPLETE_ACTION, value)
        out.append(ActionsBlock(elements=[done]))
    return kit.message(out, f"{t.say(headline)} #{proposal.id} {proposal.title}")


def decision_headline(proposal: ProposalView, actor: str, language: Language = EN) -> str:
    """One line for the submitter: what just happened to their proposal."""
    t = words(language)
    who = mention(actor)
    if proposal.status == "pending":
        return t._("{person} approved your proposal; it still needs another approval.", person=who)
    if proposal.status == "approved":
        return t._("Your proposal was approved (last approval by {person}).", person=who)
    if proposal.status == "rejected":
        return t._("{person} rejected your proposal.", person=who)
    if proposal.status == "changes_requested":
        return t._("{person} asked for changes to your proposal.", person=who)
    if proposal.status == "withdrawn":
        return t._("You withdrew your proposal.")
    if proposal.status == "completed":
        return t._("{person} marked your proposal completed.", person=who)
    return t._("Your proposal is now {state}.", state=state_text(proposal.status))


# ----------------------------------------------------------------------------- lists


def _list_line(proposal: ProposalView, mode: str, currency: str, t: Words) -> str:
    waiting = [t.say(team_text(team)) for team in proposal.waiting_for(mode)]
    tail = " · " + t._("waiting for {teams}", teams=t.join(waiting)) if waiting else ""
    amount = format_money(proposal.amount, currency, language=t.language)
    return (
        f"*#{proposal.id}* {proposal.title} · {amount} · "
        f"{_state(proposal.status, t)}{tail} · {mention(proposal.submitter)}"
    )


def list_message(
    proposals: list[ProposalView],
    mode: str,
    currency: str,
    what: str = N_("Proposals"),
    language: Language = EN,
) -> dict[str, Any]:
    """`/fund list`: one line per proposal, newest first."""
    t = words(language)
    what = t.say(what)
    if not proposals:
        none = t._("{what}: none yet. `/fund propose` starts one.", what=what)
        return kit.message([kit.section(none)], t._("{what}: none", what=what))
    lines = [f"*{what}* ({len(proposals)})"]
    lines += [_list_line(p, mode, currency, t) for p in proposals[:MAX_LISTED]]
    if len(proposals) > MAX_LISTED:
        more = len(proposals) - MAX_LISTED
        lines.append(t._("_…and {count} more; filter with status= or mine_", count=more))
    blocks: list[Block] = [*kit.lines_to_sections(lines)]
    blocks.append(kit.context(t._("`/fund history ID` shows a proposal's audit trail")))
    return kit.message(blocks, "\n".join(lines))


def history_message(
    proposal: ProposalView, events: list[Event], mode: str, language: Language = EN
) -> dict[str, Any]:
    """`/fund history ID`: the proposal and every transition (who, when, from, to, note)."""
    t = words(language)
    lines = [
        t._(
            "*History of #{id} {title}* · {state}",
            id=proposal.id,
            title=proposal.title,
            state=_state(proposal.status, t),
        )
    ]
    for event in events:
        if event.from_state and event.to_state and event.from_state != event.to_state:
            move = f"{t.say(state_text(event.from_state))} → {t.say(state_text(event.to_state))}"
        else:
            move = t.say(state_text(event.to_state or "")) if event.to_state else ""
        action = t._(ACTION_WORDS.get(event.action, event.action))
        line = f"• {event.at:%Y-%m-%d %H:%M} UTC · {mention(event.actor)} · {action} ({move})"
        if event.note:
            line += f": {event.note}"
        lines.append(line)
    lines.append(approval_line(proposal, mode, language))
    return kit.message(kit.lines_to_sections(lines), "\n".join(lines))


# ----------------------------------------------------------------------------- home, digest


def home_blocks(
    summary: FundSummary | None,
    year: int,
    awaiting: list[ProposalView],
    mine: list[ProposalView],
    mode: str,
    currency: str,
    language: Language = EN,
) -> list[Block]:
    """The App Home fund section: pool bar, proposals waiting for me, my proposals."""
    t = words(language)
    out: list[Block] = [kit.section(t._("*Innovation fund {year}*", year=year))]
    pool = summary_text(summary, currency, language) if summary else no_budget_text(year, language)
    out.append(kit.section(pool))
    propose = _button(t._("Propose"), PROPOSE_ACTION, str(year), "primary")
    out.append(ActionsBlock(elements=[propose]))
    if awaiting:
        out.append(kit.section(t._("*Waiting for your approval* ({count})", count=len(awaiting))))
        for proposal in awaiting[:5]:
            out.append(kit.section(_list_line(proposal, mode, currency, t)))
            out.append(_decision_buttons(proposal, f"fund_home_decide_{proposal.id}", t))
    if mine:
        lines = [t._("*My proposals*"), *(_list_line(p, mode, currency, t) for p in mine[:10])]
        out.extend(kit.lines_to_sections(lines))
        for proposal in mine[:5]:
            if proposal.status == "changes_requested":
                value = str(proposal.id)
                out.append(
                    ActionsBlock(
                        block_id=f"fund_home_edit_{proposal.id}",
                        elements=[
                            _button(t._("Edit #{id}", id=proposal.id), EDIT_ACTION, value),
                            _button(t._("Withdraw #{id}", id=proposal.id), WITHDRAW_ACTION, value),
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
    language: Language = EN,
) -> list[str]:
    """The digest's fund lines: the pool with its bar and up to five pending proposals."""
    t = words(language)
    if summary is None:
        return [no_budget_text(year, language)]
    lines = summary_text(summary, currency, language).split("\n")
    for proposal in pending[:5]:
        lines.append(_list_line(proposal, mode, currency, t))
    if len(pending) > 5:
        lines.append(t._("_…more with `/fund list status=pending`_"))
    lines.append(t._("`/fund propose` to ask for money"))
    return lines
