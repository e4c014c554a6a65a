"""docs/metrics.md, generated from the registry: `python -m bot.metrics.docs` writes it.

A test regenerates it in memory and fails when the file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.metrics.parser import VALID_KEYS
from bot.metrics.periods import PERIOD_WORDS
from bot.metrics.registry import MAX_RETENTION_DAY, METRICS, get_measure

METRICS_MD = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"

UNIT_WORDS = {
    "currency": "money in `CURRENCY`",
    "percent": "percent (JSON: a fraction, 0.342 = 34.2%)",
    "ratio": "ratio",
    "count": "count",
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
  `vs=yoy` the same dates a year earlier; `vs=none` none. Change = (value - previous) /
  |previous|.
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
        "(inclusive; `to=` alone means the 30 days ending then); or a word: "
        + ", ".join(f"`{word}`" for word in PERIOD_WORDS)
        + ". A period still running is counted up to yesterday, with a note.",
        "",
    ]
    return "\n".join(lines)


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
