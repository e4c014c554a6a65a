"""Slack, played locally for the console: the same listeners answer a pressed button or a
submitted form, and what they would send to Slack is kept here to be shown in the terminal.

`LocalSlack` is a Web API client that answers every call itself: posts and ephemeral messages
are kept in order, opened and updated modals are kept by view id (the console fills the last
one in), a chart is written to a file. `Listeners` collects the listeners that `register(app)`
functions add (the handlers' own registration, unchanged), and `press` / `submit` call the one
a click or a submission names, with the arguments Bolt would pass. Work a listener hands to the
answer pool runs at once, in order (`INLINE` in the request).
"""

from __future__ import annotations

import inspect
import itertools
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from bot.core.context import Context
from bot.slack.app import CONTEXT_KEY
from bot.slack.listener import INLINE

Listener = Callable[..., Any]
CHART_FOLDER = Path(tempfile.gettempdir()) / "warroom-charts"


@dataclass
class Shown:
    """One thing a listener sent: a message (to a channel, a person or privately), a modal
    (opened or updated, by view id), the Home tab, or a file written for a chart."""

    kind: str
    payload: dict[str, Any]
    where: str = ""


class LocalSlack(WebClient):
    """A Web API client that is Slack itself: nothing leaves the machine."""

    def __init__(self) -> None:
        super().__init__(token="xoxb-local", base_url="http://localhost.invalid/api/")
        self.shown: list[Shown] = []
        self.views: dict[str, dict[str, Any]] = {}
        self._numbers = itertools.count(1)

    def api_call(  # type: ignore[override]
        self, api_method: str, *, http_verb: str = "POST", **parts: Any
    ) -> SlackResponse:
        """Answer one Web API call locally (the arguments as the client would send them)."""
        args: dict[str, Any] = {}
        for name in ("params", "data", "json"):
            args.update(parts.get(name) or {})
        data = self._answer(api_method, args)
        return SlackResponse(
            client=self,
            http_verb=http_verb,
            api_url=f"{self.base_url}{api_method}",
            req_args=args,
            data={"ok": True, **data},
            headers={},
            status_code=200,
        )

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        number = next(self._numbers)
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            channel = str(args.get("channel") or args.get("user") or "")
            self.shown.append(Shown("message", _message(args), channel))
            ts = str(args.get("ts") or f"{number}.000100")
            return {"channel": channel, "ts": ts, "message": {"ts": ts}}
        if method in ("views.open", "views.push", "views.update"):
            view = _view(args.get("view"))
            view_id = str(args.get("view_id") or f"VLOCAL{number}")
            view.update(id=view_id, hash=f"h{number}")
            self.views[view_id] = view
            self.shown.append(Shown("modal", view, view_id))
            return {"view": view}
        if method == "views.publish":
            self.shown.append(Shown("home", _view(args.get("view"))))
            return {}
        if method == "users.info":
            # The person at the console runs the bot's machine: an admin.
            return {"user": {"id": args.get("user"), "is_admin": True}}
        if method == "conversations.open":
            return {"channel": {"id": str(args.get("users") or "")}}
        if method in ("conversations.history", "conversations.replies"):
            return {"messages": [], "has_more": False}
        if method == "auth.test":
            return {"user_id": "UWARROOM", "bot_id": "BWARROOM", "team_id": "TLOCAL"}
        return {}

    def files_upload_v2(self, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        """A chart is written to a file whose path is shown."""
        CHART_FOLDER.mkdir(parents=True, exist_ok=True)
        name = Path(str(kwargs.get("filename") or "chart.png")).name
        path = CHART_FOLDER / name
        content = kwargs.get("content") or b""
        path.write_bytes(content if isinstance(content, bytes) else str(content).encode())
        text = str(kwargs.get("initial_comment") or kwargs.get("title") or "")
        self.shown.append(Shown("file", {"path": str(path), "text": text}))
        return self._answer_file(path)

    def _answer_file(self, path: Path) -> SlackResponse:
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=f"{self.base_url}files.completeUploadExternal",
            req_args={},
            data={"ok": True, "files": [{"id": "FLOCAL", "name": path.name}]},
            headers={},
            status_code=200,
        )

    def open_view(self, view: dict[str, Any]) -> str:
        """Keep a modal a command answered with (as views.open would); its view id."""
        return str(self.views_open(trigger_id="local", view=view)["view"]["id"])

    def take(self) -> list[Shown]:
        """What was sent since the last call, in order."""
        shown, self.shown = self.shown, []
        return shown


def _message(args: dict[str, Any]) -> dict[str, Any]:
    blocks = args.get("blocks")
    if isinstance(blocks, str):  # a caller that serialised the blocks itself
        blocks = json.loads(blocks)
    return {"text": args.get("text") or "", "blocks": blocks or []}


