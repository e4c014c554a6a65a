"""Settings: defaults from the design, and one clear line for every bad value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.settings import Settings, SettingsError, load_settings


def test_defaults_follow_the_design() -> None:
    settings = load_settings(_env_file=None)
    assert settings.digest_time == "09:30"
    assert settings.fund_pool_pct == 15
    assert settings.ltv_horizon_days == 180
    assert settings.gross_margin == 1.0
    assert settings.roi_window_days == 30
    assert settings.lead_window_days == 30
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.slack_mode == "console"
    assert settings.analytics_url == settings.database_url


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("DIGEST_TIME", "25:00", "DIGEST_TIME"),
        ("FUND_POOL_PCT", "140", "FUND_POOL_PCT"),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE"),
        ("GROSS_MARGIN", "0", "GROSS_MARGIN"),
        ("PORT", "http", "PORT"),
        ("FUND_APPROVAL", "three-key", "FUND_APPROVAL"),
    ],
)
def test_bad_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("TIMEZONE=Asia/Shanghai\nCURRENCY=usd\n", encoding="utf-8")
    settings = Settings()
    assert settings.timezone == "Asia/Shanghai"
    assert settings.currency == "USD"
    assert str(settings.tz) == "Asia/Shanghai"


def test_slack_modes() -> None:
    base = {"_env_file": None}
    assert load_settings(**base, slack_bot_token="xoxb-1").slack_mode == "single"
    assert (
        load_settings(**base, slack_bot_token="xoxb-1", slack_app_token="xapp-1").slack_mode
        == "socket"
    )
    assert load_settings(**base, slack_client_id="1", slack_client_secret="s").slack_mode == "oauth"
    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET"):
        load_settings(**base, slack_client_id="1")


def test_cli_reports_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": "", "DIGEST_TIME": "25:00", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert "DIGEST_TIME" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
