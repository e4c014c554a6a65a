"""Metric commands end to end: signed slash commands in, answers at the response_url.

The data set (tests/slack_data.py) is tiny and built by hand so every expected number is
obvious: CAC for tiktok 500 now and 1,200 before, douyin 900, 600 blended.
"""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import event

from bot.core.render import Reply
from bot.metrics.render import CHART_ACTION, SHARE_ACTION, button_value
from bot.slack.app import LISTENER_THREADS
from bot.slack.listener import ANSWER_THREADS
from handlers.commands.table import COMMANDS, Command
from tests.slack_data import load_small_data_set


@pytest.fixture
def loaded(slack_env):
    """slack_env with the hand-built data set loaded and the rollups built."""
    load_small_data_set(slack_env.db, slack_env.settings, slack_env.clock)
    return slack_env


def _blocks_text(call) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(call.params.get("blocks", []), ensure_ascii=False)


def test_cac_for_one_channel_with_the_change_coloured_good(loaded) -> None:
    answer = loaded.command("/cac", "channel=tiktok")
    assert answer.status == 200 and answer.body == ""
    (post,) = loaded.fake.wait_for("response_url")
    assert post.params["response_type"] == "ephemeral"
    blocks = post.params["blocks"]
    assert blocks[0]["type"] == "header"
    assert "CAC" in blocks[0]["text"]["text"] and "tiktok" in blocks[0]["text"]["text"]
    headline = blocks[1]["text"]["text"]
    assert "*¥500*" in headline
    # CAC fell from 1,200 to 500: down is good for a cost.
    assert ":large_green_circle: ▼ 58.3%" in headline
    assert "¥1,200" in headline
    assert "n = 3 new customers" in _blocks_text(post)
    buttons = [e["action_id"] for e in blocks[-1]["elements"]]
    assert buttons == [SHARE_ACTION, CHART_ACTION]


def test_breakdown_rows_are_aligned_in_a_code_block(loaded) -> None:
    loaded.command("/cac", "by=channel")
    (post,) = loaded.fake.wait_for("response_url")
    text = _blocks_text(post)
    assert "*¥600*" in text
    code = next(
        b["text"]["text"]
        for b in post.params["blocks"]
        if "```" in b.get("text", {}).get("text", "")
    )
    rows = [line for line in code.splitlines() if line and line != "```"]
    assert any(r.split()[0].lower() in ("douyin", "tiktok") for r in rows)
    values = {r.split()[0].lower(): r.split()[1] for r in rows}
    assert values == {"tiktok": "¥500", "douyin": "¥900"}
    # Aligned: the values start in the same column.
    assert len({r.index("¥") for r in rows}) == 1


def test_bad_input_gets_a_short_private_error_with_a_suggestion(loaded) -> None:
    loaded.command("/ltv", "chanel=tiktok")
    (post,) = loaded.fake.wait_for("response_url")
    assert post.params["response_type"] == "ephemeral"
    text = _blocks_text(post)
    assert "chanel" in text and "channel" in text
    assert ":warning:" in text


def test_unknown_channel_and_unknown_metric(loaded) -> None:
    loaded.command("/roi", "channel=tiktk")
    loaded.command("/metric", "ltvcacx")
    posts = loaded.fake.wait_for("response_url", count=2)
    texts = " ".join(_blocks_text(p) for p in posts)
    assert "tiktk" in texts and "did you mean tiktok" in texts.lower()
    assert "ltvcacx" in texts


def test_metric_list_names_every_metric(loaded) -> None:
    from bot.metrics.registry import METRICS

    loaded.command("/metric", "list")
    (post,) = loaded.fake.wait_for("response_url")
    text = _blocks_text(post)
    for metric in METRICS:
        assert metric.name in text


def test_share_posts_in_the_channel_and_says_who_shared(loaded) -> None:
    loaded.action(SHARE_ACTION, button_value("/cac channel=tiktok"), user="U7", channel="C0WARROOM")
    (post,) = loaded.fake.wait_for("chat.postMessage")
    assert post.params["channel"] == "C0WARROOM"
    text = _blocks_text(post)
    assert "*¥500*" in text
    assert "shared by <@U7>" in text
    # The shared copy has no buttons of its own.
    assert all(b["type"] != "actions" for b in post.params["blocks"])
    assert not loaded.fake.calls_to("response_url")


def test_chart_uploads_a_png_titled_with_the_query(loaded) -> None:
    loaded.action(CHART_ACTION, button_value("/cac channel=tiktok"), channel="C0WARROOM")
    (done,) = loaded.fake.wait_for("files.completeUploadExternal")
    assert done.params["channel_id"] == "C0WARROOM"
    files = done.params["files"]
    files = json.loads(files) if isinstance(files, str) else files
    assert "CAC" in files[0]["title"] and "tiktok" in files[0]["title"]
    (upload,) = loaded.fake.calls_to("upload")
    assert upload.body[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_with_no_data_says_so_privately(loaded) -> None:
    loaded.action(CHART_ACTION, button_value("/cac channel=tiktok period=2025-01"))
    (post,) = loaded.fake.wait_for("response_url")
    assert "nothing to chart" in _blocks_text(post)
    assert not loaded.fake.calls_to("files.getUploadURLExternal")


def test_ack_comes_before_any_database_work(loaded) -> None:
    """With every database statement held at a gate, the command is still acked at once."""
    gate = threading.Event()
    held = threading.Event()

    def wait_at_gate(*_args: object) -> None:
        held.set()
        assert gate.wait(timeout=10), "the test never opened the gate"

    event.listen(loaded.db.state, "before_cursor_execute", wait_at_gate)
    try:
        answer = loaded.command("/cac", "channel=tiktok")
        assert answer.status == 200 and answer.body == ""
        assert held.wait(timeout=5), "the listener never reached the database"
        assert not loaded.fake.calls_to("response_url")
    finally:
        gate.set()
    (post,) = loaded.fake.wait_for("response_url")
    # Removed only now: removing a listener while a statement runs would disturb it.
    event.remove(loaded.db.state, "before_cursor_execute", wait_at_gate)
    assert "*¥500*" in _blocks_text(post)


def test_slow_answers_never_hold_up_the_next_ack(loaded, monkeypatch: pytest.MonkeyPatch) -> None:
    """More answers stuck than Bolt has listener threads: the next ack still comes at once."""
    gate = threading.Event()
    started = threading.Semaphore(0)

    def slow(text: str, invocation: object) -> Reply:
        started.release()
        assert gate.wait(timeout=30), "the test never opened the gate"
        return Reply.text("slow answer")

    monkeypatch.setitem(COMMANDS, "/metric", Command(slow))
    stuck = LISTENER_THREADS + 8
    try:
        for _ in range(stuck):
            assert loaded.command("/metric", "slow").status == 200
        for _ in range(ANSWER_THREADS):
            assert started.acquire(timeout=5), "the answers never started"
        answer = loaded.command("/cac", "channel=tiktok")
        assert answer.status == 200
        assert not loaded.fake.calls_to("response_url")
    finally:
        gate.set()
    posts = loaded.fake.wait_for("response_url", count=stuck + 1, timeout=20)
    assert sum("slow answer" in p.text for p in posts) == stuck
