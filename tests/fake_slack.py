"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that records every call.

Point the bot at it with SLACK_API_URL=fake.url. It answers the methods the bot uses with
realistic JSON, accepts form-encoded and JSON bodies, records response_url posts (method
"response_url") and file uploads (method "upload"), and keeps the messages it took per channel
(`messages`), answering conversations.history and conversations.replies from them with their
metadata. It can fail on purpose: HTTP 429 with Retry-After, 500, an `ok: false` error such as
not_in_channel, and the faults of a flaky network (`fault_next`): a 500 or a dropped
connection after taking the call, a hang the client times out on; `block_next` holds a call
until the test lets it go (to kill the caller meanwhile), and `chaos` injects faults at random.
The fake does not filter history by `oldest`: tests run the bot on a manual clock.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TEAM_ID = "T0TEST"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
# Form-encoded parameters that carry JSON (slack_sdk serialises them itself).
JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata")


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    body: bytes = b""
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    @property
    def text(self) -> str:
        """The message text plus every text in its blocks, for easy assertions."""
        return json.dumps(self.params, ensure_ascii=False)


# The faults fault_next injects: "500" and "429" refuse the call (nothing happens), "timeout"
# holds it unanswered (the client times out), "drop" closes the connection without an answer;
# the "taken_" ones first carry the call out (a post is taken), then fail the same way.
FAULTS = ("500", "429", "timeout", "drop", "taken_500", "taken_timeout", "taken_drop")


@dataclass
class _Failure:
    status: int = 200
    retry_after: int | None = None
    error: str | None = None
    times: int = 1
    take: bool = False
    hang: bool = False
    drop: bool = False
    gate: Gate | None = None


