"""OKRs in Slack end to end, through signed requests and the fake Slack: /okr, /okr new and
its form (errors under their fields, a twin submission stored once), the Check in button and
its form, the weekly check-in prompt on the controllable clock (threaded under the
objective, once), and /okr in the console."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import okrs
from bot.console import console_context
from bot.core.context import Context
from bot.okrs import CHECKIN_ACTION, CHECKIN_VIEW, NEW_ACTION, NEW_VIEW, list_okrs
from bot.warroom.team import add_member
from handlers.commands.table import answer_line
from jobs.okr_checkin import okr_checkin_job, send_checkin_prompts
from jobs.scheduler import WarRoomScheduler
from tests.slack_data import load_small_data_set

WS = "default"


def _text(value: str) -> dict:
    return {"value": {"type": "plain_text_input", "value": value}}


def _option(value: str) -> dict:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


FORM = {
    "objective": _text("Cheaper customers"),
    "team": _option("marketing"),
    "quarter": _option("2026-Q4"),
    "kr1_metric": _option("cac"),
    "kr1_words": _text("channel=tiktok"),
    "kr1_target": _text("400"),
    "kr2_metric": _option("manual"),
    "kr2_words": _text("Partner deals"),
    "kr2_target": _text("4"),
}


def _said(env, name: str) -> str:  # type: ignore[no-untyped-def]
    calls = env.fake.wait_for("response_url", where=lambda c: c.path.endswith(name))
    return calls[-1].text


def test_okr_new_form_validates_and_stores_once(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    load_small_data_set(env.db, env.settings, env.clock)
    env.command("/okr", "", response_url=env.fake.response_url("empty"))
    assert "No OKRs yet" in _said(env, "/empty")
    env.command("/okr", "new")
    opened = env.fake.wait_for("views.open")[-1].params["view"]
    assert opened["callback_id"] == NEW_VIEW
    quarters = next(b for b in opened["blocks"] if b.get("block_id") == "quarter")
    assert [o["value"] for o in quarters["element"]["options"]][:2] == ["2026-Q4", "2027-Q1"]

    bad = {
        **FORM,
        "objective": _text(" "),
        "kr1_target": _text("cheap"),
        "kr3_words": _text("kind=paid"),
    }
    answer = env.submit_view(NEW_VIEW, bad).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"objective", "kr1_target", "kr3_metric"}
    assert list_okrs(env.context()) == []

    view_id = "VOKR1"
    first = env.submit_view(NEW_VIEW, FORM, view_id=view_id)
    twin = env.submit_view(NEW_VIEW, FORM, view_id=view_id)
    assert first.status == 200 and twin.status == 200
    (okr,) = list_okrs(env.context())
    assert (okr.objective, okr.team, okr.quarter) == ("Cheaper customers", "marketing", "2026-Q4")
    assert [(kr.kind, kr.query or kr.title) for kr in okr.key_results] == [
        ("metric", "/metric cac channel=tiktok"),
        ("manual", "Partner deals"),
    ]
    note = env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U1")
    assert "OKR #1 created" in note[-1].text

    env.command("/okr", "", response_url=env.fake.response_url("list"))
    listing = _said(env, "/list")
    assert "#1 Cheaper customers" in listing and "on track" in listing
    assert "KR #1" in listing and "now ¥500 from ¥1,200" in listing
    env.command("/okr", "2027-Q1", response_url=env.fake.response_url("next"))
    assert "No OKRs yet" in _said(env, "/next")
    env.command("/okr", "nonsense", response_url=env.fake.response_url("bad"))
    assert "There is no /okr nonsense" in _said(env, "/bad")
    env.action(NEW_ACTION, "new")
    assert env.fake.wait_for("views.open", count=2)[-1].params["view"]["callback_id"] == NEW_VIEW


def test_check_in_through_the_button_and_its_form(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    load_small_data_set(env.db, env.settings, env.clock)
    ctx = env.context("U1")
    okr_id = okrs.add_okr(ctx, "Deals", "2026-Q4", "joint")
    kr = okrs.add_key_result(ctx, okr_id, okrs.key_result_input(ctx, "Deals", "4", manual=True))
    env.action(CHECKIN_ACTION, str(okr_id), user="U0MKT")
    form = env.fake.wait_for("views.open")[-1].params["view"]
    assert form["callback_id"] == CHECKIN_VIEW and json.loads(form["private_metadata"]) == {
        "okr": okr_id
    }
    metadata = form["private_metadata"]
    values = {
        "key_result": _option(str(kr)),
        "confidence": _option("1.5"),
        "note": _text("one more signed"),
        "value": _text("lots"),
    }
    wrong = env.submit_view(CHECKIN_VIEW, values, user="U0MKT", private_metadata=metadata).json()
    assert set(wrong["errors"]) == {"confidence", "value"}
    values.update(confidence=_option("0.8"), value=_text("3"))
    done = env.submit_view(CHECKIN_VIEW, values, user="U0MKT", private_metadata=metadata)
    assert done.status == 200 and not done.body.strip()
    (okr,) = list_okrs(ctx)
    latest = okr.key_results[0].latest
    assert latest is not None and (latest.user_id, latest.confidence, latest.value) == (
        "U0MKT",
        0.8,
        3,
    )
    note = env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0MKT")
    assert "confidence 80%" in note[-1].text
    # A button naming no objective of this workspace opens nothing.
    env.action(CHECKIN_ACTION, "999", user="U0MKT")
    told = env.fake.wait_for(
        "chat.postMessage", count=2, where=lambda c: c.params["channel"] == "U0MKT"
    )
    assert "no OKR #999" in told[-1].text


def _posts(env, event: str) -> list:  # type: ignore[no-untyped-def]
    return env.fake.calls_to(
        "chat.postMessage",
        where=lambda c: (c.params.get("metadata") or {}).get("event_type") == event,
    )


def test_weekly_check_in_prompt_on_the_clock(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    load_small_data_set(env.db, env.settings, env.clock)
    add_member(env.db, WS, "U0MKT", "marketing")
    add_member(env.db, WS, "U0OPS", "operations")
    ctx = env.context()
    okr_id = okrs.add_okr(ctx, "Cheaper customers", "2026-Q4", "marketing")
    okrs.add_key_result(ctx, okr_id, okrs.key_result_input(ctx, "/cac channel=tiktok", "400"))
    okrs.add_okr(ctx, "No key results yet", "2026-Q4", "joint")

    monday = env.clock.now()  # Monday 2026-11-02 10:00 UTC; STANDUP_TIME is 09:00
    assert okr_checkin_job(ctx, monday - timedelta(hours=2)).status == "skipped"  # 08:00
    assert okr_checkin_job(ctx, monday + timedelta(days=1)).status == "skipped"  # Tuesday
    outcome = okr_checkin_job(ctx, monday)
    assert outcome.status == "posted", outcome.message
    (parent,) = _posts(env, "warroom_okr")
    (prompt,) = _posts(env, "warroom_okr_checkin")
    assert parent.params["channel"] == "#war-room"
    assert "Cheaper customers" in parent.text
    assert prompt.params["thread_ts"] == parent.response["ts"]
    assert "<@U0MKT>" in prompt.text and "<@U0OPS>" not in prompt.text
    button = prompt.params["blocks"][-1]["elements"][0]
    assert (button["action_id"], button["value"]) == (CHECKIN_ACTION, str(okr_id))
    (okr, _) = list_okrs(ctx)
    assert okr.message_ts == parent.response["ts"]

    # Again the same morning (the watchdog, another process): nothing more.
    assert okr_checkin_job(ctx, monday + timedelta(minutes=5)).status == "skipped"
    assert send_checkin_prompts(ctx, monday, monday.date()).status == "skipped"
    assert len(_posts(env, "warroom_okr_checkin")) == 1
    # Next Monday: a new prompt in the same thread; the objective's message stays.
    next_monday = monday + timedelta(days=7)
    assert okr_checkin_job(ctx, next_monday).status == "posted"
    prompts = _posts(env, "warroom_okr_checkin")
    assert len(prompts) == 2 and prompts[-1].params["thread_ts"] == parent.response["ts"]
    assert len(_posts(env, "warroom_okr")) == 1


def test_okr_in_the_console(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    load_small_data_set(env.db, env.settings, env.clock)
    asked = console_context(env.settings, env.db, env.clock)
    okrs.add_okr(asked, "Cheaper customers", "2026-Q4", "marketing")
    listing = answer_line("/okr", asked).as_text()
    assert "#1 Cheaper customers · marketing · 2026-Q4" in listing
    form = answer_line("/okr new", asked).as_text()
    assert "[form: New OKR]" in form and "Key result 1" in form
    assert "every monday" in answer_line("okr help", asked).as_text().lower()


def test_the_check_in_is_planned_on_mondays_at_standup_time(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    shanghai = env.settings.model_copy(update={"timezone": "Asia/Shanghai"})
    scheduler = WarRoomScheduler(Context(env=shanghai, db=env.db, clock=env.clock))
    scheduler.plan(WS)
    trigger = scheduler.scheduler.get_job(f"okr_checkin:{WS}").trigger
    zone = ZoneInfo("Asia/Shanghai")
    friday = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, friday) == datetime(2026, 11, 2, 9, 0, tzinfo=zone)
    later = datetime(2026, 11, 2, 10, 0, tzinfo=zone)
    assert trigger.get_next_fire_time(None, later) == datetime(2026, 11, 9, 9, 0, tzinfo=zone)
