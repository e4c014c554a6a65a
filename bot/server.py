"""Serving the app: HTTP mode behind waitress (a production WSGI server), or Socket Mode."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.db import Database
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)

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


def schema_problem(db: Database) -> str | None:
    """Why the state store cannot be served yet (not migrated, or behind), or None."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.migrate import alembic_config, is_migrated

    if not is_migrated(db.state):
        return "the database at DATABASE_URL is not migrated yet; run `warroom migrate` first"
    script = ScriptDirectory.from_config(alembic_config(str(db.state.url)))
    with db.state.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != set(script.get_heads()):
        return "the database at DATABASE_URL is behind this version; run `warroom migrate`"
    return None


def start_background_jobs(services: Services) -> None:
    """Start the scheduled jobs (digest, stand-up prompts, rollups, alerts) beside the app.

    The scheduler lives in jobs/; this is the one place every serving mode starts it.
    """
    from jobs.scheduler import start_scheduler

    start_scheduler(services)
    from jobs.scheduler import start_scheduler

    start_scheduler(services)


def run_bot(settings: Settings, db: Database, host: str = "0.0.0.0") -> None:
    """`warroom run` with Slack settings: build the app, start the jobs, serve until stopped."""
    from bot.app import create_app

    services = Services(settings=settings, db=db)
    app = create_app(settings, db)
    start_background_jobs(services)
    serve(app, settings, host)
