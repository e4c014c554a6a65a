"""The app factory: the one place that builds a Bolt App for the configured mode.

Listeners are not imported here (they live above, in handlers/); the caller passes the
function that registers them, so this package never depends on the listeners.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.core.context import Context
from bot.core.db import Database
from bot.core.settings import Settings
from bot.slack.client import make_client

BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
    "im:write",
    # Messages that must go out once are looked up by their metadata after a doubtful answer
    # or an interrupted attempt (bot/core/posting.py): in public and private channels and DMs.
    "channels:history",
    "groups:history",
    # Also the message.im events: questions in a DM to the bot (handlers/events).
    "im:history",
    # The app_mention events: "@War Room what is our cac this week?" in a channel.
    "app_mentions:read",
)
OAUTH_STATE_SECONDS = 600
# Bolt runs every listener, ack included, in this pool (its default has five threads). Our
# listeners ack and hand the answer to bot.slack.listener's own pool; the headroom is for
# listeners that answer in place.
LISTENER_THREADS = 32
# Where a listener finds the bot's Context (without a workspace or actor yet) in Bolt's context.
CONTEXT_KEY = "warroom"


def base_context(context: BoltContext) -> Context:
    """The Context the app was built with (settings, stores, clock), for a listener."""
    return context[CONTEXT_KEY]


def _oauth_settings(settings: Settings, db: Database) -> OAuthSettings:
    client_id = settings.slack_client_id or ""
    return OAuthSettings(
        client_id=client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=SQLAlchemyInstallationStore(client_id=client_id, engine=db.state),
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS, engine=db.state
        ),
    )


def _listener_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt")


def build_app(base: Context, register: Callable[[App], None]) -> App:
    """A Bolt App for the configured mode (OAuth or one bot token), with the listeners that
    `register` adds and `base` (settings, stores, clock) available to each of them."""
    settings, database = base.env, base.db
    if settings.slack_mode == "oauth":
        client = make_client(settings, token="")
        # Each request's token comes from the installation store; a client token (even "")
        # would make Bolt warn that it is ignored.
        client.token = None
        app = App(
            signing_secret=settings.slack_signing_secret,
            client=client,
            oauth_settings=_oauth_settings(settings, database),
            listener_executor=_listener_pool(),
        )
    else:
        # The client carries the bot token (and SLACK_API_URL, and the retry handlers).
        app = App(
            signing_secret=settings.slack_signing_secret,
            client=make_client(settings),
            # Checked on the first request instead, so start-up does not need Slack.
            token_verification_enabled=False,
            listener_executor=_listener_pool(),
        )

    @app.middleware
    def _inject_context(context: BoltContext, next: Any) -> None:  # noqa: A002 (Bolt's name)
        context[CONTEXT_KEY] = base
        next()

    register(app)
    return app
