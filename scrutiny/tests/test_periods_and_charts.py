"""Reporting periods and the SVG trend chart."""

import datetime as dt
from decimal import Decimal

import pytest

from priorities.models import Strategy
from scrutiny.charts import sparkline
from scrutiny.formatting import number
from scrutiny.periods import (
    ReportingPeriod,
    default_period,
    parse_period,
    periods_for,
    value_period_label,
)

STRATEGY = Strategy(start_year=2025, end_year=2028)


@pytest.mark.parametrize(
    "period, start, end, key, label",
    [
        (
            ReportingPeriod(2025, 1),
            (2025, 4, 1),
            (2025, 6, 30),
            "2025-26-q1",
            "2025-26 Q1 (April to June 2025)",
        ),
        (
            ReportingPeriod(2025, 3),
            (2025, 10, 1),
            (2025, 12, 31),
            "2025-26-q3",
            "2025-26 Q3 (October to December 2025)",
        ),
        (
            ReportingPeriod(2025, 4),
            (2026, 1, 1),
            (2026, 3, 31),
            "2025-26-q4",
            "2025-26 Q4 (January to March 2026)",
        ),
        (
            ReportingPeriod(2025, None),
            (2025, 4, 1),
            (2026, 3, 31),
            "2025-26",
            "2025-26 financial year (April 2025 to March 2026)",
        ),
    ],
)
def test_it_counts_quarters_and_years_from_april(period, start, end, key, label):
    """UK public bodies report by financial year: April to June is Q1."""
    assert period.start == dt.date(*start)
    assert period.end == dt.date(*end)
    assert period.key == key
    assert period.label == label
    assert parse_period(key, STRATEGY) == period


def test_it_offers_the_strategys_years_and_quarters_newest_first():
    """The committee most often wants the latest period: it comes first."""
    keys = [p.key for p in periods_for(STRATEGY)]
    assert len(keys) == 15
    assert keys[:6] == [
        "2027-28-q4",
        "2027-28-q3",
        "2027-28-q2",
        "2027-28-q1",
        "2027-28",
        "2026-27-q4",
    ]
    assert keys[-1] == "2025-26"
    assert parse_period("2024-25-q4", STRATEGY) is None  # before the strategy began


@pytest.mark.parametrize(
    "today, expected",
    [
        (dt.date(2026, 11, 22), "2026-27-q2"),  # the last quarter that has ended
        (dt.date(2025, 5, 1), "2025-26-q1"),  # nothing ended yet: the first quarter
        (dt.date(2031, 1, 1), "2027-28-q4"),  # strategy over: its last quarter
    ],
)
def test_it_defaults_to_the_last_quarter_that_has_ended(today, expected):
    """A quarter still running has no complete figures to report."""
    assert default_period(STRATEGY, today).key == expected


def test_it_labels_values_by_their_frequency():
    """A monthly figure labelled as a quarter would mislead."""
    assert value_period_label(dt.date(2025, 5, 1), "monthly") == "May 2025"
    assert value_period_label(dt.date(2026, 1, 1), "quarterly") == "2025-26 Q4"
    assert value_period_label(dt.date(2025, 4, 1), "annual") == "2025-26"


def test_it_writes_numbers_as_reports_do():
    """Council papers write 12,066, never 1.2066E+4."""
    assert number(Decimal("12066.00")) == "12,066"
    assert number(Decimal("39.60")) == "39.6"
    assert number(Decimal("1.2E+2")) == "120"
    assert number(None) == ""


def test_it_draws_a_named_svg_chart_that_says_its_numbers():
    """Screen readers read the title and description; the colours need no CSS to print."""
    svg = str(
        sparkline(
            [("2025-26 Q1", Decimal(95)), ("2025-26 Q2", Decimal(115))],
            chart_id="trend-1-all",
            title="Trend: <Violence>",
            target=Decimal(100),
        )
    )
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in svg and 'aria-labelledby="trend-1-all-title trend-1-all-desc"' in svg
    assert '<title id="trend-1-all-title">Trend: &lt;Violence&gt;</title>' in svg
    assert "2025-26 Q1: 95; 2025-26 Q2: 115. Target 100 (dashed line)." in svg
    assert 'stroke="#1d70b8"' in svg and 'stroke-dasharray="4 3"' in svg
    assert "<polyline" in svg


def test_it_draws_one_value_as_a_point_and_no_values_as_nothing():
    """A line needs two points; an empty chart would be noise."""
    one = str(sparkline([("2025-26 Q1", Decimal(5))], chart_id="c", title="t"))
    assert "<circle" in one and "<polyline" not in one
    assert str(sparkline([], chart_id="c", title="t")) == ""
