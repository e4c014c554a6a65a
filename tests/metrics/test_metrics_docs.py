"""docs/metrics.md is generated from the registry and must not go stale."""

from __future__ import annotations

from bot.metrics.docs import METRICS_MD, render
from bot.metrics.format import metrics_list_text
from bot.metrics.registry import METRICS


def test_metrics_md_matches_the_registry() -> None:
    assert METRICS_MD.read_text(encoding="utf-8") == render(), (
        "docs/metrics.md is stale: run python -m bot.metrics.docs"
    )


def test_every_metric_is_documented_and_listed() -> None:
    text = render()
    listing = metrics_list_text()
    for metric in METRICS:
        assert f"## {metric.name}: {metric.label}" in text
        assert metric.formula in text
        assert metric.name in listing and metric.formula in listing
        for alias in metric.aliases:
            assert f"`{alias}`" in text
