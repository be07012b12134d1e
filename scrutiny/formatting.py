"""Numbers and dates written the way council reports write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def number(value: Decimal | int | float | None) -> str:
    """12066 → '12,066'; 39.60 → '39.6'; None → ''. Never scientific notation."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def plain_number(value: Decimal | None) -> int | float | None:
    """The same number for a spreadsheet cell: a whole number stays whole."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def long_date(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""
