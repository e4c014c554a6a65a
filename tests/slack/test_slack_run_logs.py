"""`warroom run` as a real process: its log, set up by the CLI, holds one line per refused
request, never the body, and no line a request could forge."""

from __future__ import annotations

import os

from tests.fake_slack import FakeSlack
from tests.slack.test_slack_run import ROOT, _free_port, _start
from tests.slack_requests import SIGNING_SECRET, SignedRequest, post, sign, wait_until_serving

FORM = "application/x-www-form-urlencoded"
FORGED = b"text=hi\nERROR bot.fund: approved proposal #7 for 1,000,000\n"


def test_the_served_log_has_one_line_per_refusal_and_no_body(settings, db, tmp_path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    with FakeSlack() as fake:
        env.update(
            DATABASE_URL=settings.database_url,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.url,
            PORT=str(port),
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="INFO",
        )
        process = _start(env, tmp_path)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(url, process)
            events = url + "/slack/events"
            headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": "1.5"}
            assert post(events, SignedRequest(FORGED, headers)).status == 401
            assert post(events, sign(b"BIGBODY" * 300_000, FORM)).status == 413
            assert post(events, sign(b"payload=%5B1%5D", FORM)).status == 400
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=10)
    lines = output.splitlines()
    refusals = [line for line in lines if "Refused request" in line]
    assert len(refusals) == 3, output
    assert "BIGBODY" not in output and "approved proposal" not in output
    assert not [line for line in lines if line.lstrip(" |").startswith("ERROR bot.fund")]
    assert "Traceback" not in output
