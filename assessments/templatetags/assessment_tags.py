"""Template filters for figures: values, changes and arrows in words the page can read out."""

from decimal import Decimal

from django import template

from assessments import tables
from assessments.computations import change_arrow, change_in_words

register = template.Library()


@register.filter
def figure_value(figure) -> str:
    return tables.value_in_words(figure)


@register.filter
def figure_change(figure) -> str:
    return tables.comparison_in_words(figure)


@register.filter
def change_words(percent: Decimal | None) -> str:
    return change_in_words(percent)


@register.filter
def arrow(percent: Decimal | None) -> str:
    return change_arrow(percent)


@register.filter
def number(value) -> str:
    """Thousands separated, no trailing zeros: 12066.00 -> 12,066."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return tables.plain_number(value)
    return f"{value:,}"


@register.filter
def ordinal(value) -> str:
    return tables.ordinal(int(value)) if value is not None else ""


@register.filter
def period(figure) -> str:
    return figure.period_label or tables.period_in_words(figure.period_start, figure.period_end)
