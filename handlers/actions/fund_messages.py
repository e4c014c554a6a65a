"""How fund changes reach Slack: the fund-channel message in place, the submitter's DM, the
clicker's private note. Not a listener; the fund's action and view listeners share it.

Slack calls run after the ledger has committed, so a failing call never loses a decision:
it is logged and the person who acted is told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import Invocation
from bot.core.clock import Clock
from bot.core.db import Database
from bot.core.render import text_message
from bot.core.settings import Settings
from bot.fund import ledger as fund
from bot.fund import render
from bot.slack.listener import after_ack, invocation

log = logging.getLogger(__name__)


def proposal_id_of(value: str | None) -> int | None:
    """The proposal id a button or a modal carries (None when it is not one)."""
    text = str(value or "").strip().lstrip("#")
    return int(text) if text.isdigit() else None


def tell(
    text: str,
    *,
    asked: Invocation,
    client: WebClient,
    respond: Respond | None,
    body: dict[str, Any],
) -> None:
    """A private note to the person who acted: in the channel they clicked in, else a DM."""
    message = text_message(text)
    try:
        if respond is not None and body.get("response_url"):
            respond(**message, response_type="ephemeral", replace_original=False)
        elif asked.user_id:
            client.chat_postMessage(channel=asked.user_id, **message)
    except Exception:  # noqa: BLE001 (nothing else to do but log)
        log.exception("Could not tell %s: %s", asked.user_id, text)


def publish(client: WebClient, asked: Invocation, proposal: fund.ProposalView) -> str | None:
    """Post the proposal to the fund channel, or update its message there; a problem or None."""
    settings = asked.settings
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
    fund.set_message(asked.db, proposal.id, posted["channel"], posted["ts"])
    return None


def dm_submitter(
    client: WebClient, asked: Invocation, proposal: fund.ProposalView, headline: str
) -> str | None:
    """Tell the submitter what happened to their proposal; a problem or None."""
    settings = asked.settings
    message = render.submitter_message(
        proposal, headline, settings.fund_approval, settings.currency
    )
    try:
        client.chat_postMessage(channel=proposal.submitter, **message)
    except Exception:  # noqa: BLE001 (the decision is saved; the DM is a courtesy)
        log.exception("Could not DM %s about proposal #%s", proposal.submitter, proposal.id)
        return "the submitter could not be sent a DM"
    return None


def after_decision(
    client: WebClient, asked: Invocation, outcome: fund.Outcome, *, dm: bool = True
) -> str:
    """Update the fund channel and DM the submitter; the clicker's note, with any problem."""
    proposal = outcome.proposal
    problems = [publish(client, asked, proposal)]
    if dm and proposal.submitter != asked.user_id:
        headline = render.decision_headline(proposal, asked.user_id or "", outcome.final)
        problems.append(dm_submitter(client, asked, proposal, headline))
    found = [p for p in problems if p]
    if not found:
        return outcome.message
    return f"{outcome.message} (Saved, but {' and '.join(found)}; it is logged.)"


Decide = Callable[[Database, Settings, str, int, str, Clock], fund.Outcome]


def decision_listener(decide: Decide, *, dm: bool) -> Callable[..., None]:
    """A button listener that applies one ledger decision (approve, withdraw) and reports it."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        asked = invocation(body, context)

        def answer() -> None:
            proposal_id = proposal_id_of(action.get("value"))
            if proposal_id is None:
                note = "That button does not name a proposal."
            else:
                try:
                    outcome = decide(
                        asked.db,
                        asked.settings,
                        asked.workspace_id,
                        proposal_id,
                        asked.user_id or "",
                        asked.clock,
                    )
                except fund.FundError as refused:
                    note = str(refused)
                else:
                    note = after_decision(client, asked, outcome, dm=dm)
            tell(note, asked=asked, client=client, respond=respond, body=body)

        after_ack(answer, body, respond)

    return listener


def reason_listener(kind: str, title: str) -> Callable[..., None]:
    """A button listener that opens the reason modal (reject, request changes) for a proposal.

    The modal opens first (trigger ids expire); it is replaced by a notice if the clicker may
    not decide."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        proposal_id = proposal_id_of(action.get("value"))
        if proposal_id is None:
            return
        opened = client.views_open(
            trigger_id=body["trigger_id"], view=render.reason_modal(proposal_id, kind)
        )

        def check() -> None:
            asked = invocation(body, context)
            problem = fund.refusal(
                asked.db, asked.workspace_id, proposal_id, asked.user_id or "", "decide"
            )
            if problem:
                view = opened["view"]
                client.views_update(
                    view_id=view["id"],
                    hash=view.get("hash"),
                    view=render.notice_modal(title, problem),
                )

        after_ack(check, body, None)

    return listener
