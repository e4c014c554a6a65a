"""Slack's HTTP requests, checked before anything reads them.

In order: the size (413 over MAX_BODY_BYTES, from Content-Length and while reading), then
a well-formed X-Slack-Request-Timestamp within Slack's five minutes and the v0 signature
(401), then the body's shape (400: not UTF-8, not a form, payload= not a JSON object, nested
too deeply). Only then does Bolt parse it, so an unsigned request is never parsed, logged
or answered through a response_url. Refusals are logged as one line saying why, never with
the body; an unexpected failure answers a JSON 500 whose request id is in the log line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request import BoltRequest

from bot.core.db import Database, DatabaseUnreachable, check_connection
from bot.core.text import clean_values

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
MAX_BODY_BYTES = 1024 * 1024
# Slack's replay window: a timestamp further than this from our clock is refused.
MAX_CLOCK_SKEW = 5 * 60
# Slack's payloads nest a dozen levels at most (a view's state, a rich-text block).
MAX_DEPTH = 64
READY_TIMEOUT = 1.0
_READ_BLOCK = 64 * 1024
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

StartResponse = Callable[..., Any]


class Refused(Exception):
    """A request answered with `status` and the short `error` code, for `reason` (logged)."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason


def read_body(environ: dict[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, at most `limit` bytes; Refused(413) for a longer one, whether its
    Content-Length says so or it turns out longer while being read."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared and not declared.isdigit():
        raise Refused(400, "bad_content_length", "Content-Length is not a number")
    if declared and int(declared) > limit:
        raise Refused(413, "body_too_large", f"Content-Length {declared} is over {limit} bytes")
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    wanted = int(declared) if declared else limit + 1
    parts: list[bytes] = []
    size = 0
    while size < wanted:
        block = stream.read(min(_READ_BLOCK, wanted - size))
        if not block:
            break
        parts.append(block)
        size += len(block)
        if size > limit:
            raise Refused(413, "body_too_large", f"body is over {limit} bytes")
    return b"".join(parts)


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature: HMAC-SHA256 of "v0:{timestamp}:{body}" with the signing secret."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    headers: dict[str, str],
    body: bytes,
    now: float,
    max_skew: int = MAX_CLOCK_SKEW,
) -> None:
    """Refused(401) unless `headers` (lower-case names) carry a well-formed timestamp within
    `max_skew` seconds of `now` and the signature of `body` made with `secret`."""
    if not secret:
        raise Refused(401, "invalid_request", "no signing secret is set to check requests with")
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, "invalid_request", "X-Slack-Request-Timestamp is missing or malformed")
    if abs(now - int(timestamp)) > max_skew:
        raise Refused(401, "invalid_request", "X-Slack-Request-Timestamp is outside 5 minutes")
    given = headers.get("x-slack-signature", "")
    if not _SIGNATURE.fullmatch(given):
        raise Refused(401, "invalid_request", "X-Slack-Signature is missing or malformed")
    expected = signature_of(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused(401, "invalid_request", "X-Slack-Signature does not match")


def _malformed(reason: str) -> Refused:
    return Refused(400, "malformed_body", reason)


def _depth(value: Any) -> int:
    """How deeply `value` nests (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except RecursionError:
        raise _malformed(f"{what} is nested too deeply") from None
    except ValueError:
        raise _malformed(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise _malformed(f"{what} is a JSON {type(value).__name__}, not an object")
    if _depth(value) > MAX_DEPTH:
        raise _malformed(f"{what} is nested more than {MAX_DEPTH} levels deep")
    return value


def check_body(body: bytes, content_type: str) -> str:
    """The body as text once it is a form or JSON object Bolt can read; Refused(400)
    saying what is wrong otherwise. Decides JSON or form the way Bolt does."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("the body is not UTF-8 text") from None
    if not text:
        raise _malformed("the body is empty")
    if content_type.split(";")[0].strip() == "application/json" or text.startswith("{"):
        _json_object(text, "the JSON body")
        return text
    try:
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise _malformed("the body is not a form") from None
    payload = [value for name, value in fields if name == "payload"]
    if payload:  # Bolt reads the last one
        _json_object(payload[-1], "payload=")
    return text


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    headers["content-type"] = environ.get("CONTENT_TYPE") or ""
    headers["content-length"] = environ.get("CONTENT_LENGTH") or ""
    return headers


def _answer(
    start_response: StartResponse,
    status: int,
    body: bytes | str,
    headers: Iterable[tuple[str, str]] = (("Content-Type", "application/json"),),
) -> list[bytes]:
    data = body.encode() if isinstance(body, str) else body
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [*headers, ("Content-Length", str(len(data)))],
    )
    return [data]


