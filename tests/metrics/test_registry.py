"""A new metric built from declared measures is one registry entry: registered in a fixture,
it is asked, listed and documented like the built-in ones, and gone again afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.metrics.docs import render
from bot.metrics.engine import ask
from bot.metrics.format import context_parts, metrics_list_text
from bot.metrics.parser import is_metric_question
from bot.metrics.registry import (
    METRICS,
    Metric,
    find_metric,
    metric_names,
    register,
    slash_commands,
)
from tests.metrics.tiny_data import W

REVENUE_PER_SIGNUP = Metric(
    name="revenue_per_signup",
    label="Revenue per sign-up",
    unit="currency",
    good="up",
    formula="Revenue / sign-ups, same filters and period.",
    numerator="revenue",
    denominator="signups",
    sample="signups",
    aliases=("rps",),
    slash_command="/rps",
)


@pytest.fixture
def revenue_per_signup() -> Iterator[Metric]:
    before, commands = list(METRICS), slash_commands()
    remove = register(REVENUE_PER_SIGNUP)
    yield REVENUE_PER_SIGNUP
    remove()
    assert list(METRICS) == before and slash_commands() == commands
    assert find_metric("revenue_per_signup") is None and find_metric("rps") is None
    assert "revenue_per_signup" not in metric_names()


def test_a_registered_ratio_is_answered_from_its_measures(tiny, revenue_per_signup) -> None:
    settings, db, clock = tiny
    result = ask(f"/metric revenue_per_signup {W}", settings, db, clock)
    # W: revenue 30 + 15 + 45 = 90 over the sign-ups u1, u2, u3
    assert result.value == pytest.approx(90 / 3)
    assert (result.numerator, result.denominator, result.sample_size) == (90, 3, 3)
    assert "n = 3 sign-ups" in context_parts(result)
    # 03-01 .. 03-07: revenue 8 + 12 over the sign-ups u9, u0
    assert result.previous_value == pytest.approx(20 / 2)
    rows = {
        row.key: row.value for row in ask(f"/rps {W} by=channel", settings, db, clock).breakdown
    }
    # tiktok: 30 + 15 over u1, u3 | seo: 45 over u2
    assert rows == {"seo": pytest.approx(45.0), "tiktok": pytest.approx(45 / 2)}
    assert ask(f"/metric rps {W}", settings, db, clock).value == pytest.approx(30)


def test_an_empty_denominator_is_said_in_the_measure_s_words(tiny, revenue_per_signup) -> None:
    settings, db, clock = tiny
    result = ask("/rps from=2026-03-11 to=2026-03-13 channel=tiktok", settings, db, clock)
    assert result.value is None
    assert (result.note or "").startswith("no sign-ups for tiktok in this period")


def test_a_registered_metric_is_listed_everywhere(revenue_per_signup) -> None:
    assert find_metric("RPS") is revenue_per_signup
    assert slash_commands()["/rps"] == "revenue_per_signup"
    assert is_metric_question("/rps since=7d")
    assert METRICS[-1] is revenue_per_signup
    assert "revenue_per_signup (also rps) · /rps" in metrics_list_text()
    docs = render()
    assert "## revenue_per_signup: Revenue per sign-up" in docs
    assert "- Sample size: sign-ups" in docs


def test_a_metric_must_read_declared_measures_and_bring_its_own_words() -> None:
    unknown = Metric("refund_rate", "Refund rate", "percent", "down", "-", numerator="refunds")
    with pytest.raises(ValueError, match="no measure 'refunds'"):
        register(unknown)
    taken = Metric("gmv_per_order", "GMV", "currency", "up", "-", "revenue", aliases=("gmv",))
    with pytest.raises(ValueError, match="gmv already name a metric"):
        register(taken)
    command = Metric("spend_2", "Spend", "currency", "down", "-", "spend", slash_command="/cac")
    with pytest.raises(ValueError, match="/cac is already a command"):
        register(command)
    assert find_metric("refund_rate") is None and find_metric("spend_2") is None
