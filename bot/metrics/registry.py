"""Every metric in one place. A metric is data: a sum, or a ratio of two declared measures.

A measure is a sum the rollups keep per day, channel and campaign (or, for the two
customer counts of repeat_rate, a distinct count the rollups keep per window of days; or a
statistic, such as a median, of a distribution the rollups keep as counts per value); each
is declared once below with the words used about it. Because every ratio is
sum(numerator) / sum(denominator) over the bucket, a breakdown's rows and its total always
agree, and no metric is ever an average of daily ratios. A new metric built from declared
measures is one `Metric` entry (or one `register` call) and nothing else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, overload

from bot.core.i18n import N_

Unit = Literal["currency", "ratio", "percent", "count", "hours"]
Direction = Literal["up", "down"]
Display = Literal["plain", "roi", "multiple"]
# How the rollups keep a measure, which says how the engine reads it:
#   daily     a rollup_daily column, summed over the days of the period
#   eligible  a rollup_daily column, summed over the days whose day N has already happened
#   retained  users active exactly day N after their sign-up day (rollup_retention)
#   repeat    distinct customers per window of days (rollup_repeat_windows): these do not
#             add up over days, only over channels and campaigns
#   distribution  counts per value (rollup_lead_response: leads per whole minute from the
#             lead to its first contact), read for the whole period, bucket or row at once
#             and summarised by the measure's statistic
Kept = Literal["daily", "eligible", "retained", "repeat", "distribution"]
# How a measure's kept values make one number for a period, bucket or row: their sum (which
# adds up over days, channels and campaigns as far as the way of keeping allows), or the
# median of a distribution (which never adds up: it is read from all the counts at once).
Statistic = Literal["sum", "median"]
# The rollup tables that keep a cohort measure by age (see bot/metrics/readers.py).
PartsTable = Literal["ltv", "roi", "lead"]


@dataclass(frozen=True)
class Cohort:
    """How a cohort measure grows: the facts of the members of a cohort (the users anchored on
    one day) over the window of days after that day. The rollups keep it by age, so it can be
    read as of any earlier day (comparisons at the same age) and, when `projected`, carried
    to the full window from the curve of the cohorts that have reached it (chain ladder)."""

    parts: PartsTable
    # The Settings field holding the window's length in days.
    window: str
    # The measure counting a cohort's members: its maturity, and how much history a curve has.
    members: str
    projected: bool = False


@dataclass(frozen=True)
class Measure:
    """One measure the rollups keep: its words, and how and in which column it is kept."""

    name: str
    # What an answer's sample size counts: "n = 12 new customers".
    noun: str
    # Why a ratio over this measure has no value: "no new customers".
    empty: str
    kept: Kept = "daily"
    # The sample size in docs/metrics.md (default: noun).
    described: str = ""
    # The rollup column it is read from (default: its name).
    column: str = ""
    # Set for a measure counted over a window after each cohort's day (LTV revenue ...).
    cohort: Cohort | None = None
    statistic: Statistic = "sum"
    # The measure's unit per unit the rollups keep it in (minutes kept, hours shown: 1/60).
    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "described", self.described or self.noun)
        object.__setattr__(self, "column", self.column or self.name)

    @property
    def adds_up(self) -> bool:
        """True when the measure's values add up over channels and campaigns (a sum does, in
        every way of keeping; a median does not)."""
        return self.statistic == "sum"


MEASURES: tuple[Measure, ...] = (
    Measure("spend", N_("spend"), N_("no spend")),
    Measure("impressions", N_("impressions"), N_("no impressions")),
    Measure("clicks", N_("clicks"), N_("no clicks")),
    Measure("signups", N_("sign-ups"), N_("no sign-ups")),
    Measure("new_customers", N_("new customers"), N_("no new customers")),
    Measure("revenue", N_("revenue"), N_("no revenue")),
    Measure("orders", N_("orders"), N_("no orders")),
    Measure(
        "ltv_revenue",
        N_("LTV revenue"),
        N_("no LTV revenue"),
        cohort=Cohort("ltv", "ltv_horizon_days", "new_customers", projected=True),
    ),
    Measure(
        "roi_revenue",
        N_("ROI revenue"),
        N_("no ROI revenue"),
        cohort=Cohort("roi", "roi_window_days", "signups", projected=True),
    ),
    Measure("leads", N_("leads"), N_("no leads")),
    Measure(
        "converted_leads",
        N_("converted leads"),
        N_("no converted leads"),
        cohort=Cohort("lead", "lead_window_days", "leads"),
    ),
    # Sign-ups whose day N has happened: the denominator of retention.
    Measure(
        "eligible",
        N_("eligible users"),
        N_("no sign-ups"),
        kept="eligible",
        described="eligible sign-ups",
        column="signups",
    ),
    Measure(
        "retained",
        N_("retained users"),
        N_("no retained users"),
        kept="retained",
        column="active_users",
    ),
    Measure(
        "ordering_customers",
        N_("customers"),
        N_("no orders"),
        kept="repeat",
        described="customers with an order",
    ),
    Measure("repeat_customers", N_("repeat customers"), N_("no repeat customers"), kept="repeat"),
    # Leads with a first operations contact, by the minutes it took: how many, and how long
    # the middle one waited.
    Measure(
        "contacted_leads",
        N_("contacted leads"),
        N_("no contacted leads"),
        kept="distribution",
        column="leads",
    ),
    Measure(
        "response_hours",
        N_("contacted leads"),
        N_("no contacted leads"),
        kept="distribution",
        column="leads",
        statistic="median",
        scale=1 / 60,
    ),
)

_MEASURES_BY_NAME = {measure.name: measure for measure in MEASURES}

# The rollup_daily columns, as the measures kept daily declare them.
DAILY_MEASURES = tuple(measure.column for measure in MEASURES if measure.kept == "daily")


def cohort_windows(settings: object) -> dict[str, int]:
    """The window in days of every cohort measure, by measure name, as `settings` set them."""
    return {
        measure.name: int(getattr(settings, measure.cohort.window))
        for measure in MEASURES
        if measure.cohort is not None
    }


def get_measure(name: str) -> Measure:
    """The measure called `name`; KeyError names it when none is declared."""
    try:
        return _MEASURES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no measure {name!r}; declare it in MEASURES") from None


@dataclass(frozen=True)
class Metric:
    """One metric: how it is computed, shown, and which way is good. `numerator`,
    `denominator` and `sample` name declared measures."""

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
    slash_command: str | None = None
    notes: tuple[str, ...] = field(default=())
    # The measure counted as the answer's sample size (None: the days in the period).
    sample: str | None = None
    # How a change of a row's own rate is said in the drivers ("CAC: baidu dearer").
    rate_words: tuple[str, str] = (N_("higher"), N_("lower"))

    def measures(self) -> tuple[Measure, ...]:
        """The declared measures the metric reads: numerator, denominator, sample (no repeats)."""
        names = (self.numerator, self.denominator, self.sample)
        return tuple(get_measure(name) for name in dict.fromkeys(n for n in names if n))

    def adds_up(self) -> bool:
        """True when the metric's parts add up over channels and campaigns, so a total, its
        breakdown and the drivers of its change come from the same cells (not a median)."""
        return all(measure.adds_up for measure in self.measures())

    def projected(self) -> Measure | None:
        """The numerator, when it is a cohort measure projected to its full window."""
        numerator = get_measure(self.numerator)
        cohort = numerator.cohort
        return numerator if cohort is not None and cohort.projected else None

    def value_range(self) -> tuple[float, float]:
        """The lowest and highest value the metric can take (see VALUE_RANGES)."""
        return VALUE_RANGES[self.unit]


# What a value of each unit can be, for targets and reported values: a share of people is
# 0 to 1 (100%); counts, money and ratios of them are never negative. The upper bounds are
# what the database and the formats hold (NUMERIC(18, 2) money).
VALUE_RANGES: dict[Unit, tuple[float, float]] = {
    "percent": (0.0, 1.0),
    "count": (0.0, 1e15),
    "currency": (0.0, 1e15),
    "ratio": (0.0, 1e6),
    "hours": (0.0, 1e6),
}


_BUILT_IN: tuple[Metric, ...] = (
    Metric(
        name="spend",
        label=N_("Spend"),
        unit="currency",
        good="down",
        formula=N_("Sum of spend.amount for spend rows dated in the period."),
        numerator="spend",
    ),
    Metric(
        name="new_customers",
        sample="new_customers",
        label=N_("New customers"),
        unit="count",
        good="up",
        formula=N_(
            "Users whose first ever order (the earliest of all their orders) falls in the period."
        ),
        numerator="new_customers",
        aliases=("customers", "new", "acquisitions"),
    ),
    Metric(
        name="cac",
        sample="new_customers",
        label=N_("CAC"),
        unit="currency",
        good="down",
        formula=N_(
            "Spend / new customers, same filters and period; with no channel filter this is the "
            "blended figure: all spend / all new customers, organic ones included."
        ),
        numerator="spend",
        denominator="new_customers",
        aliases=("cpa", "acquisition_cost"),
        slash_command="/cac",
        rate_words=(N_("dearer"), N_("cheaper")),
    ),
    Metric(
        name="revenue",
        sample="orders",
        label=N_("Revenue"),
        unit="currency",
        good="up",
        formula=N_("Sum of orders.amount for orders placed in the period."),
        numerator="revenue",
        aliases=("gmv", "sales"),
    ),
    Metric(
        name="ltv",
        sample="new_customers",
        label=N_("LTV"),
        unit="currency",
        good="up",
        formula=N_(
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
        notes=(
            N_(
                "Cohorts younger than the horizon are shown with their maturity and projected "
                "to the horizon (see Projections)."
            ),
        ),
    ),
    Metric(
        name="ltv_cac",
        sample="new_customers",
        label=N_("LTV/CAC"),
        unit="ratio",
        good="up",
        formula=N_(
            "LTV / CAC for the same filters and period, which is GROSS_MARGIN x the LTV revenue "
            "(as for ltv) / spend."
        ),
        numerator="ltv_revenue",
        denominator="spend",
        aliases=("ltv/cac", "ltvcac", "ltv_to_cac"),
        margin=True,
        display="multiple",
        notes=(N_("Projected to the horizon like ltv when its cohorts are younger than it."),),
    ),
    Metric(
        name="roi",
        sample="signups",
        label=N_("ROI"),
        unit="ratio",
        good="up",
        formula=N_(
            "Revenue : spend (what many call ROAS): the revenue from orders placed 0 to "
            "ROI_WINDOW_DAYS days after sign-up by the users who signed up in the period / "
            "spend in the period, shown as 1:x (1:2.5 is 2.5 of revenue for each 1 spent). "
            "Maturity is the share of those users whose sign-up day + ROI_WINDOW_DAYS is "
            "yesterday or earlier."
        ),
        numerator="roi_revenue",
        denominator="spend",
        aliases=("roas", "return"),
        display="roi",
        slash_command="/roi",
        notes=(N_("Sign-ups younger than the window are projected to it (see Projections)."),),
    ),
    Metric(
        name="retention",
        sample="eligible",
        label=N_("Retention"),
        unit="percent",
        good="up",
        formula=N_(
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
        label=N_("Lead conversion"),
        unit="percent",
        good="up",
        formula=N_(
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
        label=N_("Cost per converted lead"),
        unit="currency",
        good="down",
        formula=N_(
            "Spend / converted leads (leads created in the period that converted, as in "
            "lead_conversion). Not cost_per_lead (`cpl`), which divides by every lead."
        ),
        numerator="spend",
        denominator="converted_leads",
        rate_words=(N_("dearer"), N_("cheaper")),
    ),
    Metric(
        name="cost_per_lead",
        sample="leads",
        label=N_("Cost per lead"),
        unit="currency",
        good="down",
        formula=N_("Spend / leads created in the period, same filters."),
        numerator="spend",
        denominator="leads",
        aliases=("cpl",),
        rate_words=(N_("dearer"), N_("cheaper")),
    ),
    Metric(
        name="repeat_rate",
        sample="ordering_customers",
        label=N_("Repeat rate"),
        unit="percent",
        good="up",
        formula=N_(
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
        label=N_("First-order cost"),
        unit="currency",
        good="down",
        formula=N_("Spend / first orders placed in the period (one per new customer)."),
        numerator="spend",
        denominator="new_customers",
        aliases=("cost_per_first_order", "foc"),
        rate_words=(N_("dearer"), N_("cheaper")),
    ),
    Metric(
        name="lead_response_hours",
        sample="contacted_leads",
        label=N_("Lead response time"),
        unit="hours",
        good="down",
        formula=N_(
            "The median, over the leads created in the period that operations has contacted, "
            "of the hours from the lead to its first contact (leads.first_contact_at, in whole "
            "minutes). A median of all those leads at once: not added up over days, channels "
            "or campaigns, so it has no drivers."
        ),
        numerator="response_hours",
        aliases=("response_time", "lead_response", "speed_to_lead"),
        notes=(
            N_(
                "Leads not contacted yet are left out until they are; a comparison at the same "
                "age leaves out contacts made after its day."
            ),
        ),
    ),
)


# The slash command that names no metric itself: `/metric NAME ...` (and `/metric list`).
GENERIC_COMMAND = "/metric"


def _check(metric: Metric, existing: Sequence[Metric]) -> None:
    """ValueError unless the metric reads declared measures and its words are its own."""
    try:
        metric.measures()
    except KeyError as missing:
        raise ValueError(f"metric {metric.name}: {missing.args[0]}") from None
    taken = {word for other in existing for word in (other.name, *other.aliases)}
    clashes = sorted(taken & {metric.name, *metric.aliases})
    if clashes:
        raise ValueError(f"metric {metric.name}: {', '.join(clashes)} already name a metric")
    commands = {other.slash_command for other in existing} | {GENERIC_COMMAND}
    if metric.slash_command is not None and metric.slash_command in commands:
        raise ValueError(f"metric {metric.name}: {metric.slash_command} is already a command")


class MetricList(Sequence[Metric]):
    """The metrics the bot answers: the built-in ones, then any registered since."""

    def __init__(self, metrics: Sequence[Metric]) -> None:
        for index, metric in enumerate(metrics):
            _check(metric, metrics[:index])
        self._metrics = tuple(metrics)
        self._lock = threading.Lock()

    def register(self, metric: Metric) -> Callable[[], None]:
        """Add a metric; returns the function that removes it again."""
        with self._lock:
            _check(metric, self._metrics)
            self._metrics = (*self._metrics, metric)

        def remove() -> None:
            with self._lock:
                self._metrics = tuple(m for m in self._metrics if m is not metric)

        return remove

    @overload
    def __getitem__(self, index: int) -> Metric: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Metric, ...]: ...

    def __getitem__(self, index: int | slice) -> Metric | tuple[Metric, ...]:
        return self._metrics[index]

    def __len__(self) -> int:
        return len(self._metrics)

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._metrics)

    def __repr__(self) -> str:
        return f"MetricList({[metric.name for metric in self._metrics]})"


# A mistake in the declarations above fails at import, not in the middle of an answer.
METRICS = MetricList(_BUILT_IN)

# Retention is also asked for as retention_d7, d1_retention, ...; the parser handles those.
DEFAULT_RETENTION_DAYS = (1, 7, 30)
MAX_RETENTION_DAY = 90


def register(metric: Metric) -> Callable[[], None]:
    """Add a metric built from declared measures: every lookup, command, list and the docs
    see it. Returns the function that removes it again."""
    return METRICS.register(metric)


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
