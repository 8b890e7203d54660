"""Charts drawn with matplotlib from their own ground truth, so the picture and the truth agree.

`figure_for(truth)` draws a chart from its truth dict; the test reads the plotted values back
from the figure's artists and compares them with the truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .artifacts import Artifact, figure_png_bytes, generated_source, mpl_style, write_bytes

CHARTS: dict[str, dict[str, Any]] = {
    "charts/quarterly_revenue.png": {
        "chart_type": "bar",
        "title": "Quarterly revenue 2025",
        "x_label": "Quarter",
        "y_label": "Revenue ($K)",
        "unit": "$K",
        "labels": ["Q1", "Q2", "Q3", "Q4"],
        "series": {"Revenue": [420, 510, 480, 620]},
        "values": [420, 510, 480, 620],
        "trend": "Revenue grew from $420K in Q1 to $620K in Q4, with a dip in Q3 ($480K) "
        "before Q4, the best quarter.",
        "category": "chart",
    },
    "charts/monthly_active_users.png": {
        "chart_type": "line",
        "title": "Monthly active users 2025",
        "x_label": "Month",
        "y_label": "Active users (thousands)",
        "unit": "thousand users",
        "labels": ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        "series": {
            "Mobile app": [12.4, 13.1, 13.8, 14.0, 15.2, 16.9, 18.3, 18.1, 19.6, 21.0, 22.4, 24.8],
            "Website": [9.8, 9.9, 10.1, 9.7, 9.6, 9.9, 10.2, 10.0, 9.8, 10.1, 10.3, 10.2],
        },
        "values": [12.4, 13.1, 13.8, 14.0, 15.2, 16.9, 18.3, 18.1, 19.6, 21.0, 22.4, 24.8],
        "trend": "Mobile app users doubled from 12.4K in January to 24.8K in December, while "
        "website users stayed flat at about 10K.",
        "category": "chart",
    },
    "charts/budget_split.png": {
        "chart_type": "pie",
        "title": "Engineering budget 2025 by category",
        "x_label": "",
        "y_label": "",
        "unit": "%",
        "labels": ["Salaries", "Cloud", "Training", "Tools", "Travel"],
        "series": {"Share": [58, 17, 10, 9, 6]},
        "values": [58, 17, 10, 9, 6],
        "trend": "Salaries take the majority of the budget (58%), cloud is a distant second "
        "(17%), and travel is the smallest share (6%).",
        "category": "chart",
    },
    "charts/regional_sales.png": {
        "chart_type": "stacked_bar",
        "title": "Sales by region and product line, 2025",
        "x_label": "Region",
        "y_label": "Sales ($K)",
        "unit": "$K",
        "labels": ["North", "South", "East", "West"],
        "series": {
            "Hardware": [320, 210, 280, 190],
            "Software": [150, 240, 170, 260],
            "Services": [90, 60, 110, 150],
        },
        # For a stacked bar the main series is the stack total per region.
        "values": [560, 510, 560, 600],
        "trend": "West has the highest total sales ($600K) thanks to software and services, "
        "while hardware is strongest in the North ($320K).",
        "category": "chart",
    },
}

_COLORS = ["#1f5f99", "#e07b39", "#3a9a5b", "#c44e52", "#8172b2"]


def figure_for(truth: dict[str, Any]) -> Any:
    """Draw the chart described by `truth` and return the matplotlib Figure (not saved)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    kind = truth["chart_type"]
    labels = truth["labels"]
    series = truth["series"]
    if kind == "bar":
        (name, values), = series.items()
        bars = ax.bar(labels, values, color=_COLORS[0], label=name)
        ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3)
    elif kind == "line":
        for color, (name, values) in zip(_COLORS, series.items(), strict=False):
            ax.plot(labels, values, marker="o", color=color, label=name)
        ax.legend(loc="upper left")
        ax.set_ylim(bottom=0)
    elif kind == "pie":
        (name, values), = series.items()
        ax.pie(values, labels=labels, autopct="%1.0f%%", startangle=90, counterclock=False,
               colors=_COLORS[: len(values)])
        ax.set_aspect("equal")
    elif kind == "stacked_bar":
        bottoms = [0] * len(labels)
        for color, (name, values) in zip(_COLORS, series.items(), strict=False):
            ax.bar(labels, values, bottom=bottoms, color=color, label=name)
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        ax.legend(loc="upper left")
        ax.set_ylim(0, max(bottoms) * 1.25)
    else:
        raise ValueError(f"unknown chart_type {kind!r}: use bar, line, pie or stacked_bar")
    ax.set_title(truth["title"], fontsize=14, fontweight="bold")
    ax.set_xlabel(truth["x_label"])
    ax.set_ylabel(truth["y_label"])
    fig.tight_layout()
    return fig


def build(out_dir: Path) -> list[Artifact]:
    """Draw every chart to PNG and return its manifest artifacts."""
    artifacts = []
    with mpl_style():
        for rel, truth in CHARTS.items():
            write_bytes(out_dir, rel, figure_png_bytes(figure_for(truth)))
            artifacts.append(
                Artifact(rel, "chart", "image/png", truth, source=generated_source("charts"))
            )
    return artifacts
