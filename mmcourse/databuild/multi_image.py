"""Image sets for multi-image prompts: two dashboard versions and three logo iterations.

Each set is drawn from one table of versions, and the differences listed in the ground truth
are computed from that table, so the listed changes are exactly the drawn ones.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from .artifacts import (
    Artifact,
    figure_png_bytes,
    font,
    generated_source,
    mpl_style,
    png_bytes,
    write_bytes,
)

# ---------------------------------------------------------------- dashboards

DASHBOARDS: list[dict[str, Any]] = [
    {
        "path": "dashboards/dashboard_v1.png",
        "version": 1,
        "title": "Sales dashboard - week 14",
        "tiles": [
            ("Revenue", "$1.24M", "up"),
            ("Active users", "18.3K", "up"),
            ("Conversion", "3.1%", "up"),
            ("NPS", "42", "flat"),
        ],
        "chart_title": "Weekly sign-ups",
        "weeks": ["W7", "W8", "W9", "W10", "W11", "W12", "W13", "W14"],
        "signups": [410, 435, 460, 452, 480, 515, 530, 560],
        "line_color": "#1f5f99",
    },
    {
        "path": "dashboards/dashboard_v2.png",
        "version": 2,
        "title": "Sales dashboard - week 15",
        "tiles": [
            ("Revenue", "$1.31M", "up"),
            ("Active users", "18.3K", "up"),
            ("Conversion", "2.7%", "down"),
            ("Churn", "1.8%", "flat"),
        ],
        "chart_title": "Weekly sign-ups",
        "weeks": ["W8", "W9", "W10", "W11", "W12", "W13", "W14", "W15"],
        "signups": [435, 460, 452, 480, 515, 530, 560, 498],
        "line_color": "#e07b39",
    },
]

_TREND_STYLE = {"up": ("#2e8b57", "\u25b2 up"), "down": ("#c0392b", "\u25bc down"), "flat": ("#7f8c8d", "\u25a0 flat")}


def dashboard_figure(spec: dict[str, Any]) -> Any:
    """Draw a dashboard: title, four KPI tiles and a line chart."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    fig = Figure(figsize=(10, 6))
    fig.text(0.04, 0.94, spec["title"], fontsize=20, fontweight="bold", va="center")
    for i, (name, value, trend) in enumerate(spec["tiles"]):
        x = 0.04 + i * 0.235
        color, word = _TREND_STYLE[trend]
        fig.patches.append(FancyBboxPatch((x, 0.62), 0.215, 0.24, boxstyle="round,pad=0.005",
                                          transform=fig.transFigure, facecolor="#f3f5f8",
                                          edgecolor=color, linewidth=2.5))
        fig.text(x + 0.015, 0.81, name, fontsize=13, color="#333333")
        fig.text(x + 0.015, 0.71, value, fontsize=26, fontweight="bold", color="#111111")
        fig.text(x + 0.015, 0.645, word, fontsize=11, color=color)
    ax = fig.add_axes((0.07, 0.08, 0.88, 0.44))
    ax.plot(spec["weeks"], spec["signups"], marker="o", color=spec["line_color"], linewidth=2.5)
    ax.set_title(spec["chart_title"], loc="left", fontsize=13)
    ax.set_ylim(350, 600)
    ax.grid(axis="y", alpha=0.3)
    return fig


