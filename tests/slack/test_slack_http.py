"""The HTTP endpoint end to end: signatures, the command core's routing, errors, retries."""

from __future__ import annotations

import time

import pytest

from bot.core.render import Reply
from bot.slack.client import make_client
from bot.warroom.commands import SUBCOMMANDS
from tests.fake_slack import FakeSlack
from tests.slack_requests import (
    get,
    slash_command,
    url_verification,
)


def test_healthz_answers_without_a_signature(slack_env) -> None:
    answer = get(slack_env.url + "/healthz")
    assert answer.status == 200
    assert answer.json() == {"ok": True}


def test_warroom_help_is_private_and_lists_commands(slack_env) -> None:
    answer = slack_env.command("/warroom", "help")
    assert answer.status == 200
    (post,) = slack_env.fake.wait_for("response_url")
    assert post.params["response_type"] == "ephemeral"
    for word in ("/ltv channel=tiktok", "/metric list", "/fund propose", "/warroom settings"):
        assert word in post.text


def test_warroom_without_a_subcommand_is_help(slack_env) -> None:
    slack_env.command("/warroom", "")
    (post,) = slack_env.fake.wait_for("response_url")
    assert "/retention d=1" in post.text


def test_unknown_warroom_subcommand_suggests_the_closest(slack_env) -> None:
    slack_env.command("/warroom", "halp")
    (post,) = slack_env.fake.wait_for("response_url")
    assert "There is no /warroom halp" in post.text
    assert 'Did you mean \\"help\\"' in post.text or 'Did you mean "help"' in post.text
    assert post.params["response_type"] == "ephemeral"


def test_bad_signature_is_refused_and_nothing_is_posted(slack_env) -> None:
    request = slash_command(
        "/warroom",
        "help",
        secret="not-the-secret",
        response_url=slack_env.fake.response_url("bad"),
    )
    answer = slack_env.send(request)
    assert answer.status == 401
    # A good request after it is answered, so an answer to the bad one would be seen first.
    slack_env.command("/warroom", "help")
    posts = slack_env.fake.wait_for("response_url")
    assert [p.path for p in posts] != ["/response/bad"]
    assert not slack_env.fake.calls_to("response_url", where=lambda c: c.path == "/response/bad")


def test_five_minute_old_signature_is_refused(slack_env) -> None:
    stale = int(time.time()) - 6 * 60
    request = slash_command(
        "/warroom", "help", timestamp=stale, response_url=slack_env.fake.response_url("old")
    )
    assert slack_env.send(request).status == 401
    slack_env.command("/warroom", "help")
    slack_env.fake.wait_for("response_url")
    assert not slack_env.fake.calls_to("response_url", where=lambda c: c.path == "/response/old")


def test_url_verification_echoes_the_challenge(slack_env) -> None:
    answer = slack_env.send(url_verification("abc123"))
    assert answer.status == 200
    assert answer.json() == {"challenge": "abc123"}


def test_error_inside_a_listener_gets_a_polite_apology(
    slack_env, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(text: str, invocation: object) -> Reply:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(SUBCOMMANDS, "boom", explode)
    answer = slack_env.command("/warroom", "boom")
    assert answer.status == 200
    (post,) = slack_env.fake.wait_for("response_url")
    assert "Sorry, something went wrong" in post.text
    assert "disk on fire" not in post.text
    assert any("disk on fire" in r.getMessage() for r in caplog.records)


def test_first_request_checks_the_token_with_auth_test(slack_env) -> None:
    slack_env.command("/warroom", "help")
    slack_env.fake.wait_for("response_url")
    assert slack_env.fake.calls_to("auth.test")


def test_client_retries_429_always_and_500_only_where_repeating_is_harmless() -> None:
    from slack_sdk.errors import SlackApiError

    with FakeSlack() as fake:
        from bot.core.settings import Settings

        settings = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_api_url=fake.url)
        client = make_client(settings)
        # A 429 is a refusal: sent again after Retry-After, posted once.
        fake.fail_next("chat.postMessage", status=429, retry_after=0)
        answer = client.chat_postMessage(channel="C0GENERAL", text="hello")
        assert answer["ok"] and answer["channel"] == "C0GENERAL"
        assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
        # A 500 after Slack took the post: never sent again (that would be a second message).
        fake.fault_next("chat.postMessage", "taken_500")
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C0GENERAL", text="once")
        assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200, 500]
        assert [m["text"] for m in fake.posts()] == ["hello", "once"]
        # Reads and updates can be repeated: a 500 there is retried.
        fake.fail_next("conversations.history", status=500)
        history = client.conversations_history(channel="C0GENERAL")
        assert [m["text"] for m in history["messages"]] == ["once", "hello"]
        assert [c.status for c in fake.calls_to("conversations.history")] == [500, 200]


def test_fake_slack_error_injection_and_recorded_params() -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        fake.error_next("chat.postMessage", "not_in_channel")
        with pytest.raises(SlackApiError) as failure:
            client.chat_postMessage(channel="C0FUND", text="x")
        assert failure.value.response["error"] == "not_in_channel"
        fake.users["U9"] = {"is_admin": True}
        assert client.users_info(user="U9")["user"]["is_admin"] is True
        assert client.conversations_open(users="U9")["channel"]["id"].startswith("D")
        view = client.views_publish(user_id="U9", view={"type": "home", "blocks": []})
        assert view["view"]["id"].startswith("V")
        upload = client.files_upload_v2(
            channel="C0GENERAL", content=b"PNG", filename="a.png", title="A"
        )
        assert upload["file"]["title"] == "A"
        assert fake.wait_for("upload")[0].body == b"PNG"
        assert fake.calls_to("files.completeUploadExternal")[0].params["channel_id"] == "C0GENERAL"
