"""docs/metrics.md, generated from the registry: `python -m bot.metrics.docs` writes it.

A test regenerates it in memory and fails when the file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.metrics.parser import VALID_KEYS
from bot.metrics.periods import PERIOD_MEANINGS
from bot.metrics.projection import MIN_MATURE_MEMBERS
from bot.metrics.registry import MAX_RETENTION_DAY, METRICS, get_measure

METRICS_MD = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"

UNIT_WORDS = {
    "currency": "money in `CURRENCY`",
    "percent": "percent (JSON: a fraction, 0.342 = 34.2%)",
    "ratio": "ratio",
    "count": "count",
    "hours": "hours (a duration)",
}

CONVENTIONS = f"""\
## Conventions

- **Days** are calendar days in the workspace time zone (`TIMEZONE`). Fact timestamps are
  wall-clock times in that zone, so a timestamp's day is its date. "Yesterday" is the last
  complete day; periods never reach past it.
- **Windows** "0 to W days after X" are inclusive calendar days: 0 <= (day - X's day) <= W.
- **Attribution**: a user's channel and campaign are those of their sign-up (first touch);
  orders count toward the ordering user's channel and campaign; leads use their own channel
  and campaign; spend its own (campaign "" is spend outside a campaign). `kind=` is the
  channel's kind (paid or organic). Users and spend without a campaign show as "none" in
  breakdowns, and `campaign=none` selects them.
- **Filters**: a channel list (any of them), a campaign list (any of them) and a kind; all
  combine with AND.
- **Ratios** are the sum of the numerator over the sum of the denominator for the whole
  period, grain bucket or breakdown row, never an average of daily ratios, so a breakdown's
  rows and its total agree.
- **No data**: an empty denominator gives no value (JSON `null`) and a note saying why ("no
  spend for tiktok in this period"); never NaN, infinity or a division by zero. An empty
  numerator over a non-empty denominator is a real 0. A period outside the loaded data says
  "no data loaded for this period", never 0.
- **Comparison**: `vs=prev` (default) is the period of the same length ending the day before;
  `vs=yoy` the same dates a year earlier; `vs=none` none. It is read as of its own point in
  time (see Comparisons at the same age). Change = (value - previous) / |previous|; for a
  percent metric the change is told in percentage points instead ("▼ 1.3 pp"; JSON
  `change_points`, while `change` stays relative).
- **Numbers**: a count with nothing to count is 0, never "no data"; all the amounts of money
  in one answer share one precision (whole units when any is 10,000 or more or all are
  whole, else cents); ROI is revenue : spend, shown as 1:x.
- **Series** (`grain=`): day; week = ISO week starting Monday; month = calendar month; each
  bucket is labelled by its first day and clipped to the period.
- **Sample size** is the count in the denominator (customers, sign-ups, leads); for spend
  the number of days, for revenue the number of orders, for new customers themselves.
- **Rollups**: answers read tables rolled up per day, channel and campaign, each measure on
  its anchor day (first-order day for new customers and LTV revenue, sign-up day for
  sign-ups, ROI revenue and retention, lead day for leads). Repeat rate needs distinct
  customers, which do not add up over days: it counts from one row per customer and day
  that carries the customer's two previous order days, so one indexed count answers any
  period. Retention is kept for day 0 to {MAX_RETENTION_DAY} after sign-up.
- **Freshness**: imports mark the days they touched; the refresh after each import (and
  hourly) replaces only the rollup rows of those days and re-sums the cohort measures of
  the windows before them (`warroom rollups --full` rebuilds everything). A question asked
  while rollups are stale refreshes them first, so answers never lag an import. Changing
  LTV_HORIZON_DAYS, ROI_WINDOW_DAYS or LEAD_WINDOW_DAYS rebuilds on the next refresh;
  GROSS_MARGIN applies at answer time.
"""


HONEST = f"""\
## Comparisons at the same age

A cohort measure grows for a window of days after each cohort's day: LTV revenue for
LTV_HORIZON_DAYS after the first order, ROI revenue for ROI_WINDOW_DAYS after sign-up,
conversions for LEAD_WINDOW_DAYS after the lead, retention until day N. The customers of the
last 30 days have had 0 to 29 days to buy; those of the 30 days before, 30 to 59. Compared as
they stand, the recent ones always look worse, although nothing changed.

So the previous period is measured as of its own point in time. With the asked period
[a, b] and data through T (the last day of data, yesterday at the latest), the previous
period [a - L, b - L] counts only the facts dated up to T - L, L being the period's length
(a year for `vs=yoy`): orders, first orders, activity, spend, sign-ups and leads after T - L
are left out, and so are sign-up days whose day N came after it. Each previous cohort day
then has exactly the age its counterpart has now; cohorts that had their whole window by
T - L count whole, as before. The answer says "compared at the same age" when the rule left
something out (JSON `same_age`).

Worked example: asked on 1 December, `/ltv` compares 1-30 November (T = 30 November) with
2-31 October read as of 31 October. A customer who first ordered 100 on 25 November and 50 on
28 November has 150 so far, five days in. Their counterpart who first ordered 100 on
26 October, 50 on 29 October and 200 on 2 November counts 150 as well: the 200 came after
31 October. Without the rule the comparison would read 150 against 350, a 57% fall.

## Projections

Young cohorts of LTV and ROI (and LTV/CAC) are carried to their full window by the
chain-ladder method. For a cohort `a` days old, the development factor to the window W is,
per channel, the sum over that channel's cohorts that have reached W of their value at W,
divided by the sum of the same cohorts' value at age `a` (volume-weighted). The projection
is the value so far times that factor, cohort day by cohort day. A channel with fewer than
{MIN_MATURE_MEMBERS} members (customers, sign-ups) in its cohorts that reached W uses all
channels' curve; with no cohort that reached W at all there is no projection, and the answer
says so. The answer shows the value so far with its maturity and the projection ("¥141 so
far, 8% mature · projected ¥302 at 180 days"); JSON has `projected_value` (the value itself
once every cohort is complete), `window_days` and `so_far`. The playbook judges LTV/CAC and
ROI on projections (or complete values), never on values so far.

Worked example (LTV_HORIZON_DAYS = 10, data through 30 March): tiktok's cohort of 5 March
(20 customers, each 10 on day 0, 10 on day 2, 20 on day 8) and of 10 March (10 customers,
each 20 on day 0, 20 on day 5) have reached the horizon: 1,200 at day 10, 600 at day 3, a
factor of 2 from day 3. The cohort of 27 March (5 customers, 36 each so far, 3 days in) is
projected to 5 x 36 x 2 = 360: its LTV reads "36 so far · projected 72 at 10 days".

## Drivers

Every answer with a previous value says why it moved, by channel, by campaign and (without a
channel filter) by kind. A sum (spend, revenue, new customers) moves by each row's own
change. A ratio R = N/D (CAC, LTV, ROI, LTV/CAC, retention, conversion, the costs per lead or
order) is the weighted mean of its rows' rates, R = sum of w_i r_i with w_i = D_i/D and
r_i = N_i/D_i, and its change splits exactly (Kitagawa 1955) into a mix effect
dw_i (r_i' - R') and a rate effect w_i' dr_i, a prime meaning the average of the two periods
and R' = sum of w_i' r_i'. A row absent in one period has weight 0 there and takes its rate
from the other. For each split the effects add up to value - previous value. JSON `drivers`
lists them ({{by, key, label, effect, mix, rate}}; mix and rate null for sums); Slack and the
console show the three largest in one line.

Worked example: CAC was 140 (cheap channel: 8 customers for 800, rate 100; dear: 2 for 600,
rate 300) and is 220 (cheap: 4 for 400; dear: 6 for 1,800). No channel got dearer; the dear
one's share went from 20% to 60%. Average weights 0.6 and 0.4, R' = 0.6 x 100 + 0.4 x 300 =
180; mix effects: dear 0.4 x (300 - 180) = +48, cheap -0.4 x (100 - 180) = +32; rate effects
0. The answer reads "Why: dear +¥48.00 (more of the mix), cheap +¥32.00 (less of the mix)".
"""


def render() -> str:
    """The Markdown text of docs/metrics.md."""
    lines = [
        "# Metrics",
        "",
        "<!-- Generated from bot/metrics/registry.py by `python -m bot.metrics.docs`; "
        "do not edit by hand. -->",
        "",
        "Every metric the bot answers, defined once in `bot/metrics/registry.py`. Ask with",
        "`/metric NAME key=value ...` (or `/ltv`, `/cac`, `/roi`, `/retention`); "
        "`/metric list` prints this list.",
        "",
        "| metric | unit | better | also called |",
        "|---|---|---|---|",
    ]
    for metric in METRICS:
        also = ", ".join(f"`{alias}`" for alias in metric.aliases) or "-"
        better = "higher" if metric.good == "up" else "lower"
        lines.append(f"| `{metric.name}` | {metric.unit} | {better} | {also} |")
    lines.append("")
    for metric in METRICS:
        lines += [f"## {metric.name}: {metric.label}", "", metric.formula, ""]
        lines.append(f"- Unit: {UNIT_WORDS[metric.unit]}" + _display(metric.display))
        lines.append(f"- Better: {'higher' if metric.good == 'up' else 'lower'}")
        if metric.aliases:
            lines.append("- Also called: " + ", ".join(f"`{a}`" for a in metric.aliases))
        if metric.slash_command:
            lines.append(f"- Command: `{metric.slash_command}`")
        if metric.takes_day_n:
            lines.append(
                f"- Day N: `d=N` (1 to {MAX_RETENTION_DAY}), or names such as "
                "`retention_d7`, `d7_retention`, `d30`"
            )
        lines.append(f"- Sample size: {_sample_words(metric.sample)}")
        for note in metric.notes:
            lines.append(f"- {note}")
        lines.append("")
    lines.append(CONVENTIONS)
    lines.append(HONEST)
    lines += [
        "## Asking",
        "",
        "Keys (case-insensitive): " + ", ".join(f"`{key}=`" for key in VALID_KEYS) + ".",
        "",
        "- `channel=tiktok,douyin`: channel keys, names or any part of a name "
        "(a channel named `抖音 / Douyin` answers to both).",
        "- `campaign=ID or name`, `campaign=none`; `kind=paid|organic`.",
        "- `by=channel|campaign|kind`, `grain=day|week|month`, `vs=prev|yoy|none`.",
        "- Period (one way only; default the last 30 complete days): `since=30d`, `since=12w`, "
        "`since=6m` (calendar months), `since=2026-09-01`; `period=2026-10`, `period=2026-W44`, "
        "`period=2026-Q3`, `period=2026`, `period=2026-10-05`; `from=2026-09-01 to=2026-09-30` "
        "(inclusive; `to=` alone means the 30 days ending then); or a word (below). A period "
        "still running is counted up to yesterday, with a note.",
        "",
        *_period_words(),
    ]
    return "\n".join(lines)


def _period_words() -> list[str]:
    """The period words and the days each means, and the phrases they may be written as."""
    return [
        "| period word | the days it means |",
        "|---|---|",
        *[f"| `{word}` | {meaning} |" for word, meaning in PERIOD_MEANINGS.items()],
        "",
        "A word may be written as two or three (`last month`, `this week`, `month to date`); "
        "`last 7 days`, `past 12 weeks` and `last 6 months` mean `since=7d`, `since=12w` and "
        "`since=6m`. A question in plain words is answered as the command it is understood as, "
        "said first: `抖音上周的获客成本` as `/cac channel=douyin last-week`, `10月` as "
        "`period=2026-10` (the latest October that has begun), `三季度` or `Q3` as "
        "`period=2026-Q3`, `近7天` as `since=7d`, `since Sep 1` as `since=2026-09-01`.",
        "",
    ]


def _sample_words(sample: str | None) -> str:
    return get_measure(sample).described if sample else "days in the period"


def _display(display: str) -> str:
    if display == "roi":
        return ', shown as "1:5.7"'
    if display == "multiple":
        return ', shown as "3.4x"'
    return ""


def main() -> None:
    """Write docs/metrics.md (or check it with --check)."""
    text = render()
    if "--check" in sys.argv[1:]:
        current = METRICS_MD.read_text(encoding="utf-8") if METRICS_MD.exists() else ""
        if current != text:
            print("docs/metrics.md is stale; run python -m bot.metrics.docs", file=sys.stderr)
            sys.exit(1)
        return
    METRICS_MD.parent.mkdir(parents=True, exist_ok=True)
    METRICS_MD.write_text(text, encoding="utf-8")
    print(f"wrote {METRICS_MD.name}")


if __name__ == "__main__":
    main()