def _json(start_response: StartResponse, status: int, value: dict[str, Any]) -> list[bytes]:
    return _answer(start_response, status, json.dumps(value))


class SlackHttpApp:
    """The WSGI app: GET /healthz (alive), GET /readyz (the database answers), POST
    /slack/events checked here then handed to Bolt, and Bolt's OAuth pages in OAuth mode."""

    def __init__(
        self,
        app: App,
        *,
        signing_secret: str | None = None,
        db: Database | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`signing_secret` defaults to the app's own; `db` is what /readyz checks (without
        one /readyz answers like /healthz); `clock` gives the time in Unix seconds."""
        self._app = app
        self._oauth = SlackRequestHandler(app, path=EVENTS_PATH)
        self._db = db
        self._clock = clock
        # Bolt keeps the secret it checks against only as a private attribute.
        self._secret = signing_secret or app._signing_secret
        flow = app.oauth_flow
        self._oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow else set()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = uuid.uuid4().hex[:12]
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        try:
            if path == HEALTH_PATH:
                return _json(start_response, 200, {"ok": True})
            if path == READY_PATH:
                return self._ready(start_response)
            if method == "GET" and path in self._oauth_paths:
                read_body(environ)  # the size limit holds here too
                return self._oauth(environ, start_response)
            if method != "POST" or path != EVENTS_PATH:
                return _json(start_response, 404, {"ok": False, "error": "not_found"})
            return self._events(environ, start_response, request_id)
        except Refused as refused:
            log.warning(
                "Refused request %s to %s: %s %s", request_id, path, refused.status, refused.reason
            )
            return _json(start_response, refused.status, {"ok": False, "error": refused.error})
        except Exception:
            log.exception("Request %s to %s failed", request_id, path)
            return self._failed(start_response, request_id)

    def _events(
        self, environ: dict[str, Any], start_response: StartResponse, request_id: str
    ) -> Iterable[bytes]:
        body = read_body(environ)
        headers = _headers(environ)
        verify(self._secret or "", headers, body, self._clock())
        text = check_body(body, headers["content-type"])
        try:
            request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=headers)
        except Exception as error:  # a shape Bolt cannot read, though signed
            raise _malformed(f"Bolt cannot read the body ({type(error).__name__})") from None
        clean_values(request.body)
        response = self._app.dispatch(request)
        if response.status >= 500:
            log.error(
                "Request %s to %s failed: the app answered %s",
                request_id,
                EVENTS_PATH,
                response.status,
            )
            return self._failed(start_response, request_id)
        headers_out = [
            (name, value)
            for name, values in response.headers.items()
            for value in values
            if name.lower() != "content-length"
        ]
        return _answer(start_response, response.status, response.body or "", headers_out)

    def _failed(self, start_response: StartResponse, request_id: str) -> list[bytes]:
        return _json(
            start_response,
            500,
            {"ok": False, "error": "internal_error", "request_id": request_id},
        )

    def _ready(self, start_response: StartResponse) -> list[bytes]:
        if self._db is not None:
            try:
                check_connection(self._db.state, READY_TIMEOUT)
            except DatabaseUnreachable as problem:
                log.warning("Not ready: %s", problem)
                return _json(start_response, 503, {"ok": False, "error": "database_unreachable"})
        return _json(start_response, 200, {"ok": True})
