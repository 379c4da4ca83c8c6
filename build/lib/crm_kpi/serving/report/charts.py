"""Charts as inline SVG (matplotlib, no pyplot state, text as paths: no fonts or network needed)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before any figure: no display on servers

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from crm_kpi.serving.report.labels import Labels  # noqa: E402

COLOURS = ["#2563eb", "#16a34a", "#f59e0b", "#9333ea", "#dc2626"]
NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
RC = {"svg.fonttype": "path", "svg.hashsalt": "crm-kpi", "font.size": 9}


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=NO_METADATA)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: no XML prolog or DOCTYPE


def _figure(width: float = 9.0, height: float = 3.2) -> tuple[Figure, object]:
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(width, height), layout="constrained")
        axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    return figure, axes


def revenue_by_month(
    frame: pd.DataFrame, labels: Labels, partial_month: object | None = None
) -> str:
    """Bars of revenue per month; the month cut by the data horizon is hatched and starred."""
    figure, axes = _figure()
    partial = [m == partial_month for m in frame["month_start"]]
    months = [labels.month(m) + (" *" if p else "") for m, p in zip(frame["month_start"], partial,
                                                                     strict=True)]  # fmt: skip
    bars = axes.bar(months, frame["revenue"].astype(float), color=COLOURS[0])
    for bar, is_partial in zip(bars, partial, strict=True):
        if is_partial:
            bar.set_alpha(0.45)
            bar.set_hatch("//")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: labels.number(v)))
    title = labels("revenue_by_month") + (f" (* {labels('partial_period')})" if any(partial)
                                          else "")  # fmt: skip
    axes.set_title(title, loc="left")
    axes.tick_params(axis="x", labelrotation=30)
    return _svg(figure)


def activity_by_week(frame: pd.DataFrame, labels: Labels) -> str:
    """Lines of weekly activity counts; a week cut by the data horizon is a dashed, hollow
    last point (it is not a collapse, only fewer days)."""
    figure, axes = _figure()
    partial = frame["is_partial"].fillna(False).astype(bool) if "is_partial" in frame else None
    measures = [c for c in frame.columns if c not in ("week_start", "is_partial")]
    full = frame if partial is None else frame[~partial]
    for colour, measure in zip(COLOURS, measures, strict=False):
        axes.plot(full["week_start"], full[measure].astype(float), marker="o", markersize=3,
                  color=colour, label=labels(measure))  # fmt: skip
        if partial is not None and partial.any():
            tail = frame.loc[partial | partial.shift(-1, fill_value=False)]
            axes.plot(tail["week_start"], tail[measure].astype(float), linestyle="--",
                      marker="o", markersize=4, markerfacecolor="white", color=colour)  # fmt: skip
    figure.legend(frameon=False, ncols=len(measures), loc="outside lower center")
    title = labels("activity_by_week")
    if partial is not None and partial.any():
        title += f" ({labels('partial_week_dashed')})"
    axes.set_title(title, loc="left")
    figure.autofmt_xdate()
    return _svg(figure)


def funnel(frame: pd.DataFrame, labels: Labels) -> str:
    """Horizontal bars of deals reaching each stage, with the conversion to the next one."""
    figure, axes = _figure(height=0.45 * len(frame) + 0.8)
    stages = list(frame["stage_name"].astype(str))[::-1]
    reached = list(frame["deals_reached"].astype(float))[::-1]
    conversions = list(frame["conversion_to_next"])[::-1]
    bars = axes.barh(stages, reached, color=COLOURS[0])
    for bar, value, conversion in zip(bars, reached, conversions, strict=True):
        text = labels.number(value)
        if conversion is not None and not pd.isna(conversion):
            text += f"  → {labels.percent(conversion)}"
        axes.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                      xytext=(4, 0), textcoords="offset points", va="center")  # fmt: skip
    axes.grid(False)
    axes.set_xticks([])
    axes.spines["bottom"].set_visible(False)
    axes.set_title(labels("funnel"), loc="left")
    axes.set_xlim(0, max(reached or [1]) * 1.35)
    return _svg(figure)


def plan_vs_fact(frame: pd.DataFrame, labels: Labels) -> str:
    """Target and actual per manager for the first metric (revenue when planned)."""
    metrics = list(dict.fromkeys(frame["metric"]))
    metric = "revenue" if "revenue" in metrics else metrics[0]
    rows = frame[frame["metric"] == metric].iloc[::-1]
    figure, axes = _figure(height=0.4 * len(rows) + 1.0)
    positions = range(len(rows))
    axes.barh([p + 0.2 for p in positions], rows["target"].astype(float), height=0.4,
              color="#cbd5e1", label=labels("target"))  # fmt: skip
    axes.barh([p - 0.2 for p in positions], rows["actual"].astype(float), height=0.4,
              color=COLOURS[1], label=labels("actual"))  # fmt: skip
    axes.set_yticks(list(positions), list(rows["manager_name"].astype(str)))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: labels.number(v)))
    axes.legend(frameon=False, loc="lower right")
    axes.grid(axis="x", alpha=0.3)
    axes.grid(axis="y", visible=False)
    axes.set_title(f"{labels('plan_vs_fact')}: {labels(metric)}", loc="left")
    return _svg(figure)
