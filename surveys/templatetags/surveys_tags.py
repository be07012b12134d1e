"""Formatting for survey pages: percentages as published, withheld counts in words."""

from decimal import Decimal

from django import template

from surveys.analysis import FEWER_THAN_10, SUPPRESSED, format_percentage

register = template.Library()


@register.filter
def pct(value: Decimal | None, places=None) -> str:
    """29.00 → "29%"; with places, as published: pct:1 → "27.0%"."""
    if value is None or value == "":
        return ""
    return format_percentage(Decimal(value), None if places in (None, "") else int(places))


@register.filter
def signed(value: Decimal | None) -> str:
    """A change in percentage points: "+3", "−2", "0"."""
    if value is None:
        return ""
    value = Decimal(value).normalize()
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{abs(value)}"
    return "0"


@register.filter
def withheld(disclosure: str) -> str:
    return {FEWER_THAN_10: "fewer than 10", SUPPRESSED: "withheld"}.get(disclosure, "")


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
