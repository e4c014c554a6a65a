"""/healthz says the process is alive; /readyz follows the database down and back up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.db import Database, make_engine
from bot.slack.server import make_http_server, stop_http_server
from handlers import create_app
from tests.fake_slack import FakeSlack
from tests.slack_requests import get, slack_settings


class Switch:
    """Makes every new connection of an engine fail while `down` is set."""

    def __init__(self) -> None:
        self.down = False
        self.refused = 0

    def install(self, engine) -> None:
        @event.listens_for(engine, "do_connect")
        def _connect(*_: object) -> None:
            if self.down:
                self.refused += 1
                raise OperationalError("connect", {}, ConnectionRefusedError("server is down"))


@pytest.fixture
def served(settings) -> Iterator[tuple[str, Switch]]:
    fake = FakeSlack().start()
    connected = slack_settings(settings, fake)
    # No pool: each readiness check opens a connection, as it would after the server left.
    engine = make_engine(connected.database_url, poolclass=NullPool)
    switch = Switch()
    switch.install(engine)
    db = Database(state=engine, analytics=engine)
    base = Context(env=connected, db=db, clock=ManualClock(datetime(2026, 11, 2, tzinfo=UTC)))
    server = make_http_server(create_app(base), "127.0.0.1", 0, db=db)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", switch
    stop_http_server(server, thread)
    fake.close()
    engine.dispose()


def test_readyz_follows_the_database_down_and_back(served, caplog) -> None:
    url, switch = served
    assert get(url + "/readyz").status == 200
    switch.down = True
    down = get(url + "/readyz")
    assert down.status == 503
    assert down.json() == {"ok": False, "error": "database_unreachable"}
    assert switch.refused == 1
    assert any("server is down" in r.getMessage() for r in caplog.records)
    # Liveness does not depend on the database.
    assert get(url + "/healthz").status == 200
    switch.down = False
    assert get(url + "/readyz").status == 200
    assert get(url + "/readyz").json() == {"ok": True}


def test_a_database_that_never_answers_is_unreachable_at_the_deadline(settings) -> None:
    """A connect that hangs (a host dropping packets) is "not ready" at the deadline."""
    from bot.core.db import DatabaseUnreachable, check_connection

    hang = threading.Event()
    engine = make_engine(settings.database_url, poolclass=NullPool)

    @event.listens_for(engine, "do_connect")
    def _stuck(*_: object) -> None:
        hang.wait(10)

    try:
        with pytest.raises(DatabaseUnreachable, match="no answer within 0.05 s"):
            check_connection(engine, 0.05)
    finally:
        hang.set()
        engine.dispose()
