"""Hostile values in the fund's forms and buttons: NUL and lone surrogates removed, impact
targets finite and within the metric's range, button numbers range-checked."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot import fund
from bot.core.db import Database
from bot.core.settings import Settings
from bot.fund.forms import parse_number
from bot.fund.render import APPROVE_ACTION, PROPOSAL_VIEW
from bot.slack.listener import MAX_BUTTON_NUMBER, button_number
from tests.fund.fund_helpers import (
    ADMIN,
    MSPONSOR,
    OSPONSOR,
    SUBMITTER,
    YEAR,
    as_,
    draft,
    make_team,
    with_budget,
)
from tests.slack_requests import sign


@pytest.fixture
def team(db: Database, settings: Settings) -> Database:
    make_team(db)
    with_budget(db, settings)
    return db


def _invalid(db: Database, settings: Settings, **changes: str) -> dict[str, str]:
    with pytest.raises(fund.InvalidInput) as invalid:
        fund.submit_proposal(as_(db, settings, SUBMITTER), draft(**changes))
    return invalid.value.errors


def test_nul_and_lone_surrogates_are_removed_from_a_proposal(team, settings) -> None:
    proposal = fund.submit_proposal(
        as_(team, settings, SUBMITTER),
        draft(title="Live\x00 onboarding\ud800", problem="D1\x00 fell", plan="Fix\udfff it"),
    )
    stored = fund.get_proposal(as_(team, settings, SUBMITTER), proposal.id)
    assert (stored.title, stored.problem, stored.plan) == ("Live onboarding", "D1 fell", "Fix it")


def test_a_title_of_nothing_but_nul_is_missing(team, settings) -> None:
    assert _invalid(team, settings, title="\x00\x00 ")["title"] == "Enter a title."


@pytest.mark.parametrize(
    ("target", "metric", "expected"),
    [
        ("-500%", "retention", "share: write it between 0% and 100%"),
        ("101%", "retention", "share"),
        ("35", "retention", "share"),  # 3,500%: meant 35%
        ("-1", "cac", "cannot be negative"),
        ("1" + "0" * 400, "cac", "too large a number"),
        ("1" + "0" * 400, "retention", "too large a number"),
        ("2000000000000000", "revenue", "too large for Revenue"),
    ],
)
def test_impact_targets_out_of_range_are_refused(team, settings, target, metric, expected) -> None:
    errors = _invalid(team, settings, impact_target=target, impact_metric=metric)
    assert expected in errors["impact_target"]


@pytest.mark.parametrize(
    ("target", "metric", "stored"),
    [
        ("0%", "retention", 0.0),
        ("100%", "retention", 1.0),
        ("0.35", "retention", 0.35),
        ("0", "cac", 0.0),
        ("120", "cac", 120.0),
        ("999999999999999", "revenue", 999999999999999.0),
    ],
)
def test_impact_targets_at_the_edges_are_accepted(team, settings, target, metric, stored) -> None:
    proposal = fund.submit_proposal(
        as_(team, settings, SUBMITTER), draft(impact_target=target, impact_metric=metric)
    )
    assert proposal.impact_target == pytest.approx(stored)


def test_parse_number_refuses_what_is_not_finite() -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_number("9" * 400)
    with pytest.raises(ValueError, match="not a number"):
        parse_number("1e400")
    assert parse_number("1" + "0" * 300) == 1e300


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("1", 1),
        ("#42", 42),
        (str(MAX_BUTTON_NUMBER), MAX_BUTTON_NUMBER),
        (str(MAX_BUTTON_NUMBER + 1), None),
        (str(10**23), None),
        ("0", None),
        ("-3", None),
        ("", None),
        (None, None),
        ("١٢", None),
        ("1" * 5000, None),
        ("4\x00", None),
    ],
)
def test_button_numbers_are_range_checked(value, number) -> None:
    assert button_number(value) == number


def test_a_button_of_ten_to_the_23_names_no_proposal(slack_env) -> None:
    make_team(slack_env.db)
    answer = slack_env.action(APPROVE_ACTION, str(10**23), user=MSPONSOR, channel="C0FUND")
    assert answer.status == 200
    (note,) = slack_env.fake.wait_for("response_url")
    assert "does not name a proposal" in note.text


def test_nul_through_slack_is_removed_before_the_database(slack_env) -> None:
    """Slack delivers "\\u0000" in JSON as it was typed; the proposal is stored without it."""
    make_team(slack_env.db)
    fund.set_budget(slack_env.context(ADMIN), YEAR, "12m")
    values: dict[str, Any] = {
        name: {name: {"type": "plain_text_input", "value": value}}
        for name, value in {
            "title": "Null\x00 title\ud83d",
            "problem": "Bytes\x00",
            "plan": "Plan",
            "amount": "200k",
            "impact_target": "35%",
        }.items()
    }
    values["impact_metric"] = {"impact_metric": {"selected_option": {"value": "retention"}}}
    values["marketing_sponsor"] = {"m": {"type": "users_select", "selected_user": MSPONSOR}}
    values["operations_sponsor"] = {"o": {"type": "users_select", "selected_user": OSPONSOR}}
    values["start_date"] = {"s": {"type": "datepicker", "selected_date": f"{YEAR}-01-10"}}
    values["end_date"] = {"e": {"type": "datepicker", "selected_date": f"{YEAR}-03-31"}}
    payload = {
        "type": "view_submission",
        "team": {"id": "T0TEST"},
        "user": {"id": SUBMITTER, "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": PROPOSAL_VIEW,
            "state": {"values": values},
        },
    }
    # json.dumps writes "\u0000" and "\ud83d" escapes, exactly what a JSON body carries.
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert b"%5Cu0000" in body
    answer = slack_env.send(sign(body, "application/x-www-form-urlencoded"))
    assert answer.status == 200, answer.body
    slack_env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == SUBMITTER)
    (proposal,) = fund.list_proposals(slack_env.context(), status="pending")
    assert (proposal.title, proposal.problem) == ("Null title", "Bytes")
