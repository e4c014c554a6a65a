"""An alert's message and its "Show the numbers" answer, through the real app: the numbers
carry the projection the rule judged and the drivers of the change."""

from __future__ import annotations

import json
from datetime import date

from bot.data.demo import load_demo
from bot.warroom import alerts
from bot.warroom.render import ALERT_NUMBERS_ACTION, alert_message


def test_the_numbers_button_shows_projection_and_drivers(slack_env) -> None:  # type: ignore[no-untyped-def]
    env = slack_env  # its clock: 2 Nov 2026, so yesterday is 1 Nov
    # 200 days of data: cohorts that have reached the 180-day horizon to project from.
    load_demo(env.db, users=3000, days=200, seed=3, end_date=date(2026, 11, 1))
    changes = alerts.evaluate(env.settings, env.db, "default", env.clock)
    baidu = next(c.alert for c in changes if c.alert.subject == "baidu")
    assert baidu.rule == "ltv_cac_low" and "projected at 180 days" in baidu.summary
    message = json.dumps(alert_message(baidu, "opened"), ensure_ascii=False)
    assert "*Why:*" in message
    value = json.dumps({"q": baidu.command})
    env.action(ALERT_NUMBERS_ACTION, value, user="U1", response_url=env.fake.response_url("n"))
    calls = env.fake.wait_for("response_url", where=lambda c: c.path.endswith("/n"))
    answer = calls[-1].text
    assert "so far" in answer and "projected" in answer and "at 180 days" in answer
    assert "Why:" in answer and "compared at the same age" in answer
