"""With the workspace's LANGUAGE set to zh (saved as a workspace setting, as /warroom settings
does), the digest, the alert messages, the fund's messages and the App Home are in Chinese:
their Chinese words are there, and no English sentence is left (commands in backticks,
mentions and data such as channel and campaign names aside)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import fund
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.core.workspace import save_settings
from bot.data.demo import load_demo
from bot.fund import render as fund_render
from bot.warroom import alerts
from bot.warroom.compose import digest_payload
from bot.warroom.home import home_view
from bot.warroom.render import alert_message, alerts_text, standup_prompt_message
from bot.warroom.standup import save_update
from bot.warroom.team import add_member

WS = "default"
END = datetime(2026, 11, 30).date()
DIGEST_DAY = END + timedelta(days=1)
CLOCK = ManualClock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
# Three or more English words in a row: a sentence nobody translated.
_ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ ,]+[A-Za-z][A-Za-z'’]*){2,}")


def texts(payload: Any) -> list[str]:
    """Every text of a message or view, as written (backticks kept)."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            elif key not in ("value", "action_id", "block_id", "private_metadata"):
                found += texts(value)
    elif isinstance(payload, list):
        for item in payload:
            found += texts(item)
    return found


def english_left(payload: Any) -> list[str]:
    """The English sentences in a payload's texts (commands, mentions and links removed)."""
    out = []
    for text in texts(payload):
        text = re.sub(r"`[^`]*`|<[^>]*>|:[a-z_0-9]+:", " ", text)
        out += _ENGLISH.findall(text)
    return out


@pytest.fixture
def zh(settings: Settings, db: Database) -> Context:
    """The demo data, a team with stand-ups, the alerts evaluated, a budget and a proposal,
    in a workspace whose LANGUAGE is zh."""
    settings = settings.model_copy(update={"ltv_horizon_days": 60})
    load_demo(db, users=8000, days=90, seed=7, end_date=END)
    save_settings(db, settings, WS, {"language": "zh"})
    for user, team in (("U0MKT", "marketing"), ("U0OPS", "operations"), ("U0LATE", "marketing")):
        add_member(db, WS, user, team, approver=user != "U0LATE")
    add_member(db, WS, "U0ADMIN", "operations", admin=True)
    ctx = Context(env=settings, db=db, clock=CLOCK, workspace_id=WS)
    assert ctx.lang == "zh" and ctx.settings.language == "zh"
    save_update(replace(ctx, actor="U0MKT"), DIGEST_DAY, shipped="预热视频", blockers="预算上限")
    save_update(replace(ctx, actor="U0OPS"), DIGEST_DAY, resources_ready=["coupons"])
    alerts.evaluate(ctx.settings, db, WS, CLOCK)
    admin = replace(ctx, actor="U0ADMIN", surface="cli")
    fund.set_budget(admin, 2026, "12m")
    fund.submit_proposal(
        replace(ctx, actor="U0LATE"),
        fund.ProposalDraft(
            title="抖音直播试点",
            problem="抖音注册转化低",
            plan="三场直播",
            amount="250000",
            impact_metric="ltv_cac",
            impact_target="3.5",
            marketing_sponsor="U0LATE",
            operations_sponsor="U0ADMIN",
            start_date="2026-12-05",
            end_date="2026-12-31",
        ),
    )
    return ctx


def test_the_digest_is_in_chinese(zh: Context) -> None:
    _digest, message = digest_payload(zh, DIGEST_DAY)
    shown = "\n".join(texts(message))
    assert message["text"] == "2026年12月1日 周二 作战室日报，3 个未关闭的预警"
    for words in (
        "作战室 · 2026年12月1日 周二",
        "*未关闭的预警（3）*",
        "预测",
        "原因：",
        "*创新基金*",
    ):
        assert words in shown, words
    assert "已完成：预热视频" in shown and "阻碍：预算上限" in shown
    assert "已就绪：优惠券" in shown and "_尚未发布：_ <@U0LATE>" in shown
    # Money in 万: the pool of a 12m budget is ¥180万, the pending proposal ¥25万.
    assert "2026 年资金池：¥180万" in shown and "¥25万" in shown
    assert english_left(message) == []
    # The check finds English where it is: the same digest for an English workspace.
    _digest, english = digest_payload(zh.in_language("en"), DIGEST_DAY)
    assert len(english_left(english)) > 10


def test_alert_messages_are_in_chinese(zh: Context) -> None:
    opened = alerts.open_alerts(zh.db, WS)
    assert len(opened) == 3
    for alert in opened:
        message = alert_message(alert, "opened", zh.lang)
        shown = "\n".join(texts(message))
        assert "预案预警" in shown and "*应对：*" in shown and "查看数字" in shown
        assert english_left(message) == [], alert.rule
    baidu = next(alert for alert in opened if alert.subject == "baidu")
    assert "LTV/CAC 低于目标" in alert_message(baidu, "opened", "zh")["text"]
    summary = "\n".join(texts(alert_message(baidu, "opened", "zh")))
    assert "的客户 LTV/CAC 为" in summary
    # The same alert is still said in English where English is asked for.
    assert "LTV/CAC under target" in alert_message(baidu, "opened", "en")["text"]
    assert "负责：" in alerts_text(opened, "CNY", "zh")


def test_fund_messages_are_in_chinese(zh: Context) -> None:
    t = zh.words
    (proposal,) = fund.list_proposals(zh, status="pending")
    message = fund_render.proposal_message(proposal, "two-key", "CNY", "zh")
    shown = "\n".join(texts(message))
    assert "*金额*\n¥25万，来自 2026 年资金池" in shown
    assert "批准" in shown and "要求修改" in shown and "⏳" not in shown
    assert english_left(message) == []
    outcome = fund.approve(replace(zh, actor="U0MKT"), proposal.id)
    assert t.say(outcome.message) == "您已代表市场批准；等待运营。"
    answer = fund.fund_command("", replace(zh, actor="U0MKT", surface="slack"))
    assert answer.message is not None and english_left(answer.message) == []
    assert "2026 年创新基金" in "\n".join(texts(answer.message))
    listed = fund.fund_command("list", replace(zh, actor="U0MKT", surface="slack"))
    assert listed.message is not None and english_left(listed.message) == []
    form = fund_render.proposal_modal(language="zh")
    assert form["title"]["text"] == "基金提案" and english_left(form) == []
    refused = fund.fund_command("history x", zh)
    assert refused.message is not None and "请说明是哪个提案" in refused.message["text"]


def test_the_app_home_is_in_chinese(zh: Context) -> None:
    view = home_view(replace(zh, actor="U0OPS", surface="slack"))
    shown = "\n".join(texts(view))
    for words in ("作战室", "*各渠道，近 30 天*", "*预案预警*（3 个未关闭）", "*2026 年创新基金*"):
        assert words in shown, words
    assert "*等待您审批*（1）" in shown
    assert english_left(view) == []


def test_the_stand_up_prompt_is_in_chinese(zh: Context) -> None:
    message = standup_prompt_message(DIGEST_DAY, zh.settings, zh.lang)
    assert "发布我的更新" in "\n".join(texts(message))
    assert english_left(message) == []
