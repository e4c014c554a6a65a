"""`warroom run` as a real process in HTTP mode: a signed /ltv is acked, then answered."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from tests.fake_slack import FakeSlack
from tests.slack_data import load_small_data_set
from tests.slack_requests import SIGNING_SECRET, post, slash_command, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def _start(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_warroom_run_serves_http_mode(settings, db, fake, tmp_path: Path) -> None:
    load_small_data_set(db, settings, ManualClock(datetime(2026, 11, 2, 10, tzinfo=UTC)))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        DATABASE_URL=settings.database_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        PORT=str(port),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    process = _start(env, tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, process)
        answer = post(
            url + "/slack/events",
            slash_command("/ltv", "channel=tiktok", response_url=fake.response_url("run")),
        )
        assert answer.status == 200
        (reply,) = fake.wait_for("response_url", timeout=15)
        assert reply.path == "/response/run"
        assert reply.params["response_type"] == "ephemeral"
        assert "LTV" in reply.params["blocks"][0]["text"]["text"]
        assert "tiktok" in reply.params["blocks"][0]["text"]["text"]
        assert fake.calls_to("auth.test")
        bad = post(
            url + "/slack/events",
            slash_command("/ltv", "", secret="wrong", response_url=fake.response_url("bad")),
        )
        assert bad.status == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
