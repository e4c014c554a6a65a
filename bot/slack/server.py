"""Serving the Slack app: HTTP behind waitress (a production WSGI server) through the
checking WSGI app of bot.slack.http, or Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.core.db import Database
from bot.core.settings import Settings
from bot.core.text import clean_values
from bot.slack.http import EVENTS_PATH, MAX_BODY_BYTES, SlackHttpApp

log = logging.getLogger(__name__)

SERVER_THREADS = 16
# Waitress spools a body (to disk past 512 KB) before the app sees it. Past this limit it
# drops the connection itself, bounding the disk one request can take; a body between
# MAX_BODY_BYTES and this gets the app's own JSON 413.
SPOOL_LIMIT = 64 * MAX_BODY_BYTES


def make_http_server(
    app: App,
    host: str,
    port: int,
    *,
    signing_secret: str | None = None,
    db: Database | None = None,
) -> Any:
    """A waitress server for the app, not yet serving (call .run(); .close() stops it).
    `db` is the store /readyz checks."""
    # Imported here: waitress is needed only by a serving process, not by the CLI or tests
    # that never serve.
    from waitress.server import create_server

    wsgi = SlackHttpApp(app, signing_secret=signing_secret, db=db)
    # Listener work runs in Bolt's own thread pool after ack, so request threads stay free.
    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=SERVER_THREADS,
        ident="warroom",
        max_request_body_size=SPOOL_LIMIT,
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


class CleanSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler, with every text in an envelope cleaned first (NUL and
    lone surrogates removed, as the HTTP app does)."""

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """Clean the envelope's payload, then let Bolt handle it."""
        clean_values(req.payload)
        super().handle(client, req)  # type: ignore[arg-type]


def make_socket_handler(app: App, settings: Settings) -> SocketModeHandler:
    """The Socket Mode handler for the app (call .connect() or .start(); .close() stops it),
    reaching Slack through the app's client (SLACK_API_URL) with SLACK_APP_TOKEN."""
    return CleanSocketModeHandler(app, settings.slack_app_token)


def serve(app: App, settings: Settings, host: str = "0.0.0.0", db: Database | None = None) -> None:
    """Serve until interrupted: Socket Mode with SLACK_APP_TOKEN, otherwise HTTP on PORT
    (with /readyz checking `db`)."""
    if settings.slack_mode == "socket":
        log.info("Connecting to Slack in Socket Mode")
        make_socket_handler(app, settings).start()
        return
    server = make_http_server(
        app, host, settings.port, signing_secret=settings.slack_signing_secret, db=db
    )
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
