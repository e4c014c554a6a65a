"""Serving modes: OAuth (multi-workspace) over HTTP with slack_sdk's SQLAlchemy stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.core.clock import ManualClock
from bot.core.db import Database
from bot.core.workspace import SINGLE_WORKSPACE, workspace_key
from bot.slack.server import stop_http_server
from tests.fake_slack import FakeSlack
from tests.slack_requests import SlackEnv, get, slack_settings, start_app

CLIENT_ID = "111.222"


@pytest.fixture
def oauth_env(settings) -> Iterator[SlackEnv]:
    """The app in OAuth mode (no bot token; tokens come from the installation store)."""
    fake = FakeSlack().start()
    connected = slack_settings(
        settings,
        fake,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret="client-secret",
    )
    database = Database.from_settings(connected)
    clock = ManualClock(datetime(2026, 11, 2, 10, tzinfo=UTC))
    server, url, thread = start_app(connected, database, clock)
    yield SlackEnv(connected, database, clock, fake, url)
    stop_http_server(server, thread)
    fake.close()
    database.dispose()


def _install(env: SlackEnv, team: str, token: str) -> None:
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=env.db.state)
    store.save(
        Installation(
            app_id="A0TEST",
            team_id=team,
            bot_token=token,
            bot_id="BBOT",
            bot_user_id="UBOT",
            bot_scopes=["commands", "chat:write"],
            user_id="U1",
            installed_at=datetime.now(UTC).timestamp(),
        )
    )


def test_install_page_links_to_slack_with_the_client_id(oauth_env) -> None:
    page = get(oauth_env.url + "/slack/install")
    assert page.status == 200
    assert "https://slack.com/oauth/v2/authorize" in page.body
    assert f"client_id={CLIENT_ID}" in page.body
    assert "chat%3Awrite" in page.body or "chat:write" in page.body


def test_each_workspace_is_answered_with_its_own_token(oauth_env) -> None:
    _install(oauth_env, "T0TEST", "xoxb-team-one")
    _install(oauth_env, "T0TWO", "xoxb-team-two")
    oauth_env.command("/warroom", "help", team="T0TEST")
    oauth_env.command("/warroom", "help", team="T0TWO")
    posts = oauth_env.fake.wait_for("response_url", count=2)
    assert all("/ltv channel=tiktok" in p.text for p in posts)
    tokens = {c.headers.get("authorization") for c in oauth_env.fake.calls_to("auth.test")}
    assert tokens == {"Bearer xoxb-team-one", "Bearer xoxb-team-two"}


def test_a_workspace_that_never_installed_is_asked_to_install(oauth_env) -> None:
    answer = oauth_env.command("/warroom", "help", team="T0STRANGER")
    assert answer.status == 200
    (post,) = oauth_env.fake.wait_for("response_url")
    assert "reinstall" in post.text
    assert "/ltv" not in post.text
    assert not oauth_env.fake.calls_to("auth.test")


def test_workspace_keys_per_mode(oauth_env, settings) -> None:
    assert workspace_key(oauth_env.settings, "T0TWO") == "T0TWO"
    assert workspace_key(settings, "T0TWO") == SINGLE_WORKSPACE
