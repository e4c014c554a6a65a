"""Each modal submission and each click that changes something is handled once, however often
Slack (or a double click, or a replay) delivers it: ten twins at once, replays, and the
corrected resubmission of a modal whose first submission was refused. Signed requests against
the real app; the claims live in the database, so they hold across processes too."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest

from bot import fund
from bot.core import dedupe
from bot.fund.render import APPROVE_ACTION, PROPOSAL_VIEW, REASON_VIEW
from bot.warroom import standup
from bot.warroom.forms import STANDUP_CALLBACK
from bot.warroom.team import add_member
from tests.fund.fund_helpers import ADMIN, MKT1, OPS1, SUBMITTER, WS, YEAR, make_team
from tests.slack_requests import Response, SignedRequest, block_action, post, view_submission

DEADLINE = 20.0


@pytest.fixture
def env(slack_env: Any) -> Any:
    make_team(slack_env.db)
    fund.set_budget(slack_env.context(ADMIN), YEAR, "12m")
    return slack_env


def proposal_values(amount: str = "200k") -> dict[str, Any]:
    """A filled-in proposal modal's state.values."""
    texts = {
        "title": "Douyin live-stream onboarding",
        "problem": "D1 retention of douyin sign-ups fell three days running.",
        "plan": "Marketing rewrites the hook; operations fixes the first-session checklist.",
        "amount": amount,
        "impact_target": "35%",
    }
    values: dict[str, Any] = {
        name: {name: {"type": "plain_text_input", "value": value}} for name, value in texts.items()
    }
    values["impact_metric"] = {
        "impact_metric": {"type": "static_select", "selected_option": {"value": "retention"}}
    }
    for name, who in (("marketing_sponsor", "UMSPONSOR"), ("operations_sponsor", "UOSPONSOR")):
        values[name] = {name: {"type": "users_select", "selected_user": who}}
    for name, day in (("start_date", f"{YEAR}-01-10"), ("end_date", f"{YEAR}-03-31")):
        values[name] = {name: {"type": "datepicker", "selected_date": day}}
    return values


def send_at_once(env: Any, request: SignedRequest, times: int) -> list[Response]:
    """POST the same signed request `times` times, all released at the same moment."""
    barrier = threading.Barrier(times)
    answers: list[Response] = []

    def one() -> None:
        barrier.wait(timeout=DEADLINE)
        answers.append(post(env.events_url, request))

    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE)
    assert len(answers) == times
    return answers


def proposal_posts(env: Any) -> list[dict[str, Any]]:
    """Proposal messages Slack took in the fund channel, whatever it answered."""
    return env.fake.posts(lambda m: (m.get("metadata") or {}).get("event_type") == "fund_proposal")


def notes_to(env: Any, user: str) -> list[Any]:
    """Messages the app sent to a person's DM."""
    return env.fake.calls_to("chat.postMessage", where=lambda c: c.params["channel"] == user)


def wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> None:
    """Poll the captured log (the app runs in this process) until `text` appears."""
    deadline = time.monotonic() + DEADLINE
    while not any(text in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, f"no log line with {text!r}"
        time.sleep(0.01)


def test_the_same_modal_ten_times_at_once_creates_one_proposal_and_one_post(env: Any) -> None:
    request = view_submission(PROPOSAL_VIEW, proposal_values(), user=SUBMITTER, view_id="V0TEN")
    answers = send_at_once(env, request, 10)
    assert [a.status for a in answers] == [200] * 10
    # Every twin's answer closes the modal (an empty ack); none shows an error.
    assert {a.body for a in answers} <= {"", "{}"}, [a.body for a in answers]
    # The twins answered after the first delivery's work was committed: only it posts, last
    # of all the note to the submitter.
    env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == SUBMITTER)
    assert len(fund.list_proposals(env.context())) == 1
    assert len(proposal_posts(env)) == 1
    assert len(notes_to(env, SUBMITTER)) == 1


def test_a_submission_replayed_three_times_is_handled_once(env: Any) -> None:
    request = view_submission(PROPOSAL_VIEW, proposal_values(), user=SUBMITTER, view_id="V0REP")
    assert post(env.events_url, request).body in ("", "{}")
    env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == SUBMITTER)
    for _ in range(3):
        replay = post(env.events_url, request)
        assert replay.status == 200 and replay.body in ("", "{}")
    assert len(fund.list_proposals(env.context())) == 1
    assert len(proposal_posts(env)) == 1 and len(notes_to(env, SUBMITTER)) == 1


def test_a_refused_submission_does_not_block_the_corrected_one(env: Any) -> None:
    # Slack keeps the view's id and hash when the answer is errors: the corrected
    # resubmission is the same (id, hash) with other values.
    same = {"user": SUBMITTER, "view_id": "V0FIX", "view_hash": "1700000001.aaaaaa"}
    wrong = post(env.events_url, view_submission(PROPOSAL_VIEW, proposal_values("lots"), **same))
    assert wrong.json()["response_action"] == "errors" and "amount" in wrong.json()["errors"]
    again = post(env.events_url, view_submission(PROPOSAL_VIEW, proposal_values("lots"), **same))
    assert again.json()["response_action"] == "errors"
    fixed = post(env.events_url, view_submission(PROPOSAL_VIEW, proposal_values(), **same))
    assert fixed.status == 200 and fixed.body in ("", "{}"), fixed.body
    env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == SUBMITTER)
    (proposal,) = fund.list_proposals(env.context())
    assert proposal.amount == 200_000
    # A late replay of the refused one is now only a twin of the handled submission.
    late = post(env.events_url, view_submission(PROPOSAL_VIEW, proposal_values("lots"), **same))
    assert late.status == 200 and late.body in ("", "{}")
    assert len(fund.list_proposals(env.context())) == 1 and len(proposal_posts(env)) == 1


