"""Diverging stacked bars as plain geometry for a server-rendered SVG (no JavaScript).

Concern answers (very big, fairly big problem) extend left of a centre line, the other answers
right of it, and "Don't know" sits apart on the far right, so each bar reads at a glance. Every
answer has a pattern as well as a colour, and its percentage is written on the bar in black on
white wherever it fits; the page puts the same numbers in a table beside the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .analysis import Distribution, format_percentage

WIDTH = 960
LEFT = 20
CENTRE = 400  # x of the line between concern and the rest
SCALE = Decimal("3.5")  # px per percentage point either side of the centre
DK_START = 780
DK_SCALE = Decimal("1.6")
ROW = 58
TOP = 44
BAR = 26


@dataclass(frozen=True)
class Style:
    key: str
    fill: str
    pattern: str  # "solid" | "diagonal" | "dots" | "vertical" | "cross"
    ink: str  # colour of the pattern's marks


CONCERN_STYLES = [
    Style("concern-1", "#942514", "solid", "#942514"),
    Style("concern-2", "#f47738", "diagonal", "#942514"),
    Style("concern-3", "#ffdd00", "dots", "#594d00"),
]
OTHER_STYLES = [
    Style("other-1", "#5694ca", "dots", "#003078"),
    Style("other-2", "#003078", "vertical", "#5694ca"),
    Style("other-3", "#85994b", "diagonal", "#0b0c0c"),
]
DK_STYLE = Style("dont-know", "#b1b4b6", "cross", "#505a5f")


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    label: str
    text: str
    style: Style
    show_text: bool

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2

    @property
    def badge_width(self) -> int:
        return badge_width(self.text)

    @property
    def badge_x(self) -> float:
        return self.text_x - self.badge_width / 2


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    segments: list[Segment]
    note: str

    @property
    def label_y(self) -> int:
        return self.y + 14

    @property
    def bar_y(self) -> int:
        return self.y + 20

    @property
    def text_y(self) -> int:
        return self.bar_y + 18

    @property
    def badge_y(self) -> int:
        return self.bar_y + 5

    @property
    def note_x(self) -> int:
        return DK_START


@dataclass(frozen=True)
class LegendEntry:
    label: str
    style: Style


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    legend: list[LegendEntry]
    styles: list[Style]
    width: int = WIDTH
    centre: int = CENTRE
    dk_start: int = DK_START
    left: int = LEFT
    top: int = TOP

    @property
    def height(self) -> int:
        return TOP + ROW * len(self.bars) + 10

    @property
    def axis_bottom(self) -> int:
        return self.height - 6

    @property
    def bar_height(self) -> int:
        return BAR


def _styles_for(dist: Distribution) -> dict[str, Style]:
    concern = [s.label for s in dist.shares if s.concern]
    other = [s.label for s in dist.shares if not s.concern and not s.dont_know]
    out = {label: CONCERN_STYLES[k % len(CONCERN_STYLES)] for k, label in enumerate(concern)}
    out.update({label: OTHER_STYLES[k % len(OTHER_STYLES)] for k, label in enumerate(other)})
    out.update({s.label: DK_STYLE for s in dist.shares if s.dont_know})
    return out


def diverging_chart(chart_id: str, title: str, items: list[tuple[str, Distribution]]) -> Chart:
    """One bar per item; withheld figures leave a gap rather than a guess."""
    bars = []
    legend: dict[str, LegendEntry] = {}
    for row, (label, dist) in enumerate(items):
        styles = _styles_for(dist)
        segments = []
        concern = [s for s in dist.shares if s.concern]
        # Outermost first on the left: very big problem furthest from the centre.
        x = Decimal(CENTRE)
        for share in reversed(concern):
            width = (share.percentage or Decimal(0)) * SCALE
            x -= width
            segments.append(_segment(share, x, width, styles))
        x = Decimal(CENTRE)
        for share in (s for s in dist.shares if not s.concern and not s.dont_know):
            width = (share.percentage or Decimal(0)) * SCALE
            segments.append(_segment(share, x, width, styles))
            x += width
        x = Decimal(DK_START)
        for share in (s for s in dist.shares if s.dont_know):
            width = (share.percentage or Decimal(0)) * DK_SCALE
            segments.append(_segment(share, x, width, styles))
            x += width
        for share in dist.shares:
            legend.setdefault(share.label, LegendEntry(share.label, styles[share.label]))
        withheld = [s.label for s in dist.shares if s.percentage is None]
        note = f"Not drawn: {', '.join(withheld)} (small numbers)" if withheld else ""
        bars.append(Bar(label=label, y=TOP + ROW * row, segments=segments, note=note))
    styles = list({e.style.key: e.style for e in legend.values()}.values())
    description = (
        "For each item, the bar left of the centre line shows the share who said it was a very "
        "big or fairly big problem; the bar right of it shows the other answers, and "
        "“Don’t know” is drawn separately on the far right. The numbers are in the table below."
    )
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        bars=bars,
        legend=list(legend.values()),
        styles=styles,
    )


def badge_width(text: str) -> int:
    """Room for a percentage in 14px Arial, with a little padding."""
    return 8 * len(text) + 6


def _segment(share, x: Decimal, width: Decimal, styles) -> Segment:
    text = format_percentage(share.percentage, None) if share.percentage is not None else ""
    return Segment(
        x=float(x),
        width=float(width),
        label=share.label,
        text=text,
        style=styles[share.label],
        show_text=bool(text) and width >= badge_width(text) + 2,
    )
