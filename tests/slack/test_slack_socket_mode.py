"""Socket Mode end to end: the real app connects through apps.connections.open to a local
WebSocket server, which sends a slash command, a button click and a view submission and
records the acknowledgements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest

from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.db import Database
from bot.fund.render import APPROVE_ACTION, PROPOSAL_VIEW
from bot.slack.server import make_socket_handler
from handlers import create_app
from tests.fake_slack import FakeSlack
from tests.fake_socket_mode import FakeSocketMode
from tests.slack_requests import SignedRequest, block_action, slash_command, view_submission


def _payload(request: SignedRequest) -> dict[str, Any]:
    """What an HTTP request carries, as Socket Mode delivers it (the envelope's payload)."""
    fields = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    return json.loads(fields["payload"]) if "payload" in fields else fields


@pytest.fixture
def socket_env(settings) -> Iterator[tuple[FakeSlack, FakeSocketMode]]:
    fake = FakeSlack().start()
    socket = FakeSocketMode().start()
    fake.socket_mode_url = socket.url
    connected = settings.model_copy(
        update={
            "slack_bot_token": "xoxb-test",
            "slack_app_token": "xapp-test",
            "slack_api_url": fake.url,
        }
    )
    assert connected.slack_mode == "socket"
    db = Database.from_settings(connected)
    clock = ManualClock(datetime(2026, 11, 2, 10, tzinfo=UTC))
    app = create_app(Context(env=connected, db=db, clock=clock, surface="slack"))
    handler = make_socket_handler(app, connected)
    handler.connect()
    socket.wait_connected()
    yield fake, socket
    # The server goes first, so the client's read ends at once; and the client's queue gets
    # a wake-up, so its message loop sees it is closed instead of waiting a second for one.
    handler.client.auto_reconnect_enabled = False
    socket.close()
    handler.client.closed = True
    handler.client.message_queue.put(None)
    handler.close()
    fake.close()
    db.dispose()


def test_the_app_opens_its_connection_with_the_app_token(socket_env) -> None:
    fake, socket = socket_env
    (opened,) = fake.calls_to("apps.connections.open")
    assert opened.headers["authorization"] == "Bearer xapp-test"
    assert socket.connections == 1


def test_a_slash_command_is_acked_then_answered(socket_env) -> None:
    fake, socket = socket_env
    command = _payload(slash_command("/warroom", "help", response_url=fake.response_url("sm")))
    envelope = socket.send("slash_commands", command)
    assert socket.ack(envelope) == {"envelope_id": envelope}
    (answer,) = fake.wait_for("response_url")
    assert answer.path == "/response/sm"
    assert "/ltv channel=tiktok" in answer.text


def test_a_button_is_acked_then_answered(socket_env) -> None:
    fake, socket = socket_env
    click = block_action(APPROVE_ACTION, "4711", response_url=fake.response_url("click"))
    envelope = socket.send("interactive", _payload(click), accepts_response=False)
    assert socket.ack(envelope)["envelope_id"] == envelope
    (answer,) = fake.wait_for("response_url")
    assert answer.path == "/response/click"
    assert "4711" in answer.text


def test_a_view_submission_is_acked_with_its_errors(socket_env) -> None:
    """Validation errors travel in the acknowledgement's payload, as in HTTP mode."""
    _, socket = socket_env
    values = {"title": {"title": {"type": "plain_text_input", "value": "\x00"}}}
    submission = _payload(view_submission(PROPOSAL_VIEW, values))
    envelope = socket.send("interactive", submission)
    ack = socket.ack(envelope)
    assert ack["envelope_id"] == envelope
    assert ack["payload"]["response_action"] == "errors"
    assert ack["payload"]["errors"]["title"] == "Enter a title."
    assert "amount" in ack["payload"]["errors"]
