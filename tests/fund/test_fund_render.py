"""The fund's Block Kit: limits hold with the longest input, the bar, Home and digest sections."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot import fund
from bot.core import blocks as kit
from bot.core.db import Database
from bot.core.settings import Settings
from bot.fund import render, wording
from tests.fund.fund_helpers import (
    ADMIN,
    MKT1,
    MSPONSOR,
    OPS1,
    OSPONSOR,
    START,
    SUBMITTER,
    WS,
    YEAR,
    as_,
    draft,
    make_team,
    with_budget,
)
from tests.slack_requests import app_home_opened


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.0, "[░░░░░░░░░░░░░░░░░░░░] 0%"),
        (1 / 3, "[███████░░░░░░░░░░░░░] 33%"),
        (1.0, "[████████████████████] 100%"),
        (1.7, "[████████████████████] 100%"),
    ],
)
def test_bar(share: float, expected: str) -> None:
    assert render.bar(share) == expected


def test_the_longest_proposal_fits_slack_limits(db: Database, settings: Settings) -> None:
    make_team(db)
    with_budget(db, settings)
    longest = draft(title="T" * 200, problem="p" * 3000, plan="q" * 3000)
    proposal = fund.submit_proposal(as_(db, settings, SUBMITTER), longest)
    fund.request_changes(as_(db, settings, OPS1), proposal.id, "r" * 3000)
    proposal = fund.get_proposal(as_(db, settings, None), proposal.id)
    message = render.proposal_message(proposal, "two-key", "CNY")
    assert len(message["blocks"]) <= kit.MAX_MESSAGE_BLOCKS
    assert len(message["text"]) <= kit.MAX_MESSAGE_TEXT
    for block in message["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= (kit.MAX_HEADER_TEXT if block["type"] == "header" else 3000)
    modal = render.proposal_modal(fund.ProposalDraft.of(proposal), proposal.id)
    assert len(modal["title"]["text"]) <= 24 and len(modal["blocks"]) <= kit.MAX_MODAL_BLOCKS
    many = [proposal] * 60
    listed = render.list_message(many, "two-key", "CNY")
    assert len(listed["blocks"]) <= kit.MAX_MESSAGE_BLOCKS and "and 40 more" in json.dumps(listed)


def test_digest_lines(db: Database, settings: Settings) -> None:
    assert fund.digest_lines(as_(db, settings, None)) == [render.no_budget_text(YEAR - 1)]
    make_team(db)
    fund.set_budget(as_(db, settings, ADMIN), YEAR - 1, "10m")
    fund.submit_proposal(
        as_(db, settings, SUBMITTER),
        draft(start_date=f"{YEAR - 1}-11-10", end_date=f"{YEAR - 1}-12-10"),
    )
    lines = fund.digest_lines(as_(db, settings, None))
    assert lines[0].startswith(f"Pool {YEAR - 1}: ¥1,500,000 · approved ¥0 · pending ¥200,000")
    assert any("waiting for marketing and operations" in line for line in lines)


def test_home_shows_the_pool_and_what_waits_for_me(slack_env: Any) -> None:
    make_team(slack_env.db)
    fund.set_budget(slack_env.context(ADMIN), 2026, "12m")
    proposal = fund.submit_proposal(
        slack_env.context(SUBMITTER), draft(start_date="2026-11-10", end_date="2026-12-10")
    )
    fund.approve(slack_env.context(OPS1), proposal.id)
    slack_env.send(app_home_opened(MKT1))
    slack_env.send(app_home_opened(SUBMITTER))
    published = slack_env.fake.wait_for("views.publish", count=2)
    by_user = {call.params["user_id"]: json.dumps(call.params["view"]) for call in published}
    approver_home, submitter_home = by_user[MKT1], by_user[SUBMITTER]
    assert (
        "Pool 2026: \\u00a51,800,000" in approver_home or "Pool 2026: ¥1,800,000" in approver_home
    )
    assert "Waiting for your approval" in approver_home
    assert render.APPROVE_ACTION in approver_home
    assert "Waiting for your approval" not in submitter_home
    assert "My proposals" in submitter_home and render.APPROVE_ACTION not in submitter_home
    assert render.PROPOSE_ACTION in submitter_home


def _view(status: str, approvers: tuple[str, ...], actor: str | None) -> fund.ProposalView:
    at = START.replace(tzinfo=None)
    return fund.ProposalView(
        id=7,
        workspace_id=WS,
        year=YEAR,
        title="T",
        problem="P",
        plan="Q",
        amount=1000,
        impact_metric="retention",
        impact_target=0.35,
        marketing_sponsor=MSPONSOR,
        operations_sponsor=OSPONSOR,
        submitter=SUBMITTER,
        start_date=date(YEAR, 1, 10),
        end_date=date(YEAR, 3, 31),
        status=status,  # type: ignore[arg-type]
        channel=None,
        message_ts=None,
        actual_spend=None,
        result_note=None,
        created_at=at,
        approvals=tuple(fund.Approval("marketing", who, at) for who in approvers),
        last_event=fund.Event(actor, at, status, "pending", status, None) if actor else None,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("status", "approvers", "actor", "says"),
    [
        ("approved", ("U1", "U2"), "U2", "Already approved by <@U1> and <@U2>."),
        ("approved", ("U1", "U2", "U3"), "U3", "Already approved by <@U1>, <@U2> and <@U3>."),
        ("approved", (), None, "Already approved by someone."),
        ("completed", ("U1",), "U9", "Already approved by <@U1> and completed."),
        ("rejected", (), "U4", "Already rejected by <@U4>."),
        (
            "changes_requested",
            (),
            "U5",
            "Changes were already requested by <@U5>; the submitter can edit and resubmit.",
        ),
        ("withdrawn", (), SUBMITTER, "The submitter withdrew this proposal."),
        ("pending", (), None, "This proposal is pending."),
    ],
)
def test_a_late_clicker_is_told_who_decided(
    status: str, approvers: tuple[str, ...], actor: str | None, says: str
) -> None:
    assert wording.decided(_view(status, approvers, actor)) == says


def test_refusals_that_name_people() -> None:
    assert wording.team_already_approved("operations", "U1", "marketing") == (
        "Operations already approved (by <@U1>); waiting for marketing."
    )
    assert wording.not_a_team_sponsor("U2", "marketing", "operations") == (
        "<@U2> is in operations; pick a marketing member "
        "(an admin adds members with /warroom team)."
    )
    assert wording.not_a_team_sponsor("U3", "operations", None).startswith(
        "<@U3> is not in the growth team; pick a operations member"
    )
