"""Hostile requests over HTTP: checked for size and signature before anything parses them,
malformed-but-signed bodies refused with 400, unexpected failures a clean JSON 500."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from bot import fund
from bot.core.logs import OneLineFormatter
from bot.slack.http import MAX_BODY_BYTES, Refused, read_body, verify
from tests.slack_requests import (
    SIGNING_SECRET,
    SignedRequest,
    sign,
    signature,
    slash_command,
    view_submission,
)

FORM = "application/x-www-form-urlencoded"
EVIL_URL = "http://127.0.0.1:9/evil"


def _bodies(response_url: str) -> dict[str, tuple[bytes, str]]:
    """A slash command form, an Events API JSON body and an interaction (payload=), each
    naming `response_url`."""
    form = urlencode({"command": "/warroom", "text": "help", "response_url": response_url})
    payload = {"type": "block_actions", "response_url": response_url, "actions": []}
    event = {"type": "event_callback", "response_url": response_url, "event": {}}
    return {
        "form": (form.encode(), FORM),
        "json": (json.dumps(event).encode(), "application/json"),
        "payload": (urlencode({"payload": json.dumps(payload)}).encode(), FORM),
    }


def _with_timestamp(body: bytes, content_type: str, timestamp: str) -> SignedRequest:
    """`body` with a given X-Slack-Request-Timestamp, signed over it with the right secret."""
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(body, timestamp),
    }
    return SignedRequest(body, headers)


@pytest.fixture
def http_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog


def _refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.slack.http"]


def _assert_nothing_sent(env) -> None:
    """No call reached the fake Slack: a signed request sent after the hostile ones is
    answered first, so anything the hostile ones caused would be recorded by then."""
    env.command("/warroom", "help")
    env.fake.wait_for("response_url")
    assert not env.fake.calls_to("response_url", where=lambda c: "evil" in c.path)
    assert set(env.fake.methods()) <= {"auth.test", "response_url"}
    assert len(env.fake.calls_to("response_url")) == 1


@pytest.mark.parametrize("timestamp", ["x", "1.5", "", " 1700000000", "-5", "1e9"])
@pytest.mark.parametrize("kind", ["form", "json", "payload"])
def test_malformed_timestamp_is_401_and_sends_nothing(slack_env, http_log, timestamp, kind):
    body, content_type = _bodies(slack_env.fake.response_url("evil"))[kind]
    answer = slack_env.send(_with_timestamp(body, content_type, timestamp))
    assert answer.status == 401
    assert answer.json() == {"ok": False, "error": "invalid_request"}
    (refused,) = _refusals(http_log)
    assert "Refused" in refused.getMessage() and "Timestamp" in refused.getMessage()
    assert refused.exc_info is None
    assert not any(
        "evil" in r.getMessage() or "/warroom" in r.getMessage() for r in http_log.records
    )
    _assert_nothing_sent(slack_env)


@pytest.mark.parametrize("kind", ["form", "json", "payload"])
def test_unsigned_and_badly_signed_are_401(slack_env, http_log, kind) -> None:
    body, content_type = _bodies(slack_env.fake.response_url("evil"))[kind]
    now = str(int(time.time()))
    unsigned = SignedRequest(body, {"Content-Type": content_type, "X-Slack-Request-Timestamp": now})
    wrong = sign(body, content_type, secret="not-the-secret")
    stale = sign(body, content_type, timestamp=int(time.time()) - 6 * 60)
    for request in (unsigned, wrong, stale):
        assert slack_env.send(request).status == 401
    assert len(_refusals(http_log)) == 3
    _assert_nothing_sent(slack_env)


def test_the_five_minute_window_on_both_sides() -> None:
    body = b"command=%2Fltv"

    def headers(ts: int) -> dict[str, str]:
        return {"x-slack-request-timestamp": str(ts), "x-slack-signature": signature(body, ts)}

    now = 1_800_000_000
    for ts in (now - 300, now + 300, now):
        verify(SIGNING_SECRET, headers(ts), body, now=now)
    for ts in (now - 301, now + 301):
        with pytest.raises(Refused) as refused:
            verify(SIGNING_SECRET, headers(ts), body, now=now)
        assert refused.value.status == 401
    with pytest.raises(Refused):
        verify("", headers(now), body, now=now)


def test_fifty_megabytes_is_413_and_not_logged(slack_env, http_log) -> None:
    marker = b"HUGEBODY"
    body = marker * (50 * 1024 * 1024 // len(marker))
    answer = slack_env.send(sign(body, FORM))
    assert answer.status == 413
    assert answer.json() == {"ok": False, "error": "body_too_large"}
    (refused,) = _refusals(http_log)
    assert "413" in refused.getMessage()
    assert not any("HUGEBODY" in r.getMessage() for r in http_log.records)
    assert sum(len(r.getMessage()) for r in http_log.records) < 2000
    _assert_nothing_sent(slack_env)


def test_just_over_a_megabyte_is_413_and_exactly_the_limit_is_read(slack_env) -> None:
    over = b"a=" + b"b" * (MAX_BODY_BYTES - 1)
    assert slack_env.send(sign(over, FORM)).status == 413
    exact = b"a=" + b"b" * (MAX_BODY_BYTES - 2)
    assert slack_env.send(sign(exact, FORM)).status != 413


def test_size_is_checked_while_reading_without_content_length() -> None:
    too_long = {"wsgi.input": io.BytesIO(b"x" * (MAX_BODY_BYTES + 1))}
    with pytest.raises(Refused) as refused:
        read_body(too_long)
    assert refused.value.status == 413
    fits = {"wsgi.input": io.BytesIO(b"x" * MAX_BODY_BYTES)}
    assert len(read_body(fits)) == MAX_BODY_BYTES
    lying = {"CONTENT_LENGTH": "10", "wsgi.input": io.BytesIO(b"x" * MAX_BODY_BYTES * 2)}
    assert read_body(lying) == b"x" * 10
    with pytest.raises(Refused) as refused:
        read_body({"CONTENT_LENGTH": "12abc", "wsgi.input": io.BytesIO(b"")})
    assert refused.value.status == 400


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


MALFORMED = {
    "not a form": (b"this is %% not a form", FORM),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "application/octet-stream"),
    "invalid JSON in payload=": (urlencode({"payload": "{nope"}).encode(), FORM),
    "JSON string as payload": (urlencode({"payload": '"a string"'}).encode(), FORM),
    "JSON array as payload": (urlencode({"payload": "[1, 2, 3]"}).encode(), FORM),
    "JSON array body": (b"[1, 2]", "application/json"),
    "invalid JSON body": (b'{"type": ', "application/json"),
    "invalid UTF-8": (b"command=%2Fltv&text=\xff\xfe", FORM),
    "percent-encoded invalid UTF-8": (b"command=%2Fltv&text=%FF%FE", FORM),
    "20,000-deep JSON body": (_nested(20_000).encode(), "application/json"),
    "20,000-deep payload=": (urlencode({"payload": _nested(20_000)}).encode(), FORM),
    "100-deep payload=": (urlencode({"payload": _nested(100)}).encode(), FORM),
    "empty body": (b"", FORM),
    "team as a number": (json.dumps({"type": "event_callback", "team": 5}).encode(), FORM),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_but_signed_is_400_with_one_log_line(slack_env, http_log, case) -> None:
    body, content_type = MALFORMED[case]
    answer = slack_env.send(sign(body, content_type))
    assert answer.status == 400, answer.body
    assert answer.json() == {"ok": False, "error": "malformed_body"}
    (refused,) = _refusals(http_log)
    assert refused.levelno == logging.WARNING and refused.exc_info is None
    assert not [r for r in http_log.records if r.exc_info]
    _assert_nothing_sent(slack_env)


def test_unknown_paths_and_methods_are_json_404(slack_env) -> None:
    from tests.slack_requests import get, post

    assert get(slack_env.url + "/slack/events").status == 404
    assert post(slack_env.url + "/elsewhere", slash_command("/ltv")).json()["error"] == "not_found"


def test_an_exception_in_a_listener_is_a_json_500_with_its_request_id_logged(
    slack_env, http_log, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(fund, "submit_proposal", explode)
    answer = slack_env.send(view_submission("fund_proposal", {}))
    assert answer.status == 500
    reply = answer.json()
    assert reply["ok"] is False and reply["error"] == "internal_error"
    request_id = reply["request_id"]
    assert len(request_id) >= 8
    lines = [r.getMessage() for r in _refusals(http_log) if request_id in r.getMessage()]
    assert len(lines) == 1 and "failed" in lines[0]
    assert "disk on fire" not in answer.body


def test_an_unexpected_error_in_the_adapter_is_a_json_500(
    slack_env, http_log, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.slack import http

    def broken(*_: object, **__: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(http, "clean_values", broken)
    answer = slack_env.command("/warroom", "help")
    assert answer.status == 500
    request_id = answer.json()["request_id"]
    (failed,) = [r for r in _refusals(http_log) if request_id in r.getMessage()]
    assert failed.levelno == logging.ERROR


def test_a_forged_log_line_in_a_body_stays_inside_its_record(
    slack_env, http_log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a request makes the bot log, a line break in it never starts a new record."""
    from bot.warroom.commands import SUBCOMMANDS

    forged = "x\nERROR bot.fund: approved proposal #7 for 1,000,000\r\nINFO x: y"

    def explode(text: str, invocation: object) -> None:
        raise RuntimeError(text)

    monkeypatch.setitem(SUBCOMMANDS, "boom", explode)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(OneLineFormatter())
    logging.getLogger().addHandler(handler)
    try:
        slack_env.send(sign(forged.encode(), FORM, secret="wrong"))
        slack_env.command("/warroom", "boom " + forged)
        slack_env.fake.wait_for("response_url")
        http_log.clear()
    finally:
        logging.getLogger().removeHandler(handler)
    lines = out.getvalue().splitlines()
    assert any("approved proposal #7" in line for line in lines)  # it was logged ...
    records = [line for line in lines if not line.startswith(" ")]
    assert all(line[:4].isdigit() for line in records)  # ... but every record is dated
    assert not any(line.lstrip(" |").startswith(("ERROR", "INFO")) for line in lines)
