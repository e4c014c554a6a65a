"""Every Slack Web API client the bot makes comes from here: one base URL, one retry policy.

The policy: a 429 is retried after Retry-After for every method (Slack refused the request,
so nothing happened). A 5xx answer, a time-out or a dropped connection leaves it open whether
Slack acted, so those are retried only for methods that can be repeated without a second
effect (reads, chat.update, views.update ...), never for a method that creates something
(chat.postMessage, files.completeUploadExternal, views.open ...): a message that must go out
once is looked up instead (bot.core.posting).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from sqlalchemy import Engine

from bot.core.settings import Settings

# Methods whose repetition would create a second message, file, modal or reminder.
NOT_REPEATABLE = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.meMessage",
        "chat.scheduleMessage",
        "files.completeUploadExternal",
        "files.upload",
        "files.remote.add",
        "views.open",
        "views.push",
        "reminders.add",
        "conversations.create",
    }
)


def method_of(url: str) -> str:
    """The Web API method a request URL calls ("chat.postMessage")."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def _repeatable(request: Any) -> bool:
    return method_of(str(getattr(request, "url", ""))) not in NOT_REPEATABLE


class RepeatableServerErrorRetryHandler(ServerErrorRetryHandler):
    """Retries a 500 or 503 answer, only for a method that can be repeated safely."""

    def _can_retry(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        return _repeatable(request) and super()._can_retry(
            state=state, request=request, response=response, error=error
        )


class RepeatableConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """Retries a dropped connection or a time-out, only for a method that can be repeated."""

    def __init__(self, max_retry_count: int = 1) -> None:
        super().__init__(
            max_retry_count=max_retry_count,
            error_types=[*ConnectionErrorRetryHandler().error_types_to_do_retries, TimeoutError],
        )

    def _can_retry(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        return _repeatable(request) and super()._can_retry(
            state=state, request=request, response=response, error=error
        )


def retry_handlers() -> list[RetryHandler]:
    """429 (honouring Retry-After) for every method; 5xx answers, dropped connections and
    time-outs only for methods that can be repeated without a second effect."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=3),
        RepeatableConnectionErrorRetryHandler(max_retry_count=2),
        RepeatableServerErrorRetryHandler(max_retry_count=2),
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