class Gate:
    """A call held by block_next: `arrived` is set when it comes in; release() lets it go."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.released = threading.Event()

    def release(self) -> None:
        """Let the held call answer."""
        self.released.set()


def _fault(kind: str, times: int, retry_after: int) -> _Failure:
    if kind not in FAULTS:
        raise ValueError(f"unknown fault {kind!r}; use one of {', '.join(FAULTS)}")
    base = kind.removeprefix("taken_")
    return _Failure(
        status={"500": 500, "429": 429}.get(base, 200),
        retry_after=retry_after if base == "429" else None,
        times=times,
        take=kind.startswith("taken_"),
        hang=base == "timeout",
        drop=base in ("drop", "timeout"),
    )


class FakeSlack:
    """The fake server. Use as a context manager, or call start() and close()."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        # Socket Mode: the ws:// URL apps.connections.open hands out (tests/fake_socket_mode.py).
        self.socket_mode_url: str | None = None
        self.channels: dict[str, dict[str, Any]] = {
            "C0GENERAL": {"id": "C0GENERAL", "name": "general"},
            "C0WARROOM": {"id": "C0WARROOM", "name": "war-room"},
            "C0FUND": {"id": "C0FUND", "name": "innovation-fund"},
        }
        self.calls: list[Call] = []
        # The messages taken, by channel id, in order (thread replies carry thread_ts).
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self._filenames: dict[str, str] = {}
        self._gates: list[Gate] = []
        self._chaos: tuple[float, random.Random, tuple[str, ...], frozenset[str]] | None = None
        self._failures: dict[str, list[_Failure]] = {}
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self._server.server_address[1]

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL (what SLACK_API_URL should be)."""
        return f"{self.base}/api/"

    def start(self) -> FakeSlack:
        """Serve in a background thread."""
        # A short poll interval: shutdown() waits for one, and every test stops a server.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving (held and hanging calls are let go)."""
        with self._cond:
            for gate in self._gates:
                gate.release()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---------------------------------------------------------------- test API

    def response_url(self, name: str | int = "1") -> str:
        """A response_url whose posts are recorded as method "response_url"."""
        return f"{self.base}/response/{name}"

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1
    ) -> None:
        """The next `times` calls of `method` answer HTTP `status` (429 with Retry-After)."""
        with self._cond:
            self._failures.setdefault(method, []).append(
                _Failure(
                    status=status, retry_after=retry_after if status == 429 else None, times=times
                )
            )

    def error_next(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer `{"ok": false, "error": error}`."""
        with self._cond:
            self._failures.setdefault(method, []).append(_Failure(error=error, times=times))

    def fault_next(self, method: str, kind: str, times: int = 1, retry_after: int = 0) -> None:
        """The next `times` calls of `method` meet the fault `kind` (see FAULTS)."""
        failure = _fault(kind, times, retry_after)
        if failure.hang:
            failure.gate = self._new_gate()
        with self._cond:
            self._failures.setdefault(method, []).append(failure)

    def block_next(self, method: str, take: bool = False, answer: bool = True) -> Gate:
        """Hold the next call of `method` (taken first when `take`) until the gate is
        released; then it is carried out and answered (`answer`), or its connection dropped."""
        gate = self._new_gate()
        held = _Failure(take=take, hang=True, drop=not answer, gate=gate)
        with self._cond:
            self._failures.setdefault(method, []).append(held)
        return gate

    def chaos(
        self,
        rate: float,
        seed: int = 0,
        kinds: tuple[str, ...] = ("500", "429", "drop", "taken_500", "taken_drop"),
        methods: tuple[str, ...] = (),
    ) -> None:
        """From now on each Web API call (of `methods`, or every one) meets a random fault of
        `kinds` with probability `rate` (0 stops)."""
        for kind in kinds:
            _fault(kind, 1, 0)
        with self._cond:
            self._chaos = (rate, random.Random(seed), kinds, frozenset(methods)) if rate else None

    def posts(self, where: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Every message taken (in any channel or thread) matching `where`, oldest first."""
        with self._cond:
            found = [m for messages in self.messages.values() for m in messages]
        return [m for m in found if where is None or where(m)]

    def calls_to(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        """The recorded calls of `method` (failed ones too: see Call.status), oldest first."""
        with self._cond:
            return [c for c in self.calls if c.method == method and (where is None or where(c))]

    def methods(self) -> list[str]:
        """Every method called so far, in order (handy in assertion messages)."""
        with self._cond:
            return [c.method for c in self.calls]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until `count` calls of `method` (matching `where`) arrived; fail at `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [
                    c for c in self.calls if c.method == method and (where is None or where(c))
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for {count} call(s) to {method}, got {len(found)}; "
                        f"calls so far: {[c.method for c in self.calls]}"
                    )
                self._cond.wait(left)

    def reset(self) -> None:
        """Forget the recorded calls and pending failures."""
        with self._cond:
            self.calls.clear()
            self._failures.clear()

    def _new_gate(self) -> Gate:
        gate = Gate()
        with self._cond:
            self._gates.append(gate)
        return gate

    # ---------------------------------------------------------------- serving

    def _take_failure(self, method: str) -> _Failure | None:
        with self._cond:
            queue = self._failures.get(method)
            if not queue:
                return self._random_failure(method)
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def _random_failure(self, method: str) -> _Failure | None:
        if self._chaos is None or method in ("response_url", "auth.test"):
            return None
        rate, rng, kinds, methods = self._chaos
        if (methods and method not in methods) or rng.random() >= rate:
            return None
        failure = _fault(rng.choice(kinds), 1, 0)
        if failure.hang:
            failure.gate = Gate()
            self._gates.append(failure.gate)
        return failure

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _ts(self) -> str:
        return f"{time.time():.6f}"

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ok = {"ok": True}
        if method == "apps.connections.open":
            if not self.socket_mode_url:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {**ok, "url": self.socket_mode_url}
        if method == "auth.test":
            return {
                **ok,
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "warroom",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method in ("chat.postMessage", "chat.update"):
            return self._message_call(method, params)
        if method in ("conversations.history", "conversations.replies"):
            return self._history(method, params)
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": self._ts()}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            view = params.get("view") or {}
            if isinstance(view, str):
                view = json.loads(view)
            view_id = params.get("view_id") or self._next_id("V")
            return {
                **ok,
                "view": {
                    **view,
                    "id": view_id,
                    "team_id": TEAM_ID,
                    "hash": self._ts(),
                    "app_id": "A0TEST",
                    "bot_id": BOT_ID,
                },
            }
        if method == "files.getUploadURLExternal":
            file_id = self._next_id("F")
            with self._cond:
                self._filenames[file_id] = str(params.get("filename") or "")
            return {**ok, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            if isinstance(files, str):
                files = json.loads(files)
            self._share_files(params, files)
            return {
                **ok,
                "files": [
                    {"id": f["id"], "title": f.get("title"), "name": f.get("title")} for f in files
                ],
            }
        if method == "users.info":
            user_id = params.get("user", "")
            user = {
                "id": user_id,
                "name": user_id.lower(),
                "real_name": f"User {user_id}",
                "tz": "UTC",
                "is_admin": False,
                "is_owner": False,
                "is_bot": False,
                "deleted": False,
                **self.users.get(user_id, {}),
            }
            user.setdefault(
                "profile", {"real_name": user["real_name"], "display_name": user["name"]}
            )
            return {**ok, "user": user}
        if method == "conversations.info":
            channel_id = params.get("channel", "")
            channel = self.channels.get(channel_id, {"id": channel_id, "name": channel_id.lower()})
            return {**ok, "channel": {"is_channel": True, "is_member": True, **channel}}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            return {**ok, "channel": {"id": _dm_id(users.split(",")[0])}}
        if method == "conversations.list":
            return {
                **ok,
                "channels": [
                    {"is_channel": True, "is_member": True, **c} for c in self.channels.values()
                ],
                "response_metadata": {"next_cursor": ""},
            }
        return {"ok": False, "error": "unknown_method"}

    def channel_id(self, channel: str) -> str:
        """The id a message to `channel` ("#name", a user's DM, an id) lands in."""
        if channel.startswith("#"):
            return next(
                (c["id"] for c in self.channels.values() if c["name"] == channel[1:]),
                "C" + channel[1:].upper().replace("-", "")[:10],
            )
        if channel[:1] in ("U", "W"):
            return _dm_id(channel)
        return channel

    def _message_call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_id(str(params.get("channel", "")))
        with self._cond:
            stored = self.messages.setdefault(channel, [])
            if method == "chat.update":
                message = next((m for m in stored if m["ts"] == params.get("ts")), None)
                if message is None:
                    return {"ok": False, "error": "message_not_found"}
                message.update(text=params.get("text", ""), blocks=params.get("blocks") or [])
            else:
                message = {
                    "type": "message",
                    "text": params.get("text", ""),
                    "blocks": params.get("blocks") or [],
                    "user": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "ts": self._ts(),
                    "channel": channel,
                }
                if params.get("metadata"):
                    message["metadata"] = params["metadata"]
                if params.get("thread_ts"):
                    message["thread_ts"] = params["thread_ts"]
                stored.append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": dict(message)}

    def _history(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        with self._cond:
            if channel not in self.messages and channel not in self.channels:
                return {"ok": False, "error": "channel_not_found"}
            stored = [dict(m) for m in self.messages.get(channel, [])]
        if method == "conversations.history":
            found = [m for m in stored if m.get("thread_ts") in (None, m["ts"])][::-1]
        else:
            ts = params.get("ts")
            found = [m for m in stored if ts in (m["ts"], m.get("thread_ts"))]
            if not found:
                return {"ok": False, "error": "thread_not_found"}
        if str(params.get("include_all_metadata", "")).lower() not in ("1", "true"):
            for message in found:
                message.pop("metadata", None)
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _share_files(self, params: dict[str, Any], files: list[dict[str, Any]]) -> None:
        channel = params.get("channel_id")
        if not channel:
            return
        with self._cond:
            shared = [
                {"id": f["id"], "name": self._filenames.get(f["id"], ""), "title": f.get("title")}
                for f in files
            ]
            message = {"type": "message", "user": BOT_USER_ID, "ts": self._ts(), "files": shared}
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            self.messages.setdefault(str(channel), []).append(message)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self._reply(404, {"ok": False, "error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                headers = {k.lower(): v for k, v in self.headers.items()}
                if path.startswith("/response/"):
                    params = _decode(raw, headers)
                    fake._record(Call("response_url", params, headers, time.time(), raw, path=path))
                    self._reply(200, None, text="ok")
                    return
                if path.startswith("/upload/"):
                    fake._record(
                        Call(
                            "upload", {"file_id": path.rsplit("/", 1)[1]}, headers, time.time(), raw
                        )
                    )
                    self._reply(200, None, text="OK - " + str(len(raw)))
                    return
                method = path.removeprefix("/api/")
                params = _decode(raw, headers)
                params.update(dict(parse_qsl(urlsplit(self.path).query)))
                failure = fake._take_failure(method)
                if failure is None or failure.error is not None:
                    answer = (
                        fake._answer(method, params)
                        if failure is None
                        else {"ok": False, "error": failure.error}
                    )
                    fake._record(Call(method, params, headers, time.time(), raw, 200, answer))
                    self._reply(200, answer)
                    return
                self._fail(method, params, headers, raw, failure)

            def _fail(
                self,
                method: str,
                params: dict[str, Any],
                headers: dict[str, str],
                raw: bytes,
                failure: _Failure,
            ) -> None:
                taken = fake._answer(method, params) if failure.take else None
                held = Call(method, params, headers, time.time(), raw, 0, taken or {})
                if failure.gate is not None:
                    fake._record(held)
                    failure.gate.arrived.set()
                    failure.gate.released.wait()
                    if not failure.drop:
                        # Held by block_next: now answered as usual.
                        answer = taken or fake._answer(method, params)
                        self._reply(200, answer)
                        return
                if failure.drop or failure.hang:
                    if failure.gate is None:
                        fake._record(held)
                    self.close_connection = True
                    return
                extra = (
                    {"Retry-After": str(failure.retry_after)}
                    if failure.retry_after is not None
                    else {}
                )
                answer = {
                    "ok": False,
                    "error": "ratelimited" if failure.status == 429 else "fatal_error",
                }
                fake._record(replace(held, status=failure.status, response=answer))
                self._reply(failure.status, answer, extra)

            def _reply(
                self,
                status: int,
                answer: dict[str, Any] | None,
                extra: dict[str, str] | None = None,
                text: str = "",
            ) -> None:
                body = json.dumps(answer).encode() if answer is not None else text.encode()
                self.send_response(status)
                ctype = "application/json; charset=utf-8" if answer is not None else "text/plain"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _dm_id(user: str) -> str:
    """The id of the bot's DM with `user` (U0ADMIN -> D0ADMIN)."""
    return "D" + user[1:]


def _decode(raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in headers.get("content-type", ""):
        try:
            value = json.loads(raw)
        except ValueError:
            return {"_raw": raw.decode("utf-8", "replace")}
        return value if isinstance(value, dict) else {"_json": value}
    params: dict[str, Any] = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    for name in JSON_PARAMS:
        if isinstance(params.get(name), str):
            with contextlib.suppress(ValueError):
                params[name] = json.loads(params[name])
    return params
