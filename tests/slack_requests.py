"""Requests built and signed exactly as Slack sends them, and a small client for the app.

Slash commands are form-encoded; interactions are form-encoded with one `payload=` JSON
field; events are JSON. Each carries X-Slack-Request-Timestamp and the v0 signature
(HMAC-SHA256 of "v0:{timestamp}:{body}" with the signing secret).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.fake_slack import TEAM_ID

SIGNING_SECRET = "test-secret"
_ids = itertools.count(1)


@dataclass(frozen=True)
class SignedRequest:
    """A body and the headers Slack would send with it."""

    body: bytes
    headers: dict[str, str]


def signature(body: bytes, timestamp: int | str, secret: str = SIGNING_SECRET) -> str:
    """The X-Slack-Signature of `body` sent at `timestamp`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(
    body: bytes,
    content_type: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    extra: dict[str, str] | None = None,
) -> SignedRequest:
    """Sign `body` (timestamp: now, or e.g. 6 minutes ago to test replay protection)."""
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, ts, secret),
        **(extra or {}),
    }
    return SignedRequest(body, headers)


def _next(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}"


def slash_command(
    command: str,
    text: str = "",
    *,
    user: str = "U1",
    channel: str = "C0GENERAL",
    team: str = TEAM_ID,
    response_url: str = "https://hooks.slack.com/commands/T0TEST/1/x",
    trigger_id: str | None = None,
    **sign_options: Any,
) -> SignedRequest:
    """A slash command as Slack posts it (application/x-www-form-urlencoded)."""
    fields = {
        "token": "verification-token-unused",
        "team_id": team,
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0TEST",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _next("trigger."),
    }
    return sign(urlencode(fields).encode(), "application/x-www-form-urlencoded", **sign_options)


def _interaction(payload: dict[str, Any], **sign_options: Any) -> SignedRequest:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return sign(body, "application/x-www-form-urlencoded", **sign_options)


def block_action(
    action_id: str,
    value: str = "",
    *,
    user: str = "U1",
    channel: str | None = "C0GENERAL",
    team: str = TEAM_ID,
    response_url: str | None = "https://hooks.slack.com/actions/T0TEST/1/x",
    block_id: str = "b1",
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    action_type: str = "button",
    extra_action: dict[str, Any] | None = None,
    **sign_options: Any,
) -> SignedRequest:
    """A block_actions interaction (a button click) as Slack posts it (`payload=` JSON)."""
    action = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "action_ts": f"{time.time():.6f}",
        **(extra_action or {}),
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A0TEST",
        "token": "verification-token-unused",
        "team": {"id": team, "domain": "test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "trigger_id": _next("trigger."),
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        payload["view"] = view
    else:
        ts = (message or {}).get("ts", "1700000000.000100")
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": True,
        }
        payload["message"] = message or {"type": "message", "ts": ts, "text": ""}
    if channel is not None:
        payload["channel"] = {"id": channel, "name": "general"}
    if response_url is not None:
        payload["response_url"] = response_url
    return _interaction(payload, **sign_options)


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    user: str = "U1",
    team: str = TEAM_ID,
    private_metadata: str = "",
    view_id: str | None = None,
    view_hash: str = "1700000000.abcdef",
    **sign_options: Any,
) -> SignedRequest:
    """A modal submitted: `values` is state.values ({block_id: {action_id: {type, value}}}).

    Each call is another modal (a fresh view id) unless `view_id` names one: the same id and
    hash are a resubmission of the same modal (after errors), a double click or a replay."""
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A0TEST",
        "token": "verification-token-unused",
        "trigger_id": _next("trigger."),
        "is_enterprise_install": False,
        "view": {
            "id": view_id or _next("V"),
            "team_id": team,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": view_hash,
            "title": {"type": "plain_text", "text": "Form"},
            "blocks": [],
        },
        "response_urls": [],
    }
    return _interaction(payload, **sign_options)


def view_closed(
    callback_id: str, *, user: str = "U1", team: str = TEAM_ID, **sign_options: Any
) -> SignedRequest:
    """A modal closed with Cancel (sent only when the view asked for notify_on_close)."""
    payload = {
        "type": "view_closed",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "name": user.lower(), "team_id": team},
        "api_app_id": "A0TEST",
        "view": {
            "id": "V0TEST",
            "type": "modal",
            "callback_id": callback_id,
            "state": {"values": {}},
        },
        "is_cleared": False,
    }
    return _interaction(payload, **sign_options)


