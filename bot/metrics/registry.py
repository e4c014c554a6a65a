"""Every metric in one place. A metric is data: a ratio of two additive measures.

A measure is a sum the rollups keep per day, channel and campaign (or, for the two
customer counts of repeat_rate, a distinct count the rollups keep per window of days).
Because every ratio is sum(numerator) / sum(denominator) over the bucket, a breakdown's
rows and its total always agree, and no metric is ever an average of daily ratios.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["currency", "ratio", "percent", "count"]
Direction = Literal["up", "down"]
Display = Literal["plain", "roi", "multiple"]


@dataclass(frozen=True)
class Metric:
    """One metric: how it is computed, shown, and which way is good."""

    name: str
    label: str
    unit: Unit
    good: Direction
    formula: str
    numerator: str
    denominator: str | None = None
    aliases: tuple[str, ...] = ()
    # ltv is revenue times GROSS_MARGIN; the engine applies it where `margin` is set.
    margin: bool = False
    display: Display = "plain"
    takes_day_n: bool = False
    paid_only: bool = False
    slash_command: str | None = None
    notes: tuple[str, ...] = field(default=())
    # The measure counted as the answer's sample size (None: the days in the period).
    sample: str | None = None


METRICS: tuple[Metric, ...] = (
    Metric(
        name="spend",
        label="Spend",
        unit="currency",
        good="down",
        formula="Sum of spend.amount for spend rows dated in the period.",
        numerator="spend",
    ),
    Metric(
        name="new_customers",
        sample="new_customers",
        label="New customers",
        unit="count",
        good="up",
        formula=(
            "Users whose first ever order (the earliest of all their orders) falls in the period."
        ),
        numerator="new_customers",
        aliases=("customers", "new", "acquisitions"),
    ),
    Metric(
        name="cac",
        sample="new_customers",
        label="CAC",
        unit="currency",
        good="down",
        formula=(
            "Spend / new customers, same filters and period; with no channel filter this is the "
            "blended figure: all spend / all new customers, organic ones included."
        ),
        numerator="spend",
        denominator="new_customers",
        aliases=("cpa", "acquisition_cost"),
        paid_only=True,
        slash_command="/cac",
    ),
    Metric(
        name="revenue",
        sample="orders",
        label="Revenue",
        unit="currency",
        good="up",
        formula="Sum of orders.amount for orders placed in the period.",
        numerator="revenue",
        aliases=("gmv", "sales"),
    ),
    Metric(
        name="ltv",
        sample="new_customers",
        label="LTV",
        unit="currency",
        good="up",
        formula=(
            "GROSS_MARGIN x the revenue of the customers whose first order is in the period, from"
            " their orders placed 0 to LTV_HORIZON_DAYS days after that first order, / the number"
            " of those customers. Maturity is the share of them whose first order day + "
            "LTV_HORIZON_DAYS is yesterday or earlier."
        ),
        numerator="ltv_revenue",
        denominator="new_customers",
        aliases=("lifetime_value", "clv"),
        margin=True,
        slash_command="/ltv",
        notes=("Cohorts younger than the horizon are shown with their maturity.",),
    ),
    Metric(
        name="ltv_cac",
        sample="new_customers",
        label="LTV/CAC",
        unit="ratio",
        good="up",
        formula=(
            "LTV / CAC for the same filters and period, which is GROSS_MARGIN x the LTV revenue "
            "(as for ltv) / spend."
        ),
        numerator="ltv_revenue",
        denominator="spend",
        aliases=("ltv/cac", "ltvcac", "ltv_to_cac"),
        margin=True,
        display="multiple",
        paid_only=True,
    ),
    Metric(
        name="roi",
        sample="signups",
        label="ROI",
        unit="ratio",
        good="up",
        formula=(
            "Revenue from orders placed 0 to ROI_WINDOW_DAYS days after sign-up by the users who "
            "signed up in the period / spend in the period; shown as 1:x."
        ),
        numerator="roi_revenue",
        denominator="spend",
        aliases=("roas", "return"),
        display="roi",
        paid_only=True,
        slash_command="/roi",
    ),
    Metric(
        name="retention",
        sample="eligible",
        label="Retention",
        unit="percent",
        good="up",
        formula=(
            "Users who signed up in the period and were active exactly N calendar days after "
            "their sign-up day / those users (N from d=, 1 to 90, default 1); sign-up days whose "
            "day N is after yesterday are left out of both."
        ),
        numerator="retained",
        denominator="eligible",
        aliases=("retention_d", "ret", "dn"),
        takes_day_n=True,
        slash_command="/retention",
    ),
    Metric(
        name="lead_conversion",
        sample="leads",
        label="Lead conversion",
        unit="percent",
        good="up",
        formula=(
            "Leads created in the period whose user's first order came 0 to LEAD_WINDOW_DAYS days"
            " after the lead's day / leads created in the period."
        ),
        numerator="converted_leads",
        denominator="leads",
        aliases=("conversion", "lead_cvr", "cvr"),
    ),
    Metric(
        name="cost_per_converted_lead",
        sample="converted_leads",
        label="Cost per converted lead",
        unit="currency",
        good="down",
        formula=(
            "Spend / converted leads (leads created in the period that converted, as in "
            "lead_conversion)."
        ),
        numerator="spend",
        denominator="converted_leads",
        aliases=("cpl", "cost_per_lead"),
        paid_only=True,
    ),
    Metric(
        name="repeat_rate",
        sample="ordering_customers",
        label="Repeat rate",
        unit="percent",
        good="up",
        formula=(
            "Customers with 2 or more orders in the period / customers with 1 or more orders in "
            "it (distinct customers per period, grain bucket or breakdown row; not additive over "
            "days)."
        ),
        numerator="repeat_customers",
        denominator="ordering_customers",
        aliases=("repeat", "repurchase_rate"),
    ),
    Metric(
        name="first_order_cost",
        sample="new_customers",
        label="First-order cost",
        unit="currency",
        good="down",
        formula="Spend / first orders placed in the period (one per new customer).",
        numerator="spend",
        denominator="new_customers",
        aliases=("cost_per_first_order", "foc"),
        paid_only=True,
    ),
)

BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}

# Retention is also asked for as retention_d7, d1_retention, ...; the parser handles those.
DEFAULT_RETENTION_DAYS = (1, 7, 30)
MAX_RETENTION_DAY = 90

# Measures the rollups keep per day, channel and campaign (retention per day N as well).
DAILY_MEASURES = (
    "spend",
    "impressions",
    "clicks",
    "signups",
    "new_customers",
    "revenue",
    "orders",
    "ltv_revenue",
    "roi_revenue",
    "leads",
    "converted_leads",
)


# The slash command that names no metric itself: `/metric NAME ...` (and `/metric list`).
GENERIC_COMMAND = "/metric"


def slash_commands() -> dict[str, str | None]:
    """Every metric slash command: the metric each one asks for (None for /metric)."""
    named = {m.slash_command: m.name for m in METRICS if m.slash_command}
    return {**named, GENERIC_COMMAND: None}


def metric_names() -> list[str]:
    """Every metric name and alias, for suggestions."""
    return [word for metric in METRICS for word in (metric.name, *metric.aliases)]


def find_metric(word: str) -> Metric | None:
    """The metric named or aliased `word` (case-insensitive), or None."""
    key = word.strip().lower().replace("-", "_")
    for metric in METRICS:
        if key == metric.name or key in metric.aliases:
            return metric
    return None
