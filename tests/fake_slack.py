"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that records every call.

Point the bot at it with SLACK_API_URL=fake.url. It answers the methods the bot uses with
realistic JSON, accepts form-encoded and JSON bodies, records response_url posts (method
"response_url") and file uploads (method "upload"), and can fail on purpose: HTTP 429 with
Retry-After, 500, or an `ok: false` error such as not_in_channel.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class _Failure:
    status: int = 200
    retry_after: int | None = None
    error: str | None = None
    times: int = 1


class FakeSlack:
    """The fake server. Use as a context manager, or call start() and close()."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {
            "C0GENERAL": {"id": "C0GENERAL", "name": "general"},
            "C0WARROOM": {"id": "C0WARROOM", "name": "war-room"},
            "C0FUND": {"id": "C0FUND", "name": "innovation-fund"},
        }
        self.calls: list[Call] = []
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
        """Stop serving."""
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

    # ---------------------------------------------------------------- serving

    def _take_failure(self, method: str) -> _Failure | None:
        with self._cond:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
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
            ts = params.get("ts") or self._ts()
            channel = params.get("channel", "")
            message = {
                "type": "message",
                "text": params.get("text", ""),
                "blocks": params.get("blocks") or [],
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": ts,
            }
            if channel.startswith("#"):
                channel = next(
                    (c["id"] for c in self.channels.values() if c["name"] == channel[1:]),
                    "C" + channel[1:].upper().replace("-", "")[:10],
                )
            return {**ok, "channel": channel, "ts": ts, "message": message}
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
            return {**ok, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            if isinstance(files, str):
                files = json.loads(files)
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
            users = params.get("users", "")
            return {**ok, "channel": {"id": "D" + str(users).split(",")[0].lstrip("U")}}
        if method == "conversations.list":
            return {
                **ok,
                "channels": [
                    {"is_channel": True, "is_member": True, **c} for c in self.channels.values()
                ],
                "response_metadata": {"next_cursor": ""},
            }
        return {"ok": False, "error": "unknown_method"}

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
                if failure is not None and failure.error is None:
                    extra = (
                        {"Retry-After": str(failure.retry_after)}
                        if failure.retry_after is not None
                        else {}
                    )
                    answer = {
                        "ok": False,
                        "error": "ratelimited" if failure.status == 429 else "fatal_error",
                    }
                    fake._record(
                        Call(method, params, headers, time.time(), raw, failure.status, answer)
                    )
                    self._reply(failure.status, answer, extra)
                    return
                if failure is not None:
                    answer = {"ok": False, "error": failure.error}
                else:
                    answer = fake._answer(method, params)
                fake._record(Call(method, params, headers, time.time(), raw, 200, answer))
                self._reply(200, answer)

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