def _view(view: Any) -> dict[str, Any]:
    if isinstance(view, str):
        return dict(json.loads(view))
    if hasattr(view, "to_dict"):
        return dict(view.to_dict())
    return dict(view or {})


class Listeners:
    """The listeners the handlers register, found again by action id or callback id (an
    `App` stand-in for `register(app)`: commands and events are answered elsewhere)."""

    def __init__(self) -> None:
        self.actions: list[tuple[Any, Listener]] = []
        self.views: list[tuple[Any, Listener]] = []

    def action(self, matcher: Any) -> Callable[[Listener], Listener]:
        """Keep a block-action listener."""
        return self._keep(self.actions, matcher)

    def view(self, matcher: Any) -> Callable[[Listener], Listener]:
        """Keep a view-submission listener."""
        return self._keep(self.views, matcher)

    def command(self, *_args: Any, **_kwargs: Any) -> Callable[[Listener], Listener]:
        """Commands are answered through the command table; nothing to keep."""
        return _ignore

    def event(self, *_args: Any, **_kwargs: Any) -> Callable[[Listener], Listener]:
        """Events do not happen at the console; nothing to keep."""
        return _ignore

    def error(self, handler: Listener) -> Listener:
        """The console reports failures itself."""
        return handler

    @staticmethod
    def _keep(where: list[tuple[Any, Listener]], matcher: Any) -> Callable[[Listener], Listener]:
        def keep(listener: Listener) -> Listener:
            where.append((matcher, listener))
            return listener

        return keep

    def find_action(self, action_id: str) -> Listener | None:
        """The listener of a button's action id, or None."""
        return _find(self.actions, action_id)

    def find_view(self, callback_id: str) -> Listener | None:
        """The listener of a form's callback id, or None."""
        return _find(self.views, callback_id)


def _ignore(listener: Listener) -> Listener:
    return listener


def _find(where: list[tuple[Any, Listener]], name: str) -> Listener | None:
    for matcher, listener in where:
        if isinstance(matcher, re.Pattern) and matcher.search(name):
            return listener
        if matcher == name:
            return listener
    return None


@dataclass
class Ack:
    """Bolt's ack, keeping what a form submission was answered with (its errors)."""

    errors: dict[str, str] = field(default_factory=dict)

    def __call__(self, response_action: str | None = None, **kwargs: Any) -> None:
        if response_action == "errors":
            self.errors = dict(kwargs.get("errors") or {})


def _call(listener: Listener, **available: Any) -> None:
    """Call a listener with the arguments it names, as Bolt does."""
    wanted = inspect.signature(listener).parameters
    listener(**{name: available[name] for name in wanted if name in available})


def _request(ctx: Context, **extra: Any) -> tuple[dict[str, Any], BoltContext]:
    user = ctx.actor or "console"
    body: dict[str, Any] = {
        INLINE: True,
        "user": {"id": user},
        "team": {"id": ctx.workspace_id},
        "trigger_id": "local",
        **extra,
    }
    bolt = BoltContext(
        {
            CONTEXT_KEY: ctx,
            "bot_user_id": "UWARROOM",
            "user_id": user,
            "team_id": ctx.workspace_id,
            "channel_id": ctx.channel_id,
        }
    )
    return body, bolt


def press(listeners: Listeners, client: LocalSlack, ctx: Context, button: dict[str, Any]) -> bool:
    """Press a button (its action id, value, block id): the listener Slack would call runs;
    what it sends is kept in `client`. False when no listener answers that button."""
    listener = listeners.find_action(str(button.get("action_id") or ""))
    if listener is None:
        return False
    action = {"type": "button", "action_ts": "1.0", **button}
    body, bolt = _request(
        ctx,
        type="block_actions",
        actions=[action],
        channel={"id": ctx.channel_id or "console"},
        container={"type": "message", "is_ephemeral": True},
        response_url="local",
    )

    def respond(**message: Any) -> None:
        client.shown.append(Shown("message", _message(message), "you"))

    _call(
        listener,
        ack=Ack(),
        body=body,
        action=action,
        payload=action,
        respond=respond,
        client=client,
        context=bolt,
    )
    return True


def submit(
    listeners: Listeners, client: LocalSlack, ctx: Context, view: dict[str, Any]
) -> dict[str, str] | None:
    """Submit a filled-in form (its `state`) to the listener Slack would call; the errors it
    answered with, field by field ({} when it was taken), or None when no listener takes it."""
    listener = listeners.find_view(str(view.get("callback_id") or ""))
    if listener is None:
        return None
    ack = Ack()
    body, bolt = _request(ctx, type="view_submission", view=view)
    _call(listener, ack=ack, body=body, view=view, payload=view, client=client, context=bolt)
    return ack.errors
