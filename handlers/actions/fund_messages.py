"""Listener builders the fund's buttons share (not a listener itself): a decision applied at
once (approve, withdraw), and a decision that first asks for a reason (reject, changes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot import fund
from bot.core.context import Context
from bot.fund import render
from bot.fund.notify import after_decision
from bot.slack.listener import after_ack, button_number, clicked_once, context_of, tell

Decide = Callable[[Context, int], fund.Outcome]


def decision_listener(decide: Decide, *, dm: bool) -> Callable[..., None]:
    """A button listener that applies one ledger decision (approve, withdraw) and reports it,
    once per click (a replayed click changes and says nothing more)."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        ctx = context_of(body, context, client)

        def answer() -> None:
            proposal_id = button_number(action.get("value"))
            if proposal_id is None:
                note = ctx.words._("That button does not name a proposal.")
                tell(note, ctx=ctx, client=client, respond=respond, body=body)
                return
            try:
                outcome = clicked_once(ctx, body, action, lambda c: decide(c, proposal_id))
            except fund.FundError as refused:
                note = ctx.words.say(refused)
            else:
                if outcome is None:  # a replayed click: decided and told already
                    return
                note = after_decision(client, ctx, outcome, dm=dm)
            tell(note, ctx=ctx, client=client, respond=respond, body=body)

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
        proposal_id = button_number(action.get("value"))
        if proposal_id is None:
            return
        ctx = context_of(body, context, client)
        form = render.reason_modal(proposal_id, kind, ctx.first_lang)
        opened = client.views_open(trigger_id=body["trigger_id"], view=form)

        def check() -> None:
            problem = fund.refusal(ctx, proposal_id, "decide")
            if problem:
                view = opened["view"]
                client.views_update(
                    view_id=view["id"],
                    hash=view.get("hash"),
                    view=render.notice_modal(title, problem, ctx.lang),
                )

        after_ack(check, body, None)

    return listener
