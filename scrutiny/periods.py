"""Reporting periods: UK financial quarters (April to June is Q1) and financial years."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from priorities.models import financial_quarter_label


def financial_year_of(day: dt.date) -> int:
    """The calendar year a financial year starts in: 2025 for 2025-26."""
    return day.year if day.month >= 4 else day.year - 1


def _fy_name(fy: int) -> str:
    return f"{fy}-{str(fy + 1)[-2:]}"


@dataclass(frozen=True)
class ReportingPeriod:
    """A quarter or a financial year, with its first and last day."""

    fy: int
    quarter: int | None  # None: the whole financial year

    @property
    def start(self) -> dt.date:
        if self.quarter is None:
            return dt.date(self.fy, 4, 1)
        month = 4 + 3 * (self.quarter - 1)
        return dt.date(self.fy + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter is None:
            return dt.date(self.fy + 1, 3, 31)
        return ReportingPeriod(self.fy, self.quarter + 1).start - dt.timedelta(days=1)

    @property
    def is_year(self) -> bool:
        return self.quarter is None

    @property
    def key(self) -> str:
        """The form the period takes in a URL: 2025-26-q2 or 2025-26."""
        return _fy_name(self.fy) + (f"-q{self.quarter}" if self.quarter else "")

    @property
    def short_label(self) -> str:
        return _fy_name(self.fy) + (f" Q{self.quarter}" if self.quarter else "")

    @property
    def label(self) -> str:
        if self.quarter is None:
            return f"{_fy_name(self.fy)} financial year (April {self.fy} to March {self.fy + 1})"
        return financial_quarter_label(self.start)

    def __str__(self) -> str:
        return self.label


def periods_for(strategy) -> list[ReportingPeriod]:
    """Every financial year of the strategy and its quarters, newest first."""
    periods = []
    last = max(strategy.end_year - 1, strategy.start_year)  # at least one year, however entered
    for fy in range(last, strategy.start_year - 1, -1):
        periods += [ReportingPeriod(fy, q) for q in (4, 3, 2, 1)]
        periods.append(ReportingPeriod(fy, None))
    return periods


def parse_period(key: str, strategy) -> ReportingPeriod | None:
    """The strategy's period with this key, or None."""
    return next((p for p in periods_for(strategy) if p.key == key), None)


def default_period(strategy, today: dt.date) -> ReportingPeriod:
    """The last quarter that has ended, kept within the strategy's own years."""
    quarters = [p for p in periods_for(strategy) if not p.is_year]
    ended = [p for p in quarters if p.end < today]
    return ended[0] if ended else quarters[-1]


def quarter_containing(day: dt.date) -> ReportingPeriod:
    fy = financial_year_of(day)
    return ReportingPeriod(fy, ((day.month - 4) % 12) // 3 + 1)


def value_period_label(day: dt.date, frequency: str) -> str:
    """How a value's period reads in a table: 'May 2025', '2025-26 Q1' or '2025-26'."""
    if frequency == "monthly":
        return f"{day:%B %Y}"
    if frequency == "annual":
        return ReportingPeriod(financial_year_of(day), None).short_label
    return quarter_containing(day).short_label
