"""Server-rendered SVG charts: the same markup on screen, in print and in the PDF.

Colours are presentation attributes, not CSS classes, so WeasyPrint draws them exactly as the
browser does. Every chart is role="img" with a <title> and a <desc> that says the numbers, and
every page that shows one also shows its numbers in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .formatting import number

LINE = "#1d70b8"  # GOV.UK blue: 5.2:1 against white, enough for a graphic (WCAG 1.4.11)
TARGET = "#d4351c"
WIDTH, HEIGHT, PAD = 160, 48, 5


def sparkline(
    points: Sequence[tuple[str, Decimal]],
    *,
    chart_id: str,
    title: str,
    target: Decimal | None = None,
) -> SafeString:
    """A small trend line of (period label, value) points, oldest first, with the target dashed."""
    if not points:
        return mark_safe("")
    values = [v for _, v in points]
    scale = values + ([target] if target is not None else [])
    low, high = min(scale), max(scale)
    span = (high - low) or Decimal(1)

    def x(i: int) -> float:
        if len(points) == 1:
            return WIDTH / 2
        return PAD + i * (WIDTH - 2 * PAD) / (len(points) - 1)

    def y(v: Decimal) -> float:
        return HEIGHT - PAD - float((v - low) / span) * (HEIGHT - 2 * PAD)

    desc = "; ".join(f"{label}: {number(v)}" for label, v in points)
    if target is not None:
        desc += f". Target {number(target)} (dashed line)"
    parts = [
        format_html('<title id="{}-title">{}</title>', chart_id, title),
        format_html('<desc id="{}-desc">{}.</desc>', chart_id, desc),
    ]
    if target is not None:
        parts.append(
            format_html(
                '<line x1="0" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1.5" '
                'stroke-dasharray="4 3"/>',
                WIDTH,
                f"{y(target):.1f}",
                f"{y(target):.1f}",
                TARGET,
            )
        )
    if len(points) > 1:
        coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" '
                'stroke-linejoin="round" stroke-linecap="round"/>',
                coords,
                LINE,
            )
        )
    last = len(values) - 1
    parts.append(
        format_html(
            '<circle cx="{}" cy="{}" r="3.5" fill="{}"/>',
            f"{x(last):.1f}",
            f"{y(values[last]):.1f}",
            LINE,
        )
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="app-sparkline" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" role="img" focusable="false" '
        'aria-labelledby="{id}-title {id}-desc">{body}</svg>',
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        body=format_html_join("", "{}", ((p,) for p in parts)),
    )
