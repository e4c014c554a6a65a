"""The metric engine: metrics declared as data, the query language, rollups and answers.

Other features use the metrics through these names only (an import contract checks it).
"""

from bot.metrics.engine import answer, ask
from bot.metrics.format import format_metric_value
from bot.metrics.query import Filters, Period, Query, QueryError
from bot.metrics.registry import METRICS, Metric, find_metric
from bot.metrics.result import Result

__all__ = [
    "METRICS",
    "Filters",
    "Metric",
    "Period",
    "Query",
    "QueryError",
    "Result",
    "answer",
    "ask",
    "find_metric",
    "format_metric_value",
]
