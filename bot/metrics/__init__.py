"""The metric engine: metrics declared as data, the query language, rollups and answers.

Other features use the metrics through these names only (an import contract checks it).
"""

from bot.metrics.catalog import Catalog, load_catalog
from bot.metrics.drivers import Driver, driver_from_json, explain_change
from bot.metrics.engine import answer, ask, measure_totals
from bot.metrics.format import (
    display_width,
    drivers_text,
    format_metric_value,
    format_span,
    metric_name,
    metrics_list_text,
    top_drivers,
)
from bot.metrics.parser import is_metric_list, is_metric_question, parse
from bot.metrics.query import Filters, Period, Query, QueryError
from bot.metrics.registry import METRICS, Metric, find_metric
from bot.metrics.render import metric_message
from bot.metrics.result import Result, Row

__all__ = [
    "METRICS",
    "Catalog",
    "Driver",
    "Filters",
    "Metric",
    "Period",
    "Query",
    "QueryError",
    "Result",
    "Row",
    "answer",
    "ask",
    "display_width",
    "driver_from_json",
    "drivers_text",
    "explain_change",
    "find_metric",
    "format_metric_value",
    "format_span",
    "is_metric_list",
    "is_metric_question",
    "load_catalog",
    "measure_totals",
    "metric_message",
    "metric_name",
    "metrics_list_text",
    "parse",
    "top_drivers",
]
