"""The Home tab end to end: app_home_opened in, views.publish out, once per event_id."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot.models import AlertState
from bot.warroom import home
from tests.slack_data import load_small_data_set
from tests.slack_requests import app_home_opened


def _home_text(call) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(call.params["view"], ensure_ascii=False)


def _table(call) -> list[str]:  # type: ignore[no-untyped-def]
    for block in call.params["view"]["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if text.startswith("```"):
            return [line for line in text.splitlines() if line and line != "```"]
    raise AssertionError("no table in the Home view")


def test_home_shows_headline_numbers_per_channel(slack_env) -> None:
    load_small_data_set(slack_env.db, slack_env.settings, slack_env.clock)
    assert slack_env.send(app_home_opened("U3")).status == 200
    (publish,) = slack_env.fake.wait_for("views.publish")
    assert publish.params["user_id"] == "U3"
    assert publish.params["view"]["type"] == "home"
    header, *rows = _table(publish)
    assert header.split() == ["Channel", "Spend", "New", "CAC", "Revenue", "ROI", "LTV/CAC"]
    cells = {row.split()[0]: row.split()[1:] for row in rows}
    assert cells["TikTok"][:4] == ["¥1,500", "3", "¥500", "¥180"]
    assert cells["Douyin"][:4] == ["¥900", "1", "¥900", "¥200"]
    assert cells["All"][:4] == ["¥2,400", "4", "¥600", "¥380"]
    # Right-aligned columns: every row is as wide as the header.
    assert len({len(r) for r in [header, *rows]}) == 1
    assert "No open alerts" in _home_text(publish)


def test_home_lists_open_alerts_of_this_workspace_only(slack_env) -> None:
    with slack_env.db.session() as session, session.begin():
        for workspace, state, subject in (
            ("default", "open", "tiktok"),
            ("default", "resolved", "douyin"),
            ("TOTHER", "open", "kuaishou"),
        ):
            session.add(
                AlertState(
                    workspace_id=workspace,
                    rule="ltv_cac_low",
                    subject=subject,
                    state=state,
                    details={"summary": f"LTV/CAC 1.2 for {subject}"},
                    opened_at=datetime(2026, 10, 30, 9),
                )
            )
    slack_env.send(app_home_opened("U1"))
    (publish,) = slack_env.fake.wait_for("views.publish")
    text = _home_text(publish)
    assert "1 open" in text
    assert "LTV/CAC under target" in text and "tiktok" in text
    assert "douyin" not in text and "kuaishou" not in text
    assert "No growth data loaded yet" in text or "no data" in text.lower()


def test_a_retried_event_publishes_once(slack_env) -> None:
    first = slack_env.send(app_home_opened("U1", event_id="Ev0SAME"))
    retry = slack_env.send(app_home_opened("U1", event_id="Ev0SAME", retry_num=1))
    assert first.status == retry.status == 200
    slack_env.send(app_home_opened("U2", event_id="Ev0OTHER"))
    publishes = slack_env.fake.wait_for("views.publish", count=2)
    assert sorted(p.params["user_id"] for p in publishes) == ["U1", "U2"]
    # The marker: U2's later event is published, so a duplicate U1 would have come first.
    assert len(slack_env.fake.calls_to("views.publish")) == 2


def test_a_failing_section_does_not_take_down_the_home(
    slack_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(invocation: object) -> list:
        raise RuntimeError("fund store unreachable")

    monkeypatch.setattr(home, "HOME_SECTIONS", [*home.HOME_SECTIONS, ("fund", broken)])
    slack_env.send(app_home_opened("U1"))
    (publish,) = slack_env.fake.wait_for("views.publish")
    text = _home_text(publish)
    assert "The fund section could not be loaded" in text
    assert "Playbook alerts" in text
