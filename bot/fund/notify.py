"""How fund changes reach Slack: the proposal's fund-channel message, posted once and then
updated in place, and the submitter's DM. Slack calls run after the ledger has committed, so a
failing call never loses a decision: it is logged, and the person who acted is told.

The fund-channel message is reserved in bot.core.outbox ("proposal:ID"), so it goes out once
whatever Slack answers and whoever publishes it; a DM is posted once per decision
(bot.core.posting). Updates in place converge on the latest state: after each chat.update the
proposal is read again and, if a decision landed meanwhile, updated once more, so two
decisions a moment apart cannot leave the older one showing.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.core import outbox
from bot.core.context import Context
from bot.core.i18n import Msg
from bot.core.posting import Tag, Uncertain, error_code, post_once
from bot.fund import render
from bot.fund.ledger import set_message
from bot.fund.reading import get_proposal
from bot.fund.views import Outcome, ProposalView

log = logging.getLogger(__name__)

PROPOSAL_EVENT = "fund_proposal"
DM_EVENT = "fund_dm"
# Rounds of "update, read again" before giving up on a proposal changing that fast.
UPDATE_ROUNDS = 3


def _message(ctx: Context, proposal: ProposalView) -> dict[str, Any]:
    settings = ctx.settings
    # The fund channel is everyone's: its message is in the workspace's language.
    return render.proposal_message(
        proposal, settings.fund_approval, settings.currency, settings.language
    )


def _update(client: WebClient, ctx: Context, channel: str, ts: str, proposal_id: int) -> None:
    """Show the proposal's latest state in its message (repeated until it stays current)."""
    message = None
    for _ in range(UPDATE_ROUNDS):
        latest = _message(ctx, get_proposal(ctx, proposal_id))
        if latest == message:
            return
        client.chat_update(channel=channel, ts=ts, **latest)
        message = latest


def publish(client: WebClient, ctx: Context, proposal: ProposalView) -> str | None:
    """Post the proposal to the fund channel once, or update its message there; a problem or
    None."""
    channel = ctx.settings.fund_channel
    try:
        if proposal.channel and proposal.message_ts:
            _update(client, ctx, proposal.channel, proposal.message_ts, proposal.id)
            return None
        sent = outbox.send_once(
            ctx.db,
            client,
            ctx.workspace_id,
            f"proposal:{proposal.id}",
            channel,
            _message(ctx, proposal),
            Tag(PROPOSAL_EVENT, {"workspace": ctx.workspace_id, "proposal": str(proposal.id)}),
            ctx.clock.now(),
            worker=outbox.worker_name(),
        )
        if sent.ts is not None and sent.channel is not None:
            set_message(ctx, proposal.id, sent.channel, sent.ts)
            if sent.status != "posted":
                # Posted earlier (found or recorded): it may show an older state.
                _update(client, ctx, sent.channel, sent.ts, proposal.id)
            return None
    except Exception as error:  # noqa: BLE001 (the decision is saved; Slack only shows it)
        log.exception("Could not show proposal #%s in %s", proposal.id, channel)
        return Msg(
            "the message in {channel} could not be updated ({code})",
            channel=channel,
            code=error_code(error),
        )
    log.error("proposal #%s not posted to %s: %s %s", proposal.id, channel, sent.status, sent.error)
    if sent.status in ("uncertain", "still_uncertain"):
        return Msg(
            "whether its message reached {channel} could not be checked ({error}), so it is "
            "not posted again",
            channel=channel,
            error=str(sent.error),
        )
    if sent.status == "busy":
        return Msg("its message in {channel} is being posted by another process", channel=channel)
    return Msg(
        "the message in {channel} could not be posted ({error})",
        channel=channel,
        error=str(sent.error),
    )


def dm_submitter(
    client: WebClient, ctx: Context, proposal: ProposalView, headline: str
) -> str | None:
    """Tell the submitter what happened to their proposal (once); a problem or None."""
    settings = ctx.settings
    # The submitter reads it in the workspace's language (their own is not known here).
    message = render.submitter_message(
        proposal, headline, settings.fund_approval, settings.currency, settings.language
    )
    event = proposal.last_event
    what = f"{event.action}@{event.at.isoformat()}" if event else proposal.status
    tag = Tag(
        DM_EVENT,
        {"workspace": ctx.workspace_id, "proposal": str(proposal.id), "event": what},
    )
    try:
        post_once(client, proposal.submitter, message, tag)
    except Uncertain as why:
        log.error(
            "A DM to %s about #%s may not have arrived: %s", proposal.submitter, proposal.id, why
        )
        return Msg("whether the submitter got the DM could not be checked")
    except Exception:  # noqa: BLE001 (the decision is saved; the DM is a courtesy)
        log.exception("Could not DM %s about proposal #%s", proposal.submitter, proposal.id)
        return Msg("the submitter could not be sent a DM")
    return None


def after_decision(client: WebClient, ctx: Context, outcome: Outcome, *, dm: bool = True) -> str:
    """Update the fund channel and DM the submitter; the note for the person who acted, with
    any problem."""
    t = ctx.words
    proposal = outcome.proposal
    problems = [publish(client, ctx, proposal)]
    if dm and proposal.submitter != ctx.actor:
        language = ctx.settings.language
        headline = render.decision_headline(proposal, ctx.actor or "", language)
        problems.append(dm_submitter(client, ctx, proposal, headline))
    found = [t.say(p) for p in problems if p]
    if not found:
        return t.say(outcome.message)
    return t._(
        "{message} (Saved, but {problems}; it is logged.)",
        message=t.say(outcome.message),
        problems=t.join(found),
    )


def after_submission(client: WebClient, ctx: Context, proposal: ProposalView, edited: bool) -> str:
    """Show a new or resubmitted proposal in the fund channel (and DM the submitter about an
    edit); the note for the submitter."""
    t = ctx.words
    problem = publish(client, ctx, proposal)
    if edited:
        headline = Msg("Your proposal is resubmitted; approvals start over.")
        dm_submitter(client, ctx, proposal, headline.say(ctx.settings.language))
    if problem:
        return t._(
            "Proposal #{id} is saved, but {problem}; it is logged.",
            id=proposal.id,
            problem=t.say(problem),
        )
    return t._(
        "Proposal #{id} is in {channel}, waiting for approval.",
        id=proposal.id,
        channel=ctx.settings.fund_channel,
    )