def event_callback(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    team: str = TEAM_ID,
    retry_num: int | None = None,
    **sign_options: Any,
) -> SignedRequest:
    """An Events API delivery (JSON); `retry_num` adds Slack's x-slack-retry-num header."""
    body = {
        "token": "verification-token-unused",
        "team_id": team,
        "api_app_id": "A0TEST",
        "event": {"event_ts": f"{time.time():.6f}", **event},
        "type": "event_callback",
        "event_id": event_id or _next("Ev"),
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": team, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }
    extra = dict(sign_options.pop("extra", None) or {})
    if retry_num is not None:
        extra["X-Slack-Retry-Num"] = str(retry_num)
        extra["X-Slack-Retry-Reason"] = "http_timeout"
    return sign(json.dumps(body).encode(), "application/json", extra=extra, **sign_options)


def app_home_opened(user: str = "U1", **options: Any) -> SignedRequest:
    """The app_home_opened event for the Home tab."""
    return event_callback(
        {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}, **options
    )


def url_verification(challenge: str = "challenge-123", **sign_options: Any) -> SignedRequest:
    """The URL check Slack sends when an Events request URL is saved."""
    body = {
        "token": "verification-token-unused",
        "challenge": challenge,
        "type": "url_verification",
    }
    return sign(json.dumps(body).encode(), "application/json", **sign_options)


@dataclass
class Response:
    """What the app answered over HTTP."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def post(url: str, request: SignedRequest, timeout: float = 10.0) -> Response:
    """POST a signed request to the app and return its answer (errors included)."""
    started = time.monotonic()
    http = urllib.request.Request(url, data=request.body, headers=request.headers, method="POST")
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:
            body = answer.read().decode("utf-8", "replace")
            return Response(answer.status, body, dict(answer.headers), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        return Response(error.code, body, dict(error.headers), time.monotonic() - started)


def get(url: str, timeout: float = 10.0) -> Response:
    """GET a URL of the app."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            body = answer.read().decode("utf-8", "replace")
            return Response(answer.status, body, dict(answer.headers), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode(), dict(error.headers), 0.0)


def wait_until_serving(base: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Poll GET `base`/healthz, with a deadline, until a started `warroom run` answers.

    Raises RuntimeError with the process's output when it exits first or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            raise RuntimeError(f"warroom run exited: {out or ''}{err or ''}")
        try:
            if get(base + "/healthz", timeout=1).status == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.05)
    raise RuntimeError(f"warroom run did not start serving within {timeout:.0f} s")


# --------------------------------------------------------------------------- a running app


class SlackEnv:
    """The real app served over HTTP with a fake Slack behind it, and ways to talk to it.

    `env.command("/ltv", "channel=tiktok")` sends a signed slash command whose response_url
    points at the fake, so `env.fake.wait_for("response_url")` sees the answer.
    """

    def __init__(self, settings: Any, db: Any, clock: Any, fake: Any, app_url: str) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.fake = fake
        self.url = app_url
        self.events_url = app_url + "/slack/events"

    def context(self, actor: str | None = None, workspace_id: str = "default") -> Any:
        """A Context on the app's settings, stores and clock, acting as `actor` (as a listener
        would build it, without a Slack admin check)."""
        from bot.core.context import Context

        return Context(
            env=self.settings,
            db=self.db,
            clock=self.clock,
            workspace_id=workspace_id,
            actor=actor,
            surface="slack",
        )

    def send(self, request: SignedRequest) -> Response:
        """POST any signed request to /slack/events."""
        return post(self.events_url, request)

    def command(self, command: str, text: str = "", user: str = "U1", **options: Any) -> Response:
        """A signed slash command; its response_url is the fake's (named by a fresh id)."""
        options.setdefault("response_url", self.fake.response_url(_next("cmd")))
        return self.send(slash_command(command, text, user=user, **options))

    def action(self, action_id: str, value: str = "", user: str = "U1", **options: Any) -> Response:
        """A signed button click; its response_url is the fake's."""
        options.setdefault("response_url", self.fake.response_url(_next("act")))
        return self.send(block_action(action_id, value, user=user, **options))

    def submit_view(
        self, callback_id: str, values: dict[str, Any], user: str = "U1", **options: Any
    ) -> Response:
        """A signed modal submission."""
        return self.send(view_submission(callback_id, values, user=user, **options))

    def close_view(self, callback_id: str, user: str = "U1", **options: Any) -> Response:
        """A signed view_closed."""
        return self.send(view_closed(callback_id, user=user, **options))

    def event(self, event: dict[str, Any], **options: Any) -> Response:
        """A signed Events API delivery."""
        return self.send(event_callback(event, **options))

    def responses(self, response_url: str) -> list[Any]:
        """What the app posted to one response_url."""
        path = urlsplit(response_url).path
        return self.fake.calls_to("response_url", where=lambda c: c.path == path)


def slack_settings(base: Any, fake: Any, **overrides: Any) -> Any:
    """Settings like `base` (same databases) connected to the fake Slack in single mode."""
    from bot.core.settings import Settings

    values = {
        "database_url": base.database_url,
        "analytics_database_url": base.analytics_database_url,
        "timezone": base.timezone,
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.url,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def start_app(settings: Any, db: Any, clock: Any) -> tuple[Any, str, Any]:
    """Build the real app (every listener) for `settings`, `db` and `clock` and serve it."""
    from bot.core.context import Context
    from handlers import create_app

    return serve_app(create_app(Context(env=settings, db=db, clock=clock, surface="slack")))


def serve_app(app: Any) -> tuple[Any, str, Any]:
    """Serve a Bolt app through bot.slack.server's waitress server on a free port, in a thread.

    Returns (server, base_url, thread); stop with bot.slack.server.stop_http_server.
    """
    import threading

    from bot.slack.server import make_http_server

    server = make_http_server(app, "127.0.0.1", 0)
    port = server.effective_port
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{port}", thread
