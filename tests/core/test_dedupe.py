"""Each Events API event_id is handled once, however often Slack delivers it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bot.core.db import Database
from bot.core.dedupe import first_delivery, forget_before

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_second_delivery_is_recognised(db: Database) -> None:
    assert first_delivery(db, "Ev1", NOW)
    assert not first_delivery(db, "Ev1", NOW)
    assert first_delivery(db, "Ev2", NOW)


def test_concurrent_deliveries_claim_once(db: Database) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: first_delivery(db, "EvSame", NOW), range(16)))
    assert results.count(True) == 1


def test_old_claims_are_forgotten(db: Database) -> None:
    first_delivery(db, "EvOld", NOW - timedelta(days=2))
    first_delivery(db, "EvNew", NOW)
    assert forget_before(db, NOW - timedelta(days=1)) == 1
    assert first_delivery(db, "EvOld", NOW)
    assert not first_delivery(db, "EvNew", NOW)
