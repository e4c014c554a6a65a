"""Questions in Slack end to end, through signed requests: an @mention and a DM answered in
the thread, once per event, never to a bot; free text after a slash command; the readings of
an unclear question as buttons that answer where the question was asked.

The clock of slack_env is Monday 2026-11-02; the data set (tests/slack_data.py) has tiktok
at CAC 500 over the 30 days to 2026-11-01, and douyin at CAC 900 in October.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml

from bot.slack.app import BOT_SCOPES
from handlers.events.thread import from_a_person, question_of
from tests.fake_slack import BOT_ID, BOT_USER_ID, TEAM_ID
from tests.slack_data import load_small_data_set
from tests.slack_requests import SignedRequest, event_callback, sign

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"


@pytest.fixture
def loaded(slack_env):
    """slack_env with the hand-built data set loaded and the rollups built."""
    load_small_data_set(slack_env.db, slack_env.settings, slack_env.clock)
    return slack_env


def mention(text: str, ts: str, channel: str = "C0GENERAL", **extra: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": "U1",
        "text": text,
        "channel": channel,
        "ts": ts,
        **extra,
    }


def direct(text: str, ts: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D0U1",
        "user": "U1",
        "text": text,
        "ts": ts,
        **extra,
    }


def posts(env, count: int = 1) -> list[Any]:  # type: ignore[no-untyped-def]
    return env.fake.wait_for("chat.postMessage", count=count)


def blocks_text(call) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(call.params.get("blocks", []), ensure_ascii=False)


def test_a_mention_is_answered_in_its_thread(loaded) -> None:
    question = f"<@{BOT_USER_ID}> what is our cac on tiktok in the last 30 days?"
    assert loaded.event(mention(question, "1700000001.000100")).status == 200
    (post,) = posts(loaded)
    assert post.params["channel"] == "C0GENERAL"
    assert post.params["thread_ts"] == "1700000001.000100"
    assert post.params["text"].startswith("Understood as /cac channel=tiktok since=30d")
    assert "Understood as `/cac channel=tiktok since=30d`" in blocks_text(post)
    assert "¥500" in blocks_text(post)


def test_a_dm_in_chinese_is_answered_in_its_thread(loaded) -> None:
    loaded.event(direct("抖音上个月的获客成本", "1700000002.000100"))
    (post,) = posts(loaded)
    assert post.params["channel"] == "D0U1"
    assert post.params["thread_ts"] == "1700000002.000100"
    # Asked in Chinese, answered in Chinese: the answer, its small print and its buttons.
    shown = blocks_text(post)
    assert "理解为 `/cac channel=douyin last-month`" in shown
    assert "获客成本 · douyin · 上个月" in shown
    assert "¥900" in shown
    assert "分享到频道" in shown and "图表" in shown
    assert post.params["text"].startswith("理解为 /cac channel=douyin last-month. 获客成本")
    assert "Understood" not in shown and "Share to channel" not in shown


def test_a_question_asked_in_a_thread_is_answered_in_that_thread(loaded) -> None:
    loaded.event(direct("tiktok ltv", "1700000003.000200", thread_ts="1700000003.000100"))
    (post,) = posts(loaded)
    assert post.params["thread_ts"] == "1700000003.000100"


def test_a_bare_mention_gets_the_help(slack_env) -> None:
    slack_env.event(mention(f"<@{BOT_USER_ID}>", "1700000004.000100"))
    (post,) = posts(slack_env)
    assert post.params["thread_ts"] == "1700000004.000100"
    assert "/ltv channel=tiktok" in post.text


def test_a_retried_event_is_answered_once(loaded) -> None:
    event = mention(f"<@{BOT_USER_ID}> roi last month", "1700000005.000100")
    loaded.event(event, event_id="Ev0QUESTION")
    posts(loaded)
    assert loaded.event(event, event_id="Ev0QUESTION", retry_num=1).status == 200
    assert loaded.event(event, event_id="Ev0QUESTION", retry_num=2).status == 200
    loaded.event(mention(f"<@{BOT_USER_ID}> ltv", "1700000006.000100"), event_id="Ev0MARK")
    answered = posts(loaded, count=2)
    # The marker came after the retries, so an answer to a retry would have come first.
    assert sorted(p.params["thread_ts"] for p in answered) == [
        "1700000005.000100",
        "1700000006.000100",
    ]
    assert len(loaded.fake.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize(
    "event",
    [
        direct("cac", "1700000010.000100", user=BOT_USER_ID),  # its own message
        direct("cac", "1700000011.000100", bot_id="B0OTHER"),  # another bot
        direct("cac", "1700000012.000100", subtype="bot_message", bot_id="B0OTHER"),
        direct("cac", "1700000013.000100", subtype="message_changed"),
        mention(f"<@{BOT_USER_ID}> cac", "1700000014.000100", bot_id=BOT_ID),
        # A mention in a DM is answered as the DM (message.im), not twice.
        mention(f"<@{BOT_USER_ID}> cac", "1700000015.000100", channel="D0U1"),
    ],
)
def test_bots_edits_and_twins_are_not_answered(slack_env, event: dict[str, Any]) -> None:
    assert slack_env.event(event).status == 200
    slack_env.event(direct("ltv", "1700000099.000100"))
    (post,) = posts(slack_env)
    assert post.params["thread_ts"] == "1700000099.000100"
    assert len(slack_env.fake.calls_to("chat.postMessage")) == 1


def test_who_is_a_person_and_what_they_asked() -> None:
    assert from_a_person({"user": "U1", "text": "cac"}, BOT_USER_ID)
    assert not from_a_person({"user": BOT_USER_ID, "text": "cac"}, BOT_USER_ID)
    assert not from_a_person({"user": "U1", "bot_id": "B1"}, BOT_USER_ID)
    assert not from_a_person({"user": "U1", "subtype": "message_deleted"}, BOT_USER_ID)
    assert not from_a_person({"text": "no user"}, BOT_USER_ID)
    said = question_of({"text": f"<@{BOT_USER_ID}|warroom> cac &amp; roi for <@U2>"}, BOT_USER_ID)
    assert said == "cac & roi for <@U2>"
    assert question_of({"text": f"  <@{BOT_USER_ID}>  "}, BOT_USER_ID) == "help"


# --------------------------------------------------------------------------- slash commands


def test_free_text_after_a_slash_command_is_understood(loaded) -> None:
    response_url = loaded.fake.response_url("free")
    loaded.command("/cac", "tiktok last 30 days", response_url=response_url)
    (post,) = loaded.fake.wait_for("response_url")
    assert post.params["response_type"] == "ephemeral"
    text = blocks_text(post)
    assert "Understood as `/cac channel=tiktok since=30d`" in text and "¥500" in text


def test_an_unclear_slash_command_offers_readings_that_answer_privately(loaded) -> None:
    loaded.command("/metric", "cac and roi last month")
    (choices,) = loaded.fake.wait_for("response_url")
    buttons = [
        element
        for block in choices.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [b["text"]["text"] for b in buttons] == ["/cac last-month", "/roi last-month"]
    assert [b["action_id"] for b in buttons] == ["language_reading_0", "language_reading_1"]
    response_url = loaded.fake.response_url("picked")
    loaded.action("language_reading_0", buttons[0]["value"], response_url=response_url)
    answers = loaded.fake.wait_for("response_url", where=lambda c: c.path.endswith("/picked"))
    assert "Understood as `/cac last-month`" in blocks_text(answers[0])


def _click_in_thread(value: str, message_ts: str, thread_ts: str) -> SignedRequest:
    """A reading button clicked on a message everyone in the channel sees, in a thread."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U1", "username": "u1", "name": "u1", "team_id": TEAM_ID},
        "api_app_id": "A0TEST",
        "token": "verification-token-unused",
        "team": {"id": TEAM_ID, "domain": "test"},
        "is_enterprise_install": False,
        "trigger_id": "trigger.reading",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": "C0GENERAL",
            "is_ephemeral": False,
        },
        "channel": {"id": "C0GENERAL", "name": "general"},
        "message": {"type": "message", "ts": message_ts, "thread_ts": thread_ts, "text": ""},
        "response_url": "https://hooks.slack.com/actions/T0TEST/1/x",
        "actions": [
            {
                "type": "button",
                "action_id": "language_reading_1",
                "block_id": "b1",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return sign(body, "application/x-www-form-urlencoded")


def test_a_reading_chosen_under_a_mention_is_answered_in_the_thread(loaded) -> None:
    loaded.event(mention(f"<@{BOT_USER_ID}> 抖音 ltv 和 cac", "1700000020.000100"))
    (choices,) = posts(loaded)
    assert choices.params["thread_ts"] == "1700000020.000100"
    buttons = [
        element
        for block in choices.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [b["text"]["text"] for b in buttons] == [
        "/metric ltv_cac channel=douyin",
        "/ltv channel=douyin",
        "/cac channel=douyin",
    ]
    # The reading remembers the question was asked in Chinese.
    assert json.loads(buttons[1]["value"]) == {"q": "/ltv channel=douyin", "lang": "zh"}
    loaded.send(_click_in_thread(buttons[1]["value"], "1700000021.000100", "1700000020.000100"))
    answers = posts(loaded, count=2)
    answer = answers[1]
    assert answer.params["thread_ts"] == "1700000020.000100"
    assert "理解为 `/ltv channel=douyin`" in blocks_text(answer)


def test_an_event_callback_carries_the_event_id_it_is_deduplicated_on() -> None:
    request = event_callback(mention("hi", "1.0"), event_id="Ev0X")
    assert json.loads(request.body)["event_id"] == "Ev0X"


# --------------------------------------------------------------------------- the manifest


def test_the_manifest_subscribes_to_questions_with_the_scopes_they_need() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_mention", "message.im"} <= set(events)
    # app_mention needs app_mentions:read; message.im needs im:history.
    assert {"app_mentions:read", "im:history"} <= set(BOT_SCOPES)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
