"""The fund ledger: budgets, validation, every transition and who may make it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from bot import fund
from bot.core.db import Database
from bot.core.settings import Settings
from bot.models import PROPOSAL_STATES, Fund, Proposal, ProposalApproval
from bot.warroom.team import add_member
from tests.fund.fund_helpers import (
    ADMIN,
    MKT1,
    MKT2,
    MSPONSOR,
    OPS1,
    OPS2,
    OSPONSOR,
    OUTSIDER,
    SUBMITTER,
    WS,
    YEAR,
    as_,
    draft,
    make_team,
    with_budget,
)


@pytest.fixture
def team(db: Database) -> Database:
    make_team(db)
    return db


def _approved_total(db: Database) -> float:
    with db.session() as session:
        return float(session.scalar(select(Fund.approved).where(Fund.year == YEAR)) or 0)


def _submit(db: Database, settings: Settings, **changes: str) -> fund.ProposalView:
    return fund.submit_proposal(as_(db, settings, SUBMITTER), draft(**changes))


def _approve_both(db: Database, settings: Settings, proposal_id: int) -> fund.Outcome:
    fund.approve(as_(db, settings, MKT1), proposal_id)
    return fund.approve(as_(db, settings, OPS1), proposal_id)


# ----------------------------------------------------------------------------- budget


def test_budget_sets_the_pool_at_the_pool_share(team: Database, settings: Settings) -> None:
    summary = with_budget(team, settings, "12,000,000")
    assert (summary.year, summary.budget, summary.pool) == (YEAR, 12_000_000, 1_800_000)
    assert (summary.approved, summary.pending, summary.remaining) == (0, 0, 1_800_000)
    assert fund.fund_summary(as_(team, settings, None), YEAR) == summary
    assert fund.fund_summary(as_(team, settings, None), YEAR + 1) is None


def test_only_admins_set_the_budget(team: Database, settings: Settings) -> None:
    with pytest.raises(fund.FundError, match="Only admins"):
        fund.set_budget(as_(team, settings, MKT1), YEAR, "1m")
    with pytest.raises(fund.FundError, match="Only admins"):
        fund.set_budget(as_(team, settings, OUTSIDER), YEAR, "1m")
    # A Slack workspace admin (told by the handler) may, without being a War Room admin.
    assert fund.set_budget(as_(team, settings, OUTSIDER, slack_admin=True), YEAR, "1m").pool == (
        150_000
    )


def test_budget_input_is_checked(team: Database, settings: Settings) -> None:
    with pytest.raises(fund.FundError, match="not an amount"):
        fund.set_budget(as_(team, settings, ADMIN), YEAR, "lots")
    with pytest.raises(fund.FundError, match="more than zero"):
        fund.set_budget(as_(team, settings, ADMIN), YEAR, "0")
    with pytest.raises(fund.FundError, match="not a budget year"):
        fund.set_budget(as_(team, settings, ADMIN), 27, "1m")


def test_a_budget_below_what_is_approved_is_refused_with_the_numbers(
    team: Database, settings: Settings
) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings, amount="600k")
    _approve_both(team, settings, proposal.id)
    with pytest.raises(fund.FundError) as refused:
        fund.set_budget(as_(team, settings, ADMIN), YEAR, "3m")
    message = str(refused.value)
    for number in ("3,000,000", "450,000", "600,000", "4,000,000"):
        assert number in message
    assert fund.fund_summary(as_(team, settings, None), YEAR).pool == 1_800_000  # type: ignore[union-attr]
    # Exactly enough is fine, and the approved money stays.
    summary = fund.set_budget(as_(team, settings, ADMIN), YEAR, "4m")
    assert (summary.pool, summary.approved, summary.remaining) == (600_000, 600_000, 0)


# ----------------------------------------------------------------------------- proposing


def test_a_valid_proposal_is_stored_pending_with_an_event(
    team: Database, settings: Settings
) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    assert proposal.status == "pending"
    assert (proposal.amount, proposal.year, proposal.impact_target) == (200_000, YEAR, 0.35)
    assert proposal.impact_metric == "retention"
    assert proposal.waiting_for("two-key") == ["marketing", "operations"]
    summary = fund.fund_summary(as_(team, settings, None), YEAR)
    assert (summary.pending, summary.pending_count, summary.approved) == (200_000, 1, 0)
    _, events = fund.proposal_history(as_(team, settings, None), proposal.id)
    assert [(e.action, e.from_state, e.to_state, e.actor) for e in events] == [
        ("submitted", None, "pending", SUBMITTER)
    ]


BAD_FIELDS = [
    ({"title": "  "}, "title", "Enter a title"),
    ({"title": "x" * 201}, "title", "under 200"),
    ({"problem": None}, "problem", "Enter the problem"),
    ({"plan": ""}, "plan", "Enter the plan"),
    ({"amount": ""}, "amount", "Enter an amount"),
    ({"amount": "a lot"}, "amount", "not an amount"),
    ({"amount": "-5k"}, "amount", "negative"),
    ({"amount": "1.9m"}, "amount", "Only ¥1,800,000 is left in the 2027 pool"),
    ({"start_date": "2028-01-01", "end_date": "2028-02-01"}, "amount", "/fund budget 2028"),
    ({"impact_metric": None}, "impact_metric", "Pick the metric"),
    ({"impact_metric": "happiness"}, "impact_metric", "not a known metric"),
    ({"impact_target": ""}, "impact_target", "Enter the value"),
    ({"impact_target": "high"}, "impact_target", "not a number"),
    ({"marketing_sponsor": None}, "marketing_sponsor", "Pick the marketing sponsor"),
    ({"marketing_sponsor": OSPONSOR}, "marketing_sponsor", "is in operations"),
    ({"operations_sponsor": OUTSIDER}, "operations_sponsor", "not in the growth team"),
    ({"start_date": None}, "start_date", "Pick the start date"),
    ({"end_date": "2027-01-10"}, "end_date", "after the start date"),
    ({"end_date": "2027-01-01"}, "end_date", "after the start date"),
]


def test_each_bad_field_gets_its_own_message(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    for changes, field, says in BAD_FIELDS:
        with pytest.raises(fund.InvalidInput) as invalid:
            _submit(team, settings, **changes)
        assert set(invalid.value.errors) == {field}, changes
        assert says in invalid.value.errors[field], changes
    assert fund.list_proposals(as_(team, settings, None)) == []


def test_no_budget_message_names_the_year_and_the_command(
    team: Database, settings: Settings
) -> None:
    with pytest.raises(fund.InvalidInput) as invalid:
        _submit(team, settings)
    assert invalid.value.errors["amount"] == (
        "No budget is set for 2027 yet; an admin sets it with /fund budget 2027 AMOUNT"
    )


def test_the_same_person_cannot_sponsor_for_both_teams(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    # Even someone moved between teams: the operations field then fails on its own team check.
    with pytest.raises(fund.InvalidInput) as invalid:
        _submit(team, settings, marketing_sponsor=MKT1, operations_sponsor=MKT1)
    assert set(invalid.value.errors) == {"operations_sponsor"}


def test_many_problems_are_reported_together(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    with pytest.raises(fund.InvalidInput) as invalid:
        _submit(team, settings, title="", amount="0", impact_metric="nope", end_date="2026-01-01")
    assert set(invalid.value.errors) == {"title", "amount", "impact_metric", "end_date"}


# ----------------------------------------------------------------------------- approving


def test_two_key_approval_needs_both_teams(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    first = fund.approve(as_(team, settings, MKT1), proposal.id)
    assert not first.final
    assert first.message == "You approved for marketing; waiting for operations."
    assert first.proposal.status == "pending"
    assert first.proposal.waiting_for("two-key") == ["operations"]
    assert _approved_total(team) == 0

    with pytest.raises(fund.FundError) as second_of_team:
        fund.approve(as_(team, settings, MKT2), proposal.id)
    assert str(second_of_team.value) == (
        f"Marketing already approved (by <@{MKT1}>); waiting for operations."
    )
    with pytest.raises(fund.FundError, match="already approved this proposal"):
        fund.approve(as_(team, settings, MKT1), proposal.id)

    done = fund.approve(as_(team, settings, OPS1), proposal.id)
    assert done.final and done.proposal.status == "approved"
    assert "¥200,000 committed from the 2027 pool" in done.message
    assert [(a.team, a.user_id) for a in done.proposal.approvals] == [
        ("marketing", MKT1),
        ("operations", OPS1),
    ]
    assert _approved_total(team) == 200_000
    summary = fund.fund_summary(as_(team, settings, None), YEAR)
    assert (summary.pending, summary.remaining) == (0, 1_600_000)

    with pytest.raises(fund.FundError) as again:
        fund.approve(as_(team, settings, OPS2), proposal.id)
    assert str(again.value) == f"Already approved by <@{MKT1}> and <@{OPS1}>."
    _, events = fund.proposal_history(as_(team, settings, None), proposal.id)
    assert [(e.action, e.to_state, e.actor) for e in events] == [
        ("submitted", "pending", SUBMITTER),
        ("approval", "pending", MKT1),
        ("approved", "approved", OPS1),
    ]


def test_single_mode_needs_one_approver_of_either_team(team: Database, settings: Settings) -> None:
    single = settings.model_copy(update={"fund_approval": "single"})
    with_budget(team, single)
    proposal = _submit(team, single)
    assert proposal.waiting_for("single") == ["marketing or operations"]
    done = fund.approve(as_(team, single, OPS2), proposal.id)
    assert done.final and done.proposal.status == "approved"
    assert _approved_total(team) == 200_000


@pytest.mark.parametrize(
    ("clicker", "says"),
    [
        (OUTSIDER, fund.OUTSIDER),
        (MSPONSOR, "You sponsor this proposal, so you cannot approve it."),
        (SUBMITTER, "You submitted this proposal, so you cannot approve it."),
    ],
)
def test_who_may_not_approve(team: Database, settings: Settings, clicker: str, says: str) -> None:
    with_budget(team, settings)
    # Make the sponsor and the submitter approvers too: being involved is what stops them.
    add_member(team, WS, MSPONSOR, "marketing", approver=True)
    add_member(team, WS, SUBMITTER, "operations", approver=True)
    proposal = _submit(team, settings)
    with pytest.raises(fund.FundError) as refused:
        fund.approve(as_(team, settings, clicker), proposal.id)
    assert str(refused.value) == says
    assert fund.get_proposal(as_(team, settings, None), proposal.id).approvals == ()


def test_a_sponsor_is_told_so_even_when_not_an_approver(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    with pytest.raises(fund.FundError, match="You sponsor this proposal"):
        fund.approve(as_(team, settings, OSPONSOR), proposal.id)


def test_two_proposals_that_fit_alone_but_not_together(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    first = _submit(team, settings, amount="1.2m")
    second = _submit(team, settings, amount="1m")
    _approve_both(team, settings, first.id)
    with pytest.raises(fund.FundError) as refused:
        fund.approve(as_(team, settings, MKT1), second.id)
    assert "only ¥600,000 left in the 2027 pool" in str(refused.value)
    assert "¥1,000,000" in str(refused.value)
    assert fund.get_proposal(as_(team, settings, None), second.id).status == "pending"
    assert _approved_total(team) == 1_200_000


def test_proposals_cannot_be_filed_against_another_workspace(
    team: Database, settings: Settings
) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    with pytest.raises(fund.FundError, match="no proposal"):
        fund.approve(as_(team, settings, MKT1, workspace_id="T_OTHER"), proposal.id)
    with pytest.raises(fund.FundError, match="no proposal #999"):
        fund.get_proposal(as_(team, settings, None), 999)


# ----------------------------------------------------------------------------- other decisions


def test_reject_needs_a_reason_and_ends_the_proposal(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    fund.approve(as_(team, settings, MKT1), proposal.id)
    with pytest.raises(fund.InvalidInput) as invalid:
        fund.reject(as_(team, settings, OPS1), proposal.id, "  ")
    assert set(invalid.value.errors) == {"reason"}
    with pytest.raises(fund.FundError, match="Only fund approvers"):
        fund.reject(as_(team, settings, OUTSIDER), proposal.id, "no")
    with pytest.raises(fund.FundError, match="sponsor this proposal, so you cannot reject"):
        fund.reject(as_(team, settings, OSPONSOR), proposal.id, "no")
    done = fund.reject(as_(team, settings, OPS1), proposal.id, "Overlaps the Q1 test.")
    assert done.proposal.status == "rejected"
    assert done.proposal.last_event.note == "Overlaps the Q1 test."  # type: ignore[union-attr]
    with pytest.raises(fund.FundError) as again:
        fund.approve(as_(team, settings, OPS2), proposal.id)
    assert str(again.value) == f"Already rejected by <@{OPS1}>."
    assert _approved_total(team) == 0


def test_request_changes_then_resubmit_starts_a_new_round(
    team: Database, settings: Settings
) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    fund.approve(as_(team, settings, MKT1), proposal.id)
    asked = fund.request_changes(as_(team, settings, OPS1), proposal.id, "Halve it.")
    assert asked.proposal.status == "changes_requested"
    with pytest.raises(fund.FundError, match="Changes were already requested by <@UOPS1>"):
        fund.approve(as_(team, settings, OPS2), proposal.id)

    with pytest.raises(fund.FundError, match="Only the submitter"):
        fund.resubmit_proposal(as_(team, settings, MKT1), proposal.id, draft())
    with pytest.raises(fund.InvalidInput):
        fund.resubmit_proposal(as_(team, settings, SUBMITTER), proposal.id, draft(plan=""))

    again = fund.resubmit_proposal(
        as_(team, settings, SUBMITTER), proposal.id, draft(amount="100k")
    )
    assert (again.status, again.amount, again.approvals) == ("pending", 100_000, ())
    with team.session() as session:
        assert session.scalars(select(ProposalApproval)).all() == []
    with pytest.raises(fund.FundError, match="Only a proposal with changes requested"):
        fund.resubmit_proposal(as_(team, settings, SUBMITTER), proposal.id, draft())
    # MKT1's old approval does not count: both teams approve the new version.
    assert not fund.approve(as_(team, settings, MKT1), proposal.id).final
    assert fund.approve(as_(team, settings, OPS2), proposal.id).final
    _, events = fund.proposal_history(as_(team, settings, None), proposal.id)
    assert [e.action for e in events] == [
        "submitted",
        "approval",
        "changes_requested",
        "resubmitted",
        "approval",
        "approved",
    ]
    assert _approved_total(team) == 100_000


def test_resubmitting_into_another_year(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    fund.set_budget(as_(team, settings, ADMIN), YEAR + 1, "1m")
    proposal = _submit(team, settings)
    fund.request_changes(as_(team, settings, OPS1), proposal.id, "Next year.")
    moved = fund.resubmit_proposal(
        as_(team, settings, SUBMITTER),
        proposal.id,
        draft(start_date=f"{YEAR + 1}-02-01", end_date=f"{YEAR + 1}-03-01", amount="100k"),
    )
    assert moved.year == YEAR + 1
    _approve_both(team, settings, proposal.id)
    assert fund.fund_summary(as_(team, settings, None), YEAR + 1).approved == 100_000  # type: ignore[union-attr]
    assert fund.fund_summary(as_(team, settings, None), YEAR).approved == 0  # type: ignore[union-attr]


def test_withdraw_is_for_the_submitter_of_an_open_proposal(
    team: Database, settings: Settings
) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    with pytest.raises(fund.FundError, match="Only the submitter can withdraw"):
        fund.withdraw(as_(team, settings, MKT1), proposal.id)
    done = fund.withdraw(as_(team, settings, SUBMITTER), proposal.id)
    assert done.proposal.status == "withdrawn"
    with pytest.raises(fund.FundError, match="The submitter withdrew this proposal"):
        fund.approve(as_(team, settings, MKT1), proposal.id)
    with pytest.raises(fund.FundError, match="withdrew"):
        fund.withdraw(as_(team, settings, SUBMITTER), proposal.id)

    approved = _submit(team, settings)
    _approve_both(team, settings, approved.id)
    with pytest.raises(fund.FundError, match="Already approved"):
        fund.withdraw(as_(team, settings, SUBMITTER), approved.id)


def test_complete_releases_the_unspent_amount(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    with pytest.raises(fund.FundError, match="Only an approved proposal can be completed"):
        fund.complete(as_(team, settings, SUBMITTER), proposal.id, "1", "", "done")
    _approve_both(team, settings, proposal.id)
    with pytest.raises(fund.FundError, match="Only the submitter, a sponsor or an admin"):
        fund.complete(as_(team, settings, MKT1), proposal.id, "1", "", "done")
    with pytest.raises(fund.InvalidInput) as invalid:
        fund.complete(as_(team, settings, SUBMITTER), proposal.id, "250k", "x", "")
    assert set(invalid.value.errors) == {"actual_spend", "metric_value", "note"}
    assert _approved_total(team) == 200_000

    done = fund.complete(as_(team, settings, OSPONSOR), proposal.id, "150,000", "38%", "D1 up.")
    assert done.proposal.status == "completed"
    assert done.released == 50_000
    assert "¥50,000 back to the 2027 pool" in done.message
    assert done.proposal.actual_spend == 150_000
    assert "0.38 (target 0.35)" in (done.proposal.result_note or "")
    assert _approved_total(team) == 150_000
    assert fund.fund_summary(as_(team, settings, None), YEAR).remaining == 1_650_000  # type: ignore[union-attr]
    with pytest.raises(fund.FundError, match="#1 is completed"):
        fund.complete(as_(team, settings, ADMIN), proposal.id, "1", "", "again")


def test_an_admin_completes_with_everything_spent(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    proposal = _submit(team, settings)
    _approve_both(team, settings, proposal.id)
    done = fund.complete(as_(team, settings, ADMIN), proposal.id, "200k", "", "All spent.")
    assert done.released == 0 and _approved_total(team) == 200_000


# ----------------------------------------------------------------------------- reading


def test_list_filters(team: Database, settings: Settings) -> None:
    with_budget(team, settings)
    first = _submit(team, settings)
    second = fund.submit_proposal(as_(team, settings, MKT2), draft(amount="5k"))
    _approve_both(team, settings, first.id)
    assert [p.id for p in fund.list_proposals(as_(team, settings, None))] == [second.id, first.id]
    assert [p.id for p in fund.list_proposals(as_(team, settings, None), status="approved")] == [
        first.id
    ]
    assert [p.id for p in fund.list_proposals(as_(team, settings, None), user_id=MKT2)] == [
        second.id
    ]
    assert len(fund.list_proposals(as_(team, settings, None), user_id=MSPONSOR)) == 2
    assert fund.list_proposals(as_(team, settings, None), year=YEAR + 1) == []
    assert [p.id for p in fund.awaiting(as_(team, settings, OPS1))] == [second.id]
    fund.approve(as_(team, settings, OPS1), second.id)
    assert fund.awaiting(as_(team, settings, OPS1)) == []
    assert [p.id for p in fund.awaiting(as_(team, settings, MKT1))] == [second.id]
    assert fund.awaiting(as_(team, settings, MKT2)) == []  # submitted it
    assert (
        fund.awaiting(as_(team, settings.model_copy(update={"fund_approval": "single"}), MKT1))
        == []
    )


def test_parse_list_filter() -> None:
    parsed = fund.parse_list_filter("status=pending mine 2027")
    assert (parsed.status, parsed.mine, parsed.year) == ("pending", True, 2027)
    assert fund.parse_list_filter("changes_requested").status == "changes_requested"
    assert fund.parse_list_filter("status=changes").status == "changes_requested"
    with pytest.raises(fund.FundError, match='Unknown status "later"'):
        fund.parse_list_filter("status=later")
    with pytest.raises(fund.FundError, match="not a /fund list option"):
        fund.parse_list_filter("everything")


def test_parse_number() -> None:
    assert fund.parse_number("35%") == 0.35
    assert fund.parse_number("1,200") == 1200
    assert fund.parse_number("-2.5") == -2.5
    with pytest.raises(ValueError, match="not a number"):
        fund.parse_number("3x")


def test_the_status_column_holds_only_proposal_states(team: Database, settings: Settings) -> None:
    assert PROPOSAL_STATES == (
        "pending",
        "approved",
        "rejected",
        "changes_requested",
        "withdrawn",
        "completed",
    )
    with_budget(team, settings)
    proposal = _submit(team, settings)
    # Python refuses an unknown status before it is sent; the database's CHECK refuses raw SQL.
    with (
        pytest.raises(StatementError, match="later"),
        team.session() as session,
        session.begin(),
    ):
        session.execute(update(Proposal).values(status="later"))
    with pytest.raises(IntegrityError), team.session() as session, session.begin():
        session.execute(text("UPDATE proposals SET status = 'later'"))
    with team.session() as session, session.begin():
        session.execute(update(Proposal).values(status="withdrawn"))
    assert fund.get_proposal(as_(team, settings, None), proposal.id).status == "withdrawn"
