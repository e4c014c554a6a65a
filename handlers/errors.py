"""The last line of defence: an unexpected error is logged with context and answered politely."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.context.respond import Respond

log = logging.getLogger(__name__)

SORRY = (
    ":warning: Sorry, something went wrong on our side while answering that. "
    "It has been logged; please try again in a minute."
)


def on_error(error: Exception, body: dict[str, Any], respond: Respond | None) -> None:
    """Log the failure with what was asked, and tell the person (when Slack gave us a way)."""
    what = body.get("command") or body.get("type") or body.get("event", {}).get("type")
    log.error(
        "Unhandled error for %s from user %s in team %s: %r",
        what,
        body.get("user_id") or body.get("user", {}).get("id"),
        body.get("team_id") or body.get("team", {}).get("id"),
        error,
        exc_info=error,
    )
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        try:
            respond(text=SORRY, response_type="ephemeral", replace_original=False)
        except Exception:  # the apology itself failed; the log above has the story
            log.exception("Could not tell the user about the error")


def register(app: App) -> None:
    """Install the global error handler."""
    app.error(on_error)
