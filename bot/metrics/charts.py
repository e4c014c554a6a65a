"""PNG trend charts that read well as a Slack thumbnail (matplotlib, Agg, no pyplot).

Figures are built with the object API rather than pyplot, so charts can be drawn from several
listener threads at once without sharing pyplot's global state.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from bot.core.settings import Settings  # noqa: E402
from bot.metrics.format import metric_title  # noqa: E402
from bot.metrics.result import Result  # noqa: E402

# 800 x 450 pixels: Slack's preview shows it whole; fonts large enough to read shrunk.
FIGSIZE = (8.0, 4.5)
DPI = 100
LINE = "#1d3557"
PREVIOUS = "#8d99ae"

Series = Sequence[tuple[date, float | None]]


def _axis_formatter(unit: str, display: str = "plain") -> FuncFormatter:
    def money(value: float, _pos: object) -> str:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"{value / size:.3g}{suffix}"
        return f"{value:.4g}"

    if unit == "currency":
        return FuncFormatter(money)
    if unit == "percent":
        return FuncFormatter(lambda v, _p: f"{v * 100:.3g}%")
    if display == "roi":
        return FuncFormatter(lambda v, _p: f"1:{v:.3g}")
    if display == "multiple":
        return FuncFormatter(lambda v, _p: f"{v:.3g}×")
    return FuncFormatter(money)


def _axis_label(label: str, unit: str, currency: str, display: str = "plain") -> str:
    if unit == "currency":
        return f"{label} ({currency})"
    if unit == "percent":
        return f"{label} (%)"
    if unit == "hours":
        return f"{label} (h)"
    if display == "roi":
        return f"{label} (1:x, revenue per 1 spent)"
    return label


def line_chart_png(
    title: str,
    series: Series,
    *,
    previous: Series | None = None,
    unit: str = "count",
    label: str = "Value",
    currency: str = "CNY",
    display: str = "plain",
    subtitle: str | None = None,
) -> bytes:
    """A line chart of `series` (dates on x), `previous` dashed on the same dates; PNG bytes.

    Points whose value is None are gaps in the line, not zeros.
    """
    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    days = [d for d, _ in series]
    values = [float("nan") if v is None else float(v) for _, v in series]
    marker = "o" if len(series) <= 31 else None
    axes.plot(
        days, values, color=LINE, linewidth=2.2, marker=marker, markersize=4, label="This period"
    )
    if previous:
        prev_values = [float("nan") if v is None else float(v) for _, v in previous]
        count = min(len(previous), len(days))
        axes.plot(
            days[:count],
            prev_values[:count],
            color=PREVIOUS,
            linewidth=1.6,
            linestyle="--",
            label="Previous period",
        )
        axes.legend(loc="best", frameon=False, fontsize=10)
    locator = AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6))
    axes.yaxis.set_major_formatter(_axis_formatter(unit, display))
    axes.set_ylabel(_axis_label(label, unit, currency, display), fontsize=11)
    axes.set_xlabel("Date", fontsize=11)
    axes.tick_params(labelsize=10)
    axes.grid(True, axis="y", alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    finite = [v for v in values if v == v]
    if finite and min(finite) >= 0:
        axes.set_ylim(bottom=0)
    figure.suptitle(title, fontsize=14, fontweight="bold")
    if subtitle:
        axes.set_title(subtitle, fontsize=10, color="#555555")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def metric_chart_png(result: Result, settings: Settings, title: str | None = None) -> bytes:
    """The metric's series (and the previous period's, dashed) as a PNG."""
    metric = result.query.metric
    series = [(p.date, p.value) for p in result.series]
    previous = [(p.date, p.value) for p in result.previous_series] or None
    period = result.query.period
    subtitle = f"{period.start:%d %b %Y} – {period.end:%d %b %Y}"
    if previous:
        subtitle += ", previous period dashed"
    if result.data_through and result.data_through < period.end:
        subtitle += f"; data through {result.data_through:%d %b}"
    return line_chart_png(
        title or metric_title(result.query),
        series,
        previous=previous,
        unit=metric.unit,
        label=metric.label,
        currency=settings.currency,
        display=metric.display,
        subtitle=subtitle,
    )


def panels_chart_png(
    title: str,
    panels: dict[str, dict[str, Series]],
    *,
    subtitle: str | None = None,
) -> bytes:
    """Side-by-side money panels (e.g. revenue, spend), one line per series in each (e.g.
    per channel), sharing one legend; PNG bytes. None values are gaps, not zeros."""
    figure = Figure(figsize=(10.0, 4.8), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes_list = figure.subplots(1, max(len(panels), 1), squeeze=False)[0]
    handles: dict[str, object] = {}
    for axes, (panel, lines) in zip(axes_list, panels.items(), strict=False):
        for name, series in lines.items():
            days = [d for d, _ in series]
            values = [float("nan") if v is None else float(v) for _, v in series]
            (line,) = axes.plot(days, values, linewidth=1.8, marker="o", markersize=3, label=name)
            handles.setdefault(name, line)
        locator = AutoDateLocator(minticks=3, maxticks=6)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=6))
        axes.yaxis.set_major_formatter(_axis_formatter("currency"))
        axes.set_title(panel, fontsize=12)
        axes.set_ylim(bottom=0)
        axes.grid(True, axis="y", alpha=0.3)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    if handles:
        figure.legend(
            list(handles.values()),
            list(handles),
            loc="outside lower center",
            ncols=6,
            frameon=False,
        )
    figure.suptitle(title, fontsize=14, fontweight="bold")
    if subtitle:
        figure.text(0.5, 0.9, subtitle, ha="center", fontsize=10, color="#555555")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
