"""Serving the Slack app: HTTP behind waitress (a production WSGI server) with /healthz, or
Socket Mode when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.core.settings import Settings

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
    # Imported here: waitress is needed only by a serving process, not by the CLI or tests
    # that never serve.
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
