"""The fund's Block Kit: limits hold with the longest input, the bar, Home and digest sections."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.core import blocks as kit
from bot.core.db import Database
from bot.core.settings import Settings
from bot.fund import ledger as fund
from bot.fund import render
from tests.fund.fund_helpers import (
    ADMIN,
    MKT1,
    OPS1,
    SUBMITTER,
    WS,
    YEAR,
    clock,
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
    proposal = fund.submit_proposal(db, settings, WS, SUBMITTER, longest, clock())
    fund.request_changes(db, settings, WS, proposal.id, OPS1, "r" * 3000, clock())
    proposal = fund.get_proposal(db, WS, proposal.id)
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
    assert render.digest_lines(db, WS, settings, clock()) == [render.no_budget_text(YEAR - 1)]
    make_team(db)
    fund.set_budget(db, settings, WS, YEAR - 1, "10m", ADMIN)
    fund.submit_proposal(
        db,
        settings,
        WS,
        SUBMITTER,
        draft(start_date=f"{YEAR - 1}-11-10", end_date=f"{YEAR - 1}-12-10"),
        clock(),
    )
    lines = render.digest_lines(db, WS, settings, clock())
    assert lines[0].startswith(f"Pool {YEAR - 1}: ¥1,500,000 · approved ¥0 · pending ¥200,000")
    assert any("waiting for marketing and operations" in line for line in lines)


def test_home_shows_the_pool_and_what_waits_for_me(slack_env: Any) -> None:
    db, settings = slack_env.db, slack_env.settings
    make_team(db)
    fund.set_budget(db, settings, WS, 2026, "12m", ADMIN)
    proposal = fund.submit_proposal(
        db, settings, WS, SUBMITTER, draft(start_date="2026-11-10", end_date="2026-12-10"), clock()
    )
    fund.approve(db, settings, WS, proposal.id, OPS1, clock())
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
