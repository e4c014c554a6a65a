"""/journey and /northstar in Slack (signed requests, the fake Slack) and in the console; the
App Home's north-star and OKR sections; the digest's OKRs-at-risk and journey lines."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot import okrs
from bot.console import console_context
from bot.core.render import blocks_as_text
from bot.data.demo import load_demo
from bot.warroom.compose import digest_payload
from handlers.commands.table import answer_line
from tests.slack_requests import app_home_opened

END = date(2026, 11, 1)  # the slack_env clock is on 2026-11-02


@pytest.fixture
def demo(slack_env):  # type: ignore[no-untyped-def]
    load_demo(slack_env.db, users=1500, days=45, seed=7, end_date=END)
    return slack_env


def _said(env, name: str) -> str:  # type: ignore[no-untyped-def]
    calls = env.fake.wait_for("response_url", where=lambda c: c.path.endswith(name))
    return calls[-1].text


def test_journey_and_northstar_in_slack(demo) -> None:  # type: ignore[no-untyped-def]
    env = demo
    env.command("/journey", "", response_url=env.fake.response_url("j"))
    journey = _said(env, "/j")
    assert "User journey" in journey and "2026-10-26 to 2026-11-01" in journey
    assert "Hand-off to operations" in journey
    assert "Biggest drop: Landing page views → Sign-ups" in journey
    assert "owner: operations" in journey
    env.command("/journey", "channel=tiktok since=14d", response_url=env.fake.response_url("t"))
    assert "tiktok · 2026-10-19 to 2026-11-01 (14 days)" in _said(env, "/t")
    env.command("/journey", "channel=tiktk", response_url=env.fake.response_url("bad"))
    assert "tiktk" in _said(env, "/bad")
    env.command("/northstar", "", response_url=env.fake.response_url("n"))
    star = _said(env, "/n")
    for words in ("LTV/CAC", "Lead conversion", "Cost per converted lead", "Lead response time"):
        assert words in star
    assert "owner: joint" in star and "owner: operations" in star and "owner: marketing" in star
    assert " h · " in star  # the response time, in hours


def test_journey_and_northstar_in_the_console(demo) -> None:  # type: ignore[no-untyped-def]
    asked = console_context(demo.settings, demo.db, demo.clock)
    journey = answer_line("/journey", asked).as_text()
    assert "Biggest drop: Landing page views → Sign-ups" in journey
    assert "North star" in answer_line("northstar", asked).as_text()
    assert "/northstar" in answer_line("/journey help", asked).as_text()


def test_app_home_shows_the_north_star_and_the_okrs(demo) -> None:  # type: ignore[no-untyped-def]
    env = demo
    ctx = env.context()
    okr_id = okrs.add_okr(ctx, "Faster follow-up", "2026-Q4", "operations")
    okrs.add_key_result(ctx, okr_id, okrs.key_result_input(ctx, "/metric lead_response_hours", "1"))
    assert env.send(app_home_opened("U3")).status == 200
    (publish,) = env.fake.wait_for("views.publish")
    view = json.dumps(publish.params["view"], ensure_ascii=False)
    assert "North star" in view and "Lead response time" in view
    assert "OKRs this quarter" in view and "#1 Faster follow-up" in view
    assert "could not be loaded" not in view


def test_the_digest_names_okrs_at_risk_and_the_journey_break(demo) -> None:  # type: ignore[no-untyped-def]
    env = demo
    ctx = env.context()
    okr_id = okrs.add_okr(ctx, "Cheaper leads", "2026-Q4", "marketing")
    # From a baseline of 10 down to 1: the cost per converted lead is far above both.
    okrs.add_key_result(
        ctx, okr_id, okrs.key_result_input(ctx, "/metric cost_per_converted_lead", "1", "10")
    )
    _digest, message = digest_payload(ctx)
    text = blocks_as_text(message)
    assert "OKRs at risk (1): #1 Cheaper leads (off track, marketing)" in text
    assert "Biggest drop: Landing page views → Sign-ups" in text
    assert "owner: operations · /journey" in text
    # Over the threshold only: with JOURNEY_DROP_MIN at 0.99 the journey line goes.
    strict = env.settings.model_copy(update={"journey_drop_min": 0.99})
    _digest, quiet = digest_payload(ctx.__class__(env=strict, db=env.db, clock=env.clock))
    assert "Biggest drop" not in blocks_as_text(quiet)
