"""Every Slack Web API client the bot makes comes from here: one base URL, one retry policy."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import Engine

from bot.core.settings import Settings


def retry_handlers() -> list:
    """Retries for connection resets, 429 (honouring Retry-After) and 5xx answers."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient for SLACK_API_URL with the bot's retry handlers (token: default bot token)."""
    return WebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=retry_handlers(),
    )


class NoInstallation(RuntimeError):
    """The workspace has no bot token (it was uninstalled, or never installed)."""


def workspace_client(settings: Settings, engine: Engine, workspace_id: str) -> WebClient:
    """A client holding the bot token of one workspace: SLACK_BOT_TOKEN, or the OAuth
    installation stored for that team (raises NoInstallation when there is none)."""
    if settings.slack_mode != "oauth":
        if not settings.slack_bot_token:
            raise NoInstallation("SLACK_BOT_TOKEN is not set, so nothing can be posted to Slack")
        return make_client(settings)
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id or "", engine=engine)
    bot = store.find_bot(enterprise_id=None, team_id=workspace_id)
    if bot is None or not bot.bot_token:
        raise NoInstallation(f"workspace {workspace_id} has no bot installation")
    return make_client(settings, token=bot.bot_token)
