"""The war room end to end through signed requests and the fake Slack: team roles, the
settings form, the stand-up prompt, form and update, the digest with the update, alerts."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import insert

from bot.core.workspace import effective_settings
from bot.models import Campaign, Channel
from bot.warroom import standup
from bot.warroom.forms import SETTINGS_CALLBACK, STANDUP_CALLBACK
from bot.warroom.render import ALERT_NUMBERS_ACTION, STANDUP_OPEN_ACTION
from bot.warroom.team import add_member, member
from jobs.standup import send_prompts

WS = "default"
DAY = date(2026, 11, 2)  # the slack_env clock's day (Monday)


def _say(env, url_name: str) -> str:  # type: ignore[no-untyped-def]
    calls = env.fake.wait_for("response_url", where=lambda c: c.path.endswith(url_name))
    return calls[-1].text


def test_team_changes_need_an_admin(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    response = env.command(
        "/warroom",
        "team add marketing <@U0BOB|bob> approver",
        user="U1",
        response_url=env.fake.response_url("a"),
    )
    assert response.status == 200
    assert "Only admins" in _say(env, "/a")
    assert member(env.db, WS, "U0BOB") is None

    env.fake.users["U0BOSS"] = {"is_admin": True}
    env.command(
        "/warroom",
        "team add marketing <@U0BOB|bob> approver",
        user="U0BOSS",
        response_url=env.fake.response_url("b"),
    )
    assert "is in marketing (approver)" in _say(env, "/b")
    bob = member(env.db, WS, "U0BOB")
    assert bob is not None and bob.team == "marketing" and bob.is_approver

    env.command(
        "/warroom", "team add ops U0OPS", user="U0BOSS", response_url=env.fake.response_url("c")
    )
    assert "is in operations" in _say(env, "/c")
    env.command("/warroom", "team", user="U1", response_url=env.fake.response_url("d"))
    listing = _say(env, "/d")
    assert "U0BOB" in listing and "U0OPS" in listing and "Only admins can change" in listing
    env.command(
        "/warroom", "team remove <@U0OPS>", user="U0BOSS", response_url=env.fake.response_url("e")
    )
    assert "no longer" in _say(env, "/e")
    assert member(env.db, WS, "U0OPS") is None


def test_settings_form_validates_saves_and_wins_over_env(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    add_member(env.db, WS, "U0ADM", "operations", admin=True)
    env.command("/warroom", "settings", user="U0ADM")
    opened = env.fake.wait_for("views.open")[-1]
    assert opened.params["view"]["callback_id"] == SETTINGS_CALLBACK

    bad = env.submit_view(
        SETTINGS_CALLBACK,
        {"timezone": {"value": {"type": "plain_text_input", "value": "Mars/Base"}}},
        user="U0ADM",
    )
    answer = bad.json()
    assert answer["response_action"] == "errors"
    assert "unknown time zone" in answer["errors"]["timezone"]

    good = env.submit_view(
        SETTINGS_CALLBACK,
        {
            "digest_time": {"value": {"type": "timepicker", "selected_time": "10:15"}},
            "digest_weekdays_only": {
                "value": {"type": "radio_buttons", "selected_option": {"value": "false"}}
            },
            "timezone": {"value": {"type": "plain_text_input", "value": "Asia/Shanghai"}},
            "alert_ltv_cac_min": {"value": {"type": "number_input", "value": "2.5"}},
        },
        user="U0ADM",
    )
    assert good.status == 200 and not good.body.strip()
    saved = effective_settings(env.db, env.settings, WS)
    assert (saved.digest_time, saved.digest_weekdays_only, saved.timezone) == (
        "10:15",
        False,
        "Asia/Shanghai",
    )
    assert saved.alert_ltv_cac_min == 2.5
    note = env.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0ADM")
    assert "DIGEST_TIME" in note[-1].text

    # Someone who is not an admin cannot even open the form.
    env.command("/warroom", "settings", user="U1", response_url=env.fake.response_url("s"))
    assert "Only admins" in _say(env, "/s")


def test_standup_prompt_form_update_and_digest(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    with env.db.analytics.begin() as connection:
        connection.execute(insert(Channel).values(key="tiktok", name="TikTok", kind="paid"))
        connection.execute(
            insert(Campaign).values(
                id="c-11", channel="tiktok", name="Double 11 teaser", start_date=date(2026, 10, 20)
            )
        )
    add_member(env.db, WS, "U0MKT", "marketing")
    add_member(env.db, WS, "U0OPS", "operations")
    ctx = env.context()

    prompt = send_prompts(ctx, env.clock.now())
    assert prompt.status == "posted"
    posted = env.fake.calls_to("chat.postMessage")[-1]
    button = posted.params["blocks"][-1]["elements"][0]
    assert button["action_id"] == STANDUP_OPEN_ACTION and button["value"] == DAY.isoformat()
    assert send_prompts(ctx, env.clock.now()).status == "skipped"

    env.action(STANDUP_OPEN_ACTION, DAY.isoformat(), user="U0MKT")
    form = env.fake.wait_for("views.update")[-1].params["view"]
    assert form["callback_id"] == STANDUP_CALLBACK
    select = next(b for b in form["blocks"] if b.get("block_id") == "campaign")
    assert select["element"]["options"][0]["value"] == "c-11"

    metadata = json.dumps({"date": DAY.isoformat()})
    saved = env.submit_view(
        STANDUP_CALLBACK,
        {
            "campaign": {"value": {"type": "static_select", "selected_option": {"value": "c-11"}}},
            "shipped": {"value": {"type": "plain_text_input", "value": "teaser video live"}},
            "next_steps": {"value": {"type": "plain_text_input", "value": "coupon push"}},
            "blockers": {"value": {"type": "plain_text_input", "value": ""}},
        },
        user="U0MKT",
        private_metadata=metadata,
    )
    assert saved.status == 200 and not saved.body.strip()
    update = standup.get_update(env.db, WS, "U0MKT", DAY)
    assert update is not None and update.campaign_name == "Double 11 teaser"
    assert update.shipped == "teaser video live"

    # Operations edits twice: one update per person per day, the last one wins.
    for ready in (["coupons"], ["coupons", "stock"]):
        env.submit_view(
            STANDUP_CALLBACK,
            {
                "resources": {
                    "value": {
                        "type": "checkboxes",
                        "selected_options": [{"value": key} for key in ready],
                    }
                },
                "blockers": {"value": {"type": "plain_text_input", "value": "landing page QA"}},
            },
            user="U0OPS",
            private_metadata=metadata,
        )
    ops = standup.get_update(env.db, WS, "U0OPS", DAY)
    assert ops is not None and ops.resources_ready == ("coupons", "stock")

    env.command("/warroom", "digest now", user="U0MKT", response_url=env.fake.response_url("g"))
    assert "posted" in _say(env, "/g")
    digest = env.fake.calls_to(
        "chat.postMessage",
        where=lambda c: (c.params.get("metadata") or {}).get("event_type") == "warroom_digest",
    )
    assert len(digest) == 1
    text = digest[0].text
    assert "teaser video live" in text and "Double 11 teaser" in text
    assert "landing page QA" in text and "stock" in text

    # The digest went out: the day's updates are closed.
    late = env.submit_view(
        STANDUP_CALLBACK,
        {"shipped": {"value": {"type": "plain_text_input", "value": "too late"}}},
        user="U0MKT",
        private_metadata=metadata,
    )
    assert "has gone out" in late.json()["errors"]["blockers"]
    env.command("/warroom", "digest now", user="U0MKT", response_url=env.fake.response_url("h"))
    assert "went out already" in _say(env, "/h")


def test_standup_button_for_someone_outside_the_team(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    env.action(STANDUP_OPEN_ACTION, DAY.isoformat(), user="U0STRANGER")
    view = env.fake.wait_for("views.update")[-1].params["view"]
    assert "not in marketing or operations" in json.dumps(view)


def test_alert_numbers_button_answers_privately(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env
    value = json.dumps({"q": "/metric list"})
    env.action(ALERT_NUMBERS_ACTION, value, user="U1", response_url=env.fake.response_url("n"))
    assert "ltv_cac" in _say(env, "/n")
