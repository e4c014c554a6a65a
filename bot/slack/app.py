"""The app factory: the only place in bot/ that builds a Bolt App, and how it is served
(HTTP behind waitress, a production WSGI server, or Socket Mode)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.context import Services
from bot.core.db import Database
from bot.core.settings import Settings
from bot.slack.client import make_client

log = logging.getLogger(__name__)

__all__ = ["BOT_SCOPES", "Services", "create_app", "services_of"]

BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
    "im:write",
    # Finds a digest an interrupted attempt posted but did not record (jobs/digest.py).
    "channels:history",
)
OAUTH_STATE_SECONDS = 600
# Bolt runs every listener, ack included, in this pool (its default has five threads). Our
# listeners ack and hand the answer to bot.slack.listener's own pool; the headroom is for
# listeners that answer in place.
LISTENER_THREADS = 32


def services_of(context: BoltContext) -> Services:
    """The Services a listener runs with."""
    return context["services"]


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


def create_app(settings: Settings, db: Database | None = None, clock: Clock = SYSTEM_CLOCK) -> App:
    """Build the Bolt App for the configured mode and register every listener from handlers/."""
    from handlers import register_listeners

    database = db or Database.from_settings(settings)
    services = Services(settings=settings, db=database, clock=clock)
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
    def _inject_services(context: BoltContext, next: Any) -> None:  # noqa: A002 (Bolt's name)
        context["services"] = services
        next()

    register_listeners(app)
    return app


EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SERVER_THREADS = 16


class SlackHttpApp:
    """A WSGI app: GET /healthz answers; everything else goes to Bolt."""

    def __init__(self, app: App) -> None:
        self._slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            body = json.dumps({"ok": True}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self._slack(environ, start_response)


def make_http_server(app: App, host: str, port: int) -> Any:
    """A waitress server for the app, not yet serving (call .run(); .close() stops it)."""
    from waitress.server import create_server

    # Listener work runs in Bolt's own thread pool after ack, so request threads stay free.
    return create_server(
        SlackHttpApp(app), host=host, port=port, threads=SERVER_THREADS, ident="warroom"
    )


def stop_http_server(server: Any, thread: threading.Thread | None = None) -> None:
    """Stop a server made by make_http_server that runs in another thread, cleanly."""

    def close_everything() -> None:
        # Runs inside the server's own loop, so no socket is closed under a running select().
        for dispatcher in list(server._map.values()):
            dispatcher.close()

    server.trigger.pull_trigger(close_everything)
    if thread is not None:
        thread.join(timeout=10)
    server.task_dispatcher.shutdown()


def serve(app: App, settings: Settings, host: str = "0.0.0.0") -> None:
    """Serve until interrupted: Socket Mode with SLACK_APP_TOKEN, otherwise HTTP on PORT."""
    if settings.slack_mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("Connecting to Slack in Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()
        return
    server = make_http_server(app, host, settings.port)
    log.info(
        "Serving Slack requests on http://%s:%s%s (%s mode)",
        host,
        server.effective_port,
        EVENTS_PATH,
        "OAuth, install at /slack/install"
        if settings.slack_mode == "oauth"
        else "single-workspace",
    )
    server.run()
