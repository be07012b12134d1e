"""A horizontal bar chart of candidates' total scores as plain geometry for a server-rendered SVG.

No JavaScript and no inline styles: colours are SVG presentation attributes or the app-chart
classes; the page shows the same numbers in the matrix table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH = 960
LABEL_WIDTH = 380
SCALE = Decimal(5)  # px per point of the 0-100 total
ROW = 30
TOP = 30
BAR = 20
MAX_LABEL = 48


@dataclass(frozen=True)
class Bar:
    label: str
    full_label: str
    y: int
    width: float
    text: str

    @property
    def label_y(self) -> int:
        return self.y + 15

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    left: int = LABEL_WIDTH
    axis_right: int = LABEL_WIDTH + int(SCALE * 100)
    ticks: tuple[tuple[int, int], ...] = ()


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def score_chart(rows: list[tuple[str, str, Decimal | None]], chart_id: str, title: str) -> Chart:
    """Bars for (name, rank label, total) in rank order; a candidate without a total has no bar."""
    bars = []
    for i, (name, rank, total) in enumerate(rows):
        width = float(total * SCALE) if total is not None else 0.0
        text = f"{total:.1f}" if total is not None else "no score"
        bars.append(Bar(_short(f"{rank}. {name}"), f"{rank}. {name}", TOP + i * ROW, width, text))
    described = "; ".join(f"{b.full_label}: {b.text}" for b in bars)
    ticks = tuple((v, LABEL_WIDTH + int(SCALE * v)) for v in (0, 25, 50, 75, 100))
    return Chart(
        id=chart_id,
        title=title,
        description=f"Total score out of 100, highest first. {described}.",
        bars=bars,
        height=TOP + len(bars) * ROW + 10,
        ticks=ticks,
    )
