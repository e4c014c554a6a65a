"""slack-manifest.yml declares exactly what the app serves, so an admin creates it in one step."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import yaml
from slack_bolt.request import BoltRequest

from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.slack.app import BOT_SCOPES
from handlers import create_app
from handlers.commands.table import registered_commands

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"


def _manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def _app_commands(tmp_path: Path, candidates: set[str]) -> set[str]:
    """Which of `candidates` the built app has a slash-command listener for."""
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'm.db'}",
        slack_bot_token="xoxb-test",
        slack_signing_secret="s",
    )
    app = create_app(Context(env=settings, db=Database.from_settings(settings)))
    found = set()
    for name in candidates:
        request = BoltRequest(body=urlencode({"command": name, "text": ""}), mode="http")
        # Read-only: ask each registered listener whether it would take this command.
        if any(all(m.matches(request, None) for m in ls.matchers) for ls in app._listeners):
            found.add(name)
    return found


def test_manifest_commands_are_the_registered_commands(tmp_path: Path) -> None:
    declared = {c["command"] for c in _manifest()["features"]["slash_commands"]}
    assert declared == set(registered_commands())
    assert _app_commands(tmp_path, declared | {"/nonsense"}) == declared


def test_every_command_has_a_description_usage_and_an_http_url() -> None:
    for command in _manifest()["features"]["slash_commands"]:
        assert command["description"], command
        assert command["url"].endswith("/slack/events"), command
        assert command["url"].startswith("https://"), command
        # /warroom team takes @mentions, which Slack escapes to <@U123|name> only when asked.
        escaped = command["command"] == "/warroom"
        assert command.get("should_escape") is escaped, command


def test_http_mode_urls_and_events() -> None:
    settings = _manifest()["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    redirect = _manifest()["oauth_config"]["redirect_urls"]
    assert any(url.endswith("/slack/oauth_redirect") for url in redirect)


def test_manifest_scopes_are_the_scopes_the_app_asks_for() -> None:
    assert set(_manifest()["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)


def test_home_tab_is_enabled() -> None:
    assert _manifest()["features"]["app_home"]["home_tab_enabled"] is True
