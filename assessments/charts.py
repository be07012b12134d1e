"""Server-rendered SVG charts: coordinates worked out here, drawn by a template, no JavaScript."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    """Bars for the first series and a line for the second, on one axis starting at zero."""

    width: int
    height: int
    bars: list[Bar]
    line_points: str
    points: list[tuple[float, float]]
    ticks: list[Tick]
    x_labels: list[XLabel]
    axis_y: float
    left: int
    right: int


def nice_step(top: float, ticks: int = 5) -> int:
    """A round step (1, 2, 5 × 10ⁿ) giving about `ticks` gridlines up to `top`."""
    if top <= 0:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return max(1, int(multiple * power))
    return int(10 * power)  # pragma: no cover


def bar_chart(labels: list[str], bars: list[int], line: list[int] | None = None) -> BarChart:
    """Lay out one bar per label and, if given, a line through the second series."""
    line = line or []
    top_value = max([*bars, *line, 0])
    step = nice_step(top_value)
    top = max(step, math.ceil(top_value / step) * step)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)

    def y(value: int) -> float:
        return round(TOP + plot_h - value * plot_h / top, 1)

    out_bars = []
    for i, (label, value) in enumerate(zip(labels, bars, strict=True)):
        x = LEFT + i * slot + slot * 0.15
        out_bars.append(
            Bar(
                round(x, 1),
                y(value),
                round(slot * 0.7, 1),
                round(TOP + plot_h - y(value), 1),
                label,
                value,
            )
        )
    points = [(round(LEFT + i * slot + slot / 2, 1), y(v)) for i, v in enumerate(line)]
    ticks = [Tick(y(v), f"{v:,}") for v in range(0, top + 1, step)]
    every = 1 if len(labels) <= 12 else math.ceil(len(labels) / 12)
    x_labels = [
        XLabel(round(LEFT + i * slot + slot / 2, 1), label)
        for i, label in enumerate(labels)
        if i % every == 0
    ]
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=out_bars,
        line_points=" ".join(f"{px},{py}" for px, py in points),
        points=points,
        ticks=ticks,
        x_labels=x_labels,
        axis_y=TOP + plot_h,
        left=LEFT,
        right=WIDTH - RIGHT,
    )