def dashboard_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable list of what changed from `old` to `new`."""
    changes = []
    if old["title"] != new["title"]:
        changes.append(f"Title changed from '{old['title']}' to '{new['title']}'")
    for (o_name, o_value, o_trend), (n_name, n_value, n_trend) in zip(old["tiles"], new["tiles"], strict=True):
        if o_name != n_name:
            changes.append(f"The '{o_name}' tile ({o_value}) was replaced by a '{n_name}' tile ({n_value})")
            continue
        if o_value != n_value:
            changes.append(f"{n_name} changed from {o_value} to {n_value}")
        if o_trend != n_trend:
            changes.append(f"{n_name} trend changed from {o_trend} to {n_trend} "
                           f"(tile border now {'red' if n_trend == 'down' else 'green'})")
    if old["weeks"] != new["weeks"]:
        changes.append(f"The sign-ups chart now covers {new['weeks'][0]}-{new['weeks'][-1]} "
                       f"instead of {old['weeks'][0]}-{old['weeks'][-1]}")
    if new["signups"][-1] < new["signups"][-2]:
        changes.append(f"Sign-ups fell in the latest week ({new['weeks'][-2]}: {new['signups'][-2]}, "
                       f"{new['weeks'][-1]}: {new['signups'][-1]})")
    if old["line_color"] != new["line_color"]:
        changes.append("The chart line colour changed from blue to orange")
    return changes


def _dashboard_truth(spec: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    metrics = {name: value for name, value, _ in spec["tiles"]}
    metrics["Weekly sign-ups"] = dict(zip(spec["weeks"], spec["signups"], strict=True))
    older, newer = sorted((spec, other), key=lambda s: s["version"])
    return {
        "version": spec["version"],
        "title": spec["title"],
        "metrics": metrics,
        "differences_from": {other["path"]: dashboard_differences(older, newer)},
    }


# ---------------------------------------------------------------- logo iterations

DESIGNS: list[dict[str, Any]] = [
    {
        "path": "designs/logo_v1.png",
        "shape": "circle", "color": (31, 95, 153), "text": "NOVA", "bold": False,
        "star": False, "tagline": "",
        "description": "A blue circle with the word NOVA in white regular letters.",
    },
    {
        "path": "designs/logo_v2.png",
        "shape": "rounded square", "color": (0, 128, 128), "text": "NOVA", "bold": True,
        "star": False, "tagline": "",
        "description": "A teal rounded square with the word NOVA in white bold letters.",
    },
    {
        "path": "designs/logo_v3.png",
        "shape": "rounded square", "color": (0, 128, 128), "text": "NOVA", "bold": True,
        "star": True, "tagline": "analytics",
        "description": "A teal rounded square with NOVA in white bold letters, a yellow star "
        "above the word and the tagline 'analytics' below it.",
    },
]

_COLOR_NAMES = {(31, 95, 153): "blue", (0, 128, 128): "teal"}


def design_image(spec: dict[str, Any]) -> Image.Image:
    """Draw one logo iteration (400x400, white background)."""
    img = Image.new("RGB", (400, 400), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    box = [40, 40, 360, 360]
    if spec["shape"] == "circle":
        draw.ellipse(box, fill=spec["color"])
    else:
        draw.rounded_rectangle(box, radius=60, fill=spec["color"])
    face = "DejaVuSans-Bold.ttf" if spec["bold"] else "DejaVuSans.ttf"
    draw.text((200, 200), spec["text"], font=font(72, face), fill=(255, 255, 255), anchor="mm")
    if spec["star"]:
        cx, cy, outer, inner = 200, 112, 34, 14
        points = [
            (cx + (outer if k % 2 == 0 else inner) * math.sin(k * math.pi / 5),
             cy - (outer if k % 2 == 0 else inner) * math.cos(k * math.pi / 5))
            for k in range(10)
        ]
        draw.polygon(points, fill=(250, 204, 21))
    if spec["tagline"]:
        draw.text((200, 270), spec["tagline"], font=font(30), fill=(255, 255, 255), anchor="mm")
    return img


def design_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What changed from one logo iteration to the next."""
    if old is None:
        return []
    changes = []
    if old["shape"] != new["shape"]:
        changes.append(f"Shape changed from a {old['shape']} to a {new['shape']}")
    if old["color"] != new["color"]:
        changes.append(f"Colour changed from {_COLOR_NAMES[old['color']]} to {_COLOR_NAMES[new['color']]}")
    if old["bold"] != new["bold"]:
        changes.append("The NOVA lettering became bold" if new["bold"] else "The lettering became regular")
    if old["star"] != new["star"]:
        changes.append("A yellow star was added above the word")
    if old["tagline"] != new["tagline"]:
        changes.append(f"The tagline '{new['tagline']}' was added below the word")
    return changes


def build(out_dir: Path) -> list[Artifact]:
    """Draw the dashboard pair and the logo iterations."""
    source = generated_source("multi_image")
    artifacts = []
    with mpl_style():
        for spec, other in ((DASHBOARDS[0], DASHBOARDS[1]), (DASHBOARDS[1], DASHBOARDS[0])):
            write_bytes(out_dir, spec["path"], figure_png_bytes(dashboard_figure(spec)))
            artifacts.append(Artifact(spec["path"], "dashboard", "image/png",
                                      _dashboard_truth(spec, other), source=source))
    previous = None
    for iteration, spec in enumerate(DESIGNS, start=1):
        write_bytes(out_dir, spec["path"], png_bytes(design_image(spec)))
        truth = {
            "iteration": iteration,
            "description": spec["description"],
            "changes_from_previous": design_changes(previous, spec),
        }
        artifacts.append(Artifact(spec["path"], "design", "image/png", truth, source=source))
        previous = spec
    return artifacts
