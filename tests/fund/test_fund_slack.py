"""The fund end to end through signed requests: modal, validation, buttons, updates and DMs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot import fund
from bot.fund.render import (
    APPROVE_ACTION,
    CHANGES_ACTION,
    COMPLETE_ACTION,
    COMPLETION_VIEW,
    EDIT_ACTION,
    PROPOSAL_VIEW,
    PROPOSE_ACTION,
    REASON_VIEW,
    REJECT_ACTION,
    WITHDRAW_ACTION,
)
from bot.warroom.team import add_member
from tests.fund.fund_helpers import (
    ADMIN,
    MKT1,
    MKT2,
    MSPONSOR,
    OPS1,
    OSPONSOR,
    OUTSIDER,
    SUBMITTER,
    WS,
    YEAR,
    make_team,
)


@pytest.fixture
def env(slack_env: Any) -> Any:
    make_team(slack_env.db)
    fund.set_budget(slack_env.context(ADMIN), YEAR, "12m")
    return slack_env


def _values(**changes: Any) -> dict[str, Any]:
    """state.values of a filled-in proposal modal, as Slack sends them."""
    fields: dict[str, Any] = {
        "title": "Douyin live-stream onboarding",
        "problem": "D1 retention of douyin sign-ups fell three days running.",
        "plan": "Marketing rewrites the hook; operations fixes the first-session checklist.",
        "amount": "200k",
        "impact_target": "35%",
    }
    fields.update({k: v for k, v in changes.items() if k in fields})
    values: dict[str, Any] = {
        name: {name: {"type": "plain_text_input", "value": value}} for name, value in fields.items()
    }
    metric = changes.get("impact_metric", "retention")
    values["impact_metric"] = {
        "impact_metric": {
            "type": "static_select",
            "selected_option": None if metric is None else {"value": metric},
        }
    }
    for name, default in (("marketing_sponsor", MSPONSOR), ("operations_sponsor", OSPONSOR)):
        values[name] = {name: {"type": "users_select", "selected_user": changes.get(name, default)}}
    for name, default in (("start_date", f"{YEAR}-01-10"), ("end_date", f"{YEAR}-03-31")):
        values[name] = {name: {"type": "datepicker", "selected_date": changes.get(name, default)}}
    return values


def _in_fund_channel(call: Any) -> bool:
    return call.params["channel"] == "#innovation-fund"


def _blocks_text(call: Any) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


def _action_ids(call: Any) -> list[str]:
    blocks = call.params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def _view_of(call: Any) -> dict[str, Any]:
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else view


def _submit(env: Any, **changes: Any) -> fund.ProposalView:
    answer = env.submit_view(PROPOSAL_VIEW, _values(**changes), user=SUBMITTER)
    assert answer.status == 200 and answer.body in ("", "{}"), answer.body
    # The note to the submitter comes last, after the message's place is stored.
    env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == SUBMITTER)
    (proposal,) = fund.list_proposals(env.context(), status="pending")
    return fund.get_proposal(env.context(), proposal.id)


def _click(env: Any, action_id: str, proposal_id: int, user: str) -> list[Any]:
    """Click a button on the proposal message; what the app said privately to the clicker."""
    url = env.fake.response_url(f"{action_id}-{user}-{len(env.fake.calls)}")
    env.action(action_id, str(proposal_id), user=user, response_url=url, channel="C0FUND")
    path = urlsplit(url).path
    return env.fake.wait_for("response_url", where=lambda c: c.path == path)


def _note(env: Any, action_id: str, proposal_id: int, user: str) -> str:
    (post,) = _click(env, action_id, proposal_id, user)
    return post.text


def test_fund_shows_the_pool_with_a_bar(env: Any) -> None:
    fund.set_budget(env.context(ADMIN), 2026, "12m")
    env.command("/fund", "")
    (post,) = env.fake.wait_for("response_url")
    assert "Pool 2026: ¥1,800,000 · approved ¥0 · pending ¥0 · remaining ¥1,800,000" in post.text
    assert "[░░░░░░░░░░░░░░░░░░░░] 0%" in post.text
    assert PROPOSE_ACTION in post.text
    assert post.params["response_type"] == "ephemeral"


def test_budget_from_slack_needs_an_admin(env: Any) -> None:
    env.fake.users["UBOSS"] = {"is_admin": True}
    env.command("/fund", "budget 2028 10m", user=OUTSIDER)
    (refused,) = env.fake.wait_for("response_url")
    assert "Only admins can set the fund's budget" in refused.text
    env.command("/fund", "budget 2028 10m", user="UBOSS")
    env.fake.wait_for("response_url", count=2)
    assert fund.fund_summary(env.context(), 2028).pool == 1_500_000  # type: ignore[union-attr]
    asked = [c.params["user"] for c in env.fake.calls_to("users.info")]
    assert asked == [OUTSIDER, "UBOSS"]


def test_propose_opens_the_modal_without_delay(env: Any) -> None:
    env.command("/fund", "propose", user=SUBMITTER, trigger_id="trigger.propose")
    (opened,) = env.fake.wait_for("views.open")
    assert opened.params["trigger_id"] == "trigger.propose"
    view = _view_of(opened)
    assert view["callback_id"] == PROPOSAL_VIEW
    block_ids = [b["block_id"] for b in view["blocks"]]
    assert block_ids == list(fund.FIELDS)
    metric_select = view["blocks"][4]["element"]
    assert {"retention", "ltv", "cac"} <= {o["value"] for o in metric_select["options"]}


def test_the_propose_button_opens_the_modal(env: Any) -> None:
    env.action(PROPOSE_ACTION, str(YEAR), user=SUBMITTER)
    (opened,) = env.fake.wait_for("views.open")
    assert _view_of(opened)["callback_id"] == PROPOSAL_VIEW


def test_modal_errors_come_back_field_by_field(env: Any) -> None:
    answer = env.submit_view(
        PROPOSAL_VIEW,
        _values(
            title="",
            amount="1.9m",
            impact_metric=None,
            marketing_sponsor=OSPONSOR,
            operations_sponsor=OSPONSOR,
            end_date=f"{YEAR}-01-01",
        ),
        user=SUBMITTER,
    )
    assert answer.status == 200
    body = answer.json()
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {"title", "amount", "impact_metric", "marketing_sponsor", "end_date"}
    assert "Only ¥1,800,000 is left in the 2027 pool" in errors["amount"]
    assert "is in operations" in errors["marketing_sponsor"]
    assert errors["end_date"] == "The end date must be after the start date."
    assert fund.list_proposals(env.context()) == []
    assert not env.fake.calls_to("chat.postMessage")


def test_no_budget_for_the_year_is_said_on_the_amount(env: Any) -> None:
    answer = env.submit_view(
        PROPOSAL_VIEW,
        _values(start_date="2029-01-01", end_date="2029-02-01"),
        user=SUBMITTER,
    )
    assert answer.json()["errors"] == {
        "amount": "No budget is set for 2029 yet; an admin sets it with /fund budget 2029 AMOUNT"
    }


def test_from_modal_to_approved(env: Any) -> None:
    proposal = _submit(env)
    (posted,) = env.fake.calls_to("chat.postMessage", where=_in_fund_channel)
    assert posted.params["channel"] == "#innovation-fund"
    assert _action_ids(posted) == [APPROVE_ACTION, REJECT_ACTION, CHANGES_ACTION]
    for person in (SUBMITTER, MSPONSOR, OSPONSOR):
        assert f"<@{person}>" in posted.params["text"]
    assert (proposal.channel, proposal.message_ts) == ("C0FUND", posted.response["ts"])
    told = env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == SUBMITTER)
    assert f"Proposal #{proposal.id} is in #innovation-fund" in told[0].text

    # Marketing approves: the message shows who, and what is still needed.
    assert "waiting for operations" in _note(env, APPROVE_ACTION, proposal.id, MKT1)
    (update,) = env.fake.wait_for("chat.update")
    assert update.params["channel"] == "C0FUND" and update.params["ts"] == posted.response["ts"]
    assert f"Marketing: <@{MKT1}>" in _blocks_text(update)
    assert "Operations: waiting" in _blocks_text(update)

    # Refusals are private and change nothing.
    assert f"Marketing already approved (by <@{MKT1}>); waiting for operations." in _note(
        env, APPROVE_ACTION, proposal.id, MKT2
    )
    assert "You sponsor this proposal" in _note(env, APPROVE_ACTION, proposal.id, MSPONSOR)
    assert "Only fund approvers can decide proposals" in _note(
        env, APPROVE_ACTION, proposal.id, OUTSIDER
    )
    assert len(env.fake.calls_to("chat.update")) == 1

    # Operations approves: approved, updated in place, the submitter gets a DM.
    assert "¥200,000 committed from the 2027 pool" in _note(env, APPROVE_ACTION, proposal.id, OPS1)
    updates = env.fake.wait_for("chat.update", count=2)
    final = _blocks_text(updates[-1])
    assert "Approved" in final and f"<@{MKT1}> and <@{OPS1}>" in final
    assert _action_ids(updates[-1]) == [COMPLETE_ACTION]
    dms = env.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == SUBMITTER and "approved" in c.params["text"],
        count=2,
    )
    assert "Your proposal was approved" in dms[-1].text
    assert fund.get_proposal(env.context(), proposal.id).status == "approved"
    assert fund.fund_summary(env.context(), YEAR).approved == 200_000  # type: ignore[union-attr]

    # A late second click from operations is told who decided.
    assert f"Already approved by <@{MKT1}> and <@{OPS1}>." in _note(
        env, APPROVE_ACTION, proposal.id, OPS1
    )


def test_reject_asks_for_a_reason_in_a_modal(env: Any) -> None:
    proposal = _submit(env)
    env.action(REJECT_ACTION, str(proposal.id), user=OPS1, channel="C0FUND")
    (opened,) = env.fake.wait_for("views.open")
    view = _view_of(opened)
    assert view["callback_id"] == REASON_VIEW
    assert not env.fake.calls_to("views.update")

    empty = {"reason": {"reason": {"type": "plain_text_input", "value": ""}}}
    answer = env.submit_view(
        REASON_VIEW, empty, user=OPS1, private_metadata=view["private_metadata"]
    )
    assert answer.json()["response_action"] == "errors"
    assert "Say why" in answer.json()["errors"]["reason"]

    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "Overlaps Q1 test."}}}
    answer = env.submit_view(
        REASON_VIEW, reason, user=OPS1, private_metadata=view["private_metadata"]
    )
    assert answer.status == 200 and answer.body in ("", "{}")
    (update,) = env.fake.wait_for("chat.update")
    assert f"Rejected by <@{OPS1}>: Overlaps Q1 test." in _blocks_text(update)
    assert _action_ids(update) == []
    (dm,) = env.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == SUBMITTER and "rejected" in c.text,
    )
    assert f"<@{OPS1}> rejected your proposal" in dm.text
    assert fund.get_proposal(env.context(), proposal.id).status == "rejected"


def test_a_sponsor_clicking_reject_is_told_in_the_modal(env: Any) -> None:
    add_member(env.db, WS, OSPONSOR, "operations", approver=True)
    proposal = _submit(env)
    env.action(REJECT_ACTION, str(proposal.id), user=OSPONSOR, channel="C0FUND")
    env.fake.wait_for("views.open")
    (replaced,) = env.fake.wait_for("views.update")
    assert "You sponsor this proposal" in json.dumps(_view_of(replaced))


def test_changes_requested_then_edited_and_resubmitted(env: Any) -> None:
    proposal = _submit(env)
    _note(env, APPROVE_ACTION, proposal.id, MKT1)
    env.action(CHANGES_ACTION, str(proposal.id), user=OPS1, channel="C0FUND")
    (opened,) = env.fake.wait_for("views.open")
    metadata = _view_of(opened)["private_metadata"]
    ask = {"reason": {"reason": {"type": "plain_text_input", "value": "Halve the amount."}}}
    env.submit_view(REASON_VIEW, ask, user=OPS1, private_metadata=metadata)
    (dm,) = env.fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == SUBMITTER and "changes" in c.text
    )
    assert _action_ids(dm) == [EDIT_ACTION, WITHDRAW_ACTION]
    updates = env.fake.wait_for("chat.update", count=2)
    assert "Changes requested by" in _blocks_text(updates[-1])

    # Someone else cannot edit it.
    env.action(EDIT_ACTION, str(proposal.id), user=MKT2, channel=None, response_url=None)
    env.fake.wait_for("views.update")
    assert "Only the submitter" in json.dumps(_view_of(env.fake.calls_to("views.update")[-1]))

    env.action(EDIT_ACTION, str(proposal.id), user=SUBMITTER, channel=None, response_url=None)
    filled = _view_of(env.fake.wait_for("views.update", count=2)[-1])
    assert filled["callback_id"] == PROPOSAL_VIEW
    assert json.loads(filled["private_metadata"]) == {"id": proposal.id}
    amount_block = next(b for b in filled["blocks"] if b["block_id"] == "amount")
    assert amount_block["element"]["initial_value"] == "200000"

    answer = env.submit_view(
        PROPOSAL_VIEW,
        _values(amount="100k"),
        user=SUBMITTER,
        private_metadata=filled["private_metadata"],
    )
    assert answer.body in ("", "{}"), answer.body
    again = env.fake.wait_for("chat.update", count=3)[-1]
    assert "Pending" in _blocks_text(again) and "¥100,000" in _blocks_text(again)
    assert _action_ids(again) == [APPROVE_ACTION, REJECT_ACTION, CHANGES_ACTION]
    # Only one fund-channel post: the resubmission updated the same message.
    assert (
        len(
            env.fake.calls_to(
                "chat.postMessage", where=lambda c: c.params["channel"].startswith("#")
            )
        )
        == 1
    )
    current = fund.get_proposal(env.context(), proposal.id)
    assert (current.status, current.amount, current.approvals) == ("pending", 100_000, ())


def test_the_submitter_withdraws(env: Any) -> None:
    proposal = _submit(env)
    assert "Only the submitter can withdraw" in _note(env, WITHDRAW_ACTION, proposal.id, MKT1)
    assert f"#{proposal.id} is withdrawn" in _note(env, WITHDRAW_ACTION, proposal.id, SUBMITTER)
    (update,) = env.fake.wait_for("chat.update")
    assert "Withdrawn" in _blocks_text(update) and _action_ids(update) == []


def test_completing_releases_the_unspent_amount(env: Any) -> None:
    proposal = _submit(env)
    _note(env, APPROVE_ACTION, proposal.id, MKT1)
    _note(env, APPROVE_ACTION, proposal.id, OPS1)
    env.action(COMPLETE_ACTION, str(proposal.id), user=OSPONSOR, channel="C0FUND")
    (opened,) = env.fake.wait_for("views.open")
    metadata = _view_of(opened)["private_metadata"]

    def form(spend: str, value: str, note: str) -> dict[str, Any]:
        return {
            "actual_spend": {"actual_spend": {"type": "plain_text_input", "value": spend}},
            "metric_value": {"metric_value": {"type": "plain_text_input", "value": value}},
            "note": {"note": {"type": "plain_text_input", "value": note}},
        }

    answer = env.submit_view(
        COMPLETION_VIEW, form("250k", "", "Done."), user=OSPONSOR, private_metadata=metadata
    )
    assert set(answer.json()["errors"]) == {"actual_spend"}
    answer = env.submit_view(
        COMPLETION_VIEW, form("150k", "38%", "D1 up."), user=OSPONSOR, private_metadata=metadata
    )
    assert answer.body in ("", "{}"), answer.body
    last = env.fake.wait_for("chat.update", count=3)[-1]
    assert "Completed" in _blocks_text(last) and "Spent ¥150,000" in _blocks_text(last)
    summary = fund.fund_summary(env.context(), YEAR)
    assert (summary.approved, summary.remaining) == (150_000, 1_650_000)  # type: ignore[union-attr]


def test_an_outsider_cannot_open_the_completion_form(env: Any) -> None:
    proposal = _submit(env)
    env.action(COMPLETE_ACTION, str(proposal.id), user=OUTSIDER, channel="C0FUND")
    (replaced,) = env.fake.wait_for("views.update")
    assert fund.NOT_COMPLETER in json.dumps(_view_of(replaced))


def test_a_failing_slack_update_never_loses_the_decision(env: Any) -> None:
    proposal = _submit(env)
    env.fake.error_next("chat.update", "message_not_found")
    note = _note(env, APPROVE_ACTION, proposal.id, MKT1)
    assert "Saved, but the message in #innovation-fund could not be updated" in note
    assert fund.get_proposal(env.context(), proposal.id).approvals[0].user_id == MKT1


def test_list_and_history_commands(env: Any) -> None:
    proposal = _submit(env)
    _note(env, APPROVE_ACTION, proposal.id, MKT1)
    env.command("/fund", "list status=pending mine", user=SUBMITTER)
    env.command("/fund", f"history {proposal.id}", user=OUTSIDER)
    env.command("/fund", "list status=later", user=OUTSIDER)
    posts = env.fake.wait_for("response_url", count=4)
    by_text = "\n".join(p.text for p in posts)
    assert f"#{proposal.id}* Douyin live-stream onboarding" in by_text
    assert "waiting for operations" in by_text
    assert "submitted (pending)" in by_text and "approval (pending)" in by_text
    assert 'Unknown status \\"later\\"' in by_text or 'Unknown status "later"' in by_text