def test_ten_twins_of_a_rejection_reject_once_and_tell_once(env: Any) -> None:
    proposal = fund.submit_proposal(
        env.context(SUBMITTER), fund.ProposalDraft.from_values(_flat(proposal_values()))
    )
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "Overlaps Q1 test."}}}
    metadata = json.dumps({"id": proposal.id, "kind": "reject"})
    request = view_submission(
        REASON_VIEW, reason, user=OPS1, private_metadata=metadata, view_id="V0REJ"
    )
    answers = send_at_once(env, request, 10)
    assert {a.body for a in answers} <= {"", "{}"}, [a.body for a in answers]
    env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == OPS1)
    assert fund.get_proposal(env.context(), proposal.id).status == "rejected"
    history = fund.proposal_history(env.context(), proposal.id)[1]
    assert [e.action for e in history] == ["submitted", "rejected"]
    assert len(notes_to(env, SUBMITTER)) == 1 and len(notes_to(env, OPS1)) == 1


def _flat(values: dict[str, Any]) -> dict[str, Any]:
    """state.values as the modal_values() of the app read them."""
    out: dict[str, Any] = {}
    for block, actions in values.items():
        element = next(iter(actions.values()))
        out[block] = (
            element.get("value")
            or element.get("selected_user")
            or element.get("selected_date")
            or (element.get("selected_option") or {}).get("value")
        )
    return out


def test_a_replayed_approve_click_approves_once_and_says_nothing_more(
    env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.listener")
    proposal = fund.submit_proposal(
        env.context(SUBMITTER), fund.ProposalDraft.from_values(_flat(proposal_values()))
    )
    click = block_action(
        APPROVE_ACTION,
        str(proposal.id),
        user=MKT1,
        channel="C0FUND",
        response_url=env.fake.response_url("approve"),
    )
    assert post(env.events_url, click).status == 200
    (note,) = env.fake.wait_for("response_url", where=lambda c: c.path == "/response/approve")
    assert "waiting for operations" in note.text
    assert post(env.events_url, click).status == 200
    wait_for_log(caplog, "delivered again; handled once")
    # Without the claim the replay would have been told "Marketing already approved".
    assert len(env.fake.calls_to("response_url")) == 1
    assert len(fund.get_proposal(env.context(), proposal.id).approvals) == 1


def test_a_replayed_old_standup_never_overwrites_a_later_update(slack_env: Any) -> None:
    env = slack_env
    add_member(env.db, WS, "U0MKT", "marketing")
    day = env.clock.today(env.settings.tz).isoformat()

    def form(shipped: str, view_id: str) -> SignedRequest:
        values = {"shipped": {"value": {"type": "plain_text_input", "value": shipped}}}
        metadata = json.dumps({"date": day})
        return view_submission(
            STANDUP_CALLBACK, values, user="U0MKT", private_metadata=metadata, view_id=view_id
        )

    first = form("teaser cut", "V0SU1")
    assert post(env.events_url, first).status == 200
    assert post(env.events_url, form("teaser live", "V0SU2")).status == 200
    assert post(env.events_url, first).status == 200  # replayed later
    saved = standup.get_update(env.db, WS, "U0MKT", env.clock.today(env.settings.tz))
    assert saved is not None and saved.shipped == "teaser live"
    env.fake.wait_for("chat.postMessage", count=2, where=lambda c: c.params["channel"] == "U0MKT")
    assert len(notes_to(env, "U0MKT")) == 2


# --------------------------------------------------------------------------- the claim itself


def test_a_claim_is_given_back_when_the_work_fails(slack_env: Any) -> None:
    ctx = slack_env.context("U1")

    def refuse(_: Any) -> None:
        raise ValueError("invalid")

    with pytest.raises(ValueError):
        dedupe.handle_once(ctx, "view", "V9:h", refuse)
    assert dedupe.handle_once(ctx, "view", "V9:h", lambda _: "done") == "done"
    with pytest.raises(dedupe.AlreadyHandled):
        dedupe.handle_once(ctx, "view", "V9:h", lambda _: "twice")


def test_a_claim_abandoned_by_a_dead_process_is_taken_over_once_stale(slack_env: Any) -> None:
    ctx = slack_env.context("U1")
    now = ctx.clock.now()
    dedupe.claim_request(ctx.db, WS, "view", "V8:h", now)  # its process died here
    with pytest.raises(dedupe.StillHandling):
        dedupe.claim_request(ctx.db, WS, "view", "V8:h", now, wait=0)
    slack_env.clock.advance(dedupe.STALE_REQUEST)
    assert dedupe.handle_once(ctx, "view", "V8:h", lambda _: "taken over") == "taken over"
    with pytest.raises(dedupe.AlreadyHandled):
        dedupe.claim_request(ctx.db, WS, "view", "V8:h", ctx.clock.now())


def test_the_work_and_its_done_mark_commit_together(env: Any) -> None:
    ctx = env.context(SUBMITTER)
    draft = fund.ProposalDraft.from_values(_flat(proposal_values()))

    def work(once: Any) -> Any:
        # Meanwhile another delivery took the claim over (this one looked dead): this one's
        # write, which also marks the request done, is refused and rolled back whole.
        env.clock.advance(dedupe.STALE_REQUEST)
        dedupe.claim_request(ctx.db, WS, "view", "V7:h", env.clock.now())
        return fund.submit_proposal(once, draft)

    with pytest.raises(dedupe.AlreadyHandled):
        dedupe.handle_once(ctx, "view", "V7:h", work)
    assert fund.list_proposals(ctx) == []
