"""How fund changes reach Slack: the proposal's fund-channel message, posted once and then
updated in place, and the submitter's DM. Slack calls run after the ledger has committed, so a
failing call never loses a decision: it is logged, and the person who acted is told."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.context import Context
from bot.fund import render
from bot.fund.ledger import set_message
from bot.fund.views import Outcome, ProposalView

log = logging.getLogger(__name__)


def publish(client: WebClient, ctx: Context, proposal: ProposalView) -> str | None:
    """Post the proposal to the fund channel, or update its message there; a problem or None."""
    settings = ctx.settings
    message = render.proposal_message(proposal, settings.fund_approval, settings.currency)
    try:
        if proposal.channel and proposal.message_ts:
            client.chat_update(channel=proposal.channel, ts=proposal.message_ts, **message)
            return None
        posted = client.chat_postMessage(channel=settings.fund_channel, **message)
    except Exception as error:  # noqa: BLE001 (the decision is saved; Slack only shows it)
        log.exception("Could not show proposal #%s in %s", proposal.id, settings.fund_channel)
        response = getattr(error, "response", None)
        code = response.get("error") if isinstance(error, SlackApiError) and response else "error"
        return f"the message in {settings.fund_channel} could not be updated ({code})"
    set_message(ctx, proposal.id, posted["channel"], posted["ts"])
    return None


def dm_submitter(
    client: WebClient, ctx: Context, proposal: ProposalView, headline: str
) -> str | None:
    """Tell the submitter what happened to their proposal; a problem or None."""
    settings = ctx.settings
    message = render.submitter_message(
        proposal, headline, settings.fund_approval, settings.currency
    )
    try:
        client.chat_postMessage(channel=proposal.submitter, **message)
    except Exception:  # noqa: BLE001 (the decision is saved; the DM is a courtesy)
        log.exception("Could not DM %s about proposal #%s", proposal.submitter, proposal.id)
        return "the submitter could not be sent a DM"
    return None


def after_decision(client: WebClient, ctx: Context, outcome: Outcome, *, dm: bool = True) -> str:
    """Update the fund channel and DM the submitter; the note for the person who acted, with
    any problem."""
    proposal = outcome.proposal
    problems = [publish(client, ctx, proposal)]
    if dm and proposal.submitter != ctx.actor:
        headline = render.decision_headline(proposal, ctx.actor or "")
        problems.append(dm_submitter(client, ctx, proposal, headline))
    found = [p for p in problems if p]
    if not found:
        return outcome.message
    return f"{outcome.message} (Saved, but {' and '.join(found)}; it is logged.)"


def after_submission(client: WebClient, ctx: Context, proposal: ProposalView, edited: bool) -> str:
    """Show a new or resubmitted proposal in the fund channel (and DM the submitter about an
    edit); the note for the submitter."""
    problem = publish(client, ctx, proposal)
    if edited:
        dm_submitter(client, ctx, proposal, "Your proposal is resubmitted; approvals start over.")
    if problem:
        return f"Proposal #{proposal.id} is saved, but {problem}; it is logged."
    return f"Proposal #{proposal.id} is in {ctx.settings.fund_channel}, waiting for approval."
