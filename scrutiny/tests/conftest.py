"""A known quarter of Dartford's 2025-2028 strategy, and the browser fixtures for these tests.

As at the end of 2025-26 Q2 (30 September 2025):
- Priority 1 has six current actions: one on track, one at risk, one off track and overdue,
  one completed, two with no update (one of them overdue; the other reported at risk only in
  October, after the quarter). A seventh, retired in June, is left out.
- Priority 2 has one action, not started.
- Indicators: violence with injury (lower is better, target 100, 10%) at 115, outside tolerance;
  victims feeling safer (higher is better, target 80) at 82, worse for two periods running;
  shoplifting reported per area; domestic abuse reports with no target.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from partners.models import Area, Organisation
from priorities import services
from priorities.models import Action, Indicator, Priority, Strategy
from scrutiny.periods import ReportingPeriod
from tests.browser.conftest import browser, page  # noqa: F401  (Playwright fixtures)

Q2 = ReportingPeriod(2025, 2)
SLUG = "dartford-2025-2028"


def _action(priority, order, text, due=None, org="kent-police", owner=None):
    return Action.objects.create(
        priority=priority,
        order=order,
        text=text,
        lead_organisation=Organisation.objects.get(key=org),
        due_date=due,
        owner=owner,
    )


def _update(action, day, status, commentary, user):
    services.add_progress_update(
        action=action, update_date=day, status=status, commentary=commentary, user=user
    )


def _indicator(
    priority, order, text, *, unit="count", direction="", target=None, tol=None, per_area=False
):
    return Indicator.objects.create(
        priority=priority,
        order=order,
        text=text,
        unit=unit,
        desired_direction=direction,
        target=None if target is None else Decimal(target),
        tolerance_percent=None if tol is None else Decimal(tol),
        per_area=per_area,
    )


def _values(indicator, user, values, area=None, notes=None):
    notes = notes or {}
    for day, value in values.items():
        services.submit_indicator_value(
            indicator=indicator,
            area=area,
            period_start=day,
            value=Decimal(value),
            note=notes.get(day, ""),
            user=user,
        )


@pytest.fixture
def strategy(seeded) -> Strategy:
    return Strategy.objects.get(slug=SLUG)


@pytest.fixture
def known_quarter(strategy, officer):
    """The fixture the module docstring describes; returns the objects tests speak of."""
    officer.first_name, officer.last_name = "Olivia", "Officer"
    officer.email = "olivia.officer@dartford.example"
    officer.save()
    p1 = Priority.objects.get(strategy=strategy, number=1)
    p2 = Priority.objects.get(strategy=strategy, number=2)
    d = dt.date
    workshops = _action(
        p1, 1, "Knife-crime workshops in every secondary school", d(2026, 3, 31), owner=officer
    )
    _update(workshops, d(2025, 8, 12), "on_track", "Four of six schools booked.", officer)
    licensing = _action(
        p1,
        2,
        "Licensing visits to town-centre premises",
        d(2026, 1, 31),
        org="dartford-borough-council",
    )
    _update(licensing, d(2025, 7, 20), "on_track", "Visits started.", officer)
    _update(
        licensing,
        d(2025, 9, 15),
        "at_risk",
        "Two licensing officers are on long-term leave.",
        officer,
    )
    prolific = _action(p1, 3, "Prolific shoplifter scheme with DTAC", d(2025, 6, 30))
    _update(prolific, d(2025, 9, 1), "off_track", "The funding bid was refused.", officer)
    mentoring = _action(p1, 4, "Mentoring for young people at risk of violence", d(2025, 7, 31))
    _update(mentoring, d(2025, 8, 1), "completed", "Delivered to 40 young people.", officer)
    hotspots = _action(
        p1, 5, "Map violence hot spots with the Violence Reduction Unit", d(2025, 9, 1)
    )
    events = _action(p1, 6, "Acquisitive crime awareness events", d(2026, 3, 31))
    _update(events, d(2025, 10, 5), "at_risk", "Venue lost in October.", officer)
    retired = _action(p1, 7, "Retired before the quarter ended", d(2025, 5, 1))
    Action.objects.filter(pk=retired.pk).update(
        retired_at=timezone.make_aware(dt.datetime(2025, 6, 1, 12, 0))
    )
    vawg = _action(p2, 1, "Raise awareness of VAWG support services", None, org="kent-police")
    _update(vawg, d(2025, 8, 20), "not_started", "Waiting for campaign materials.", officer)

    violence = _indicator(
        p1, 1, "Number of violence with injury offences", direction="down", target=100, tol=10
    )
    _values(
        violence,
        officer,
        {d(2025, 4, 1): 95, d(2025, 7, 1): 115, d(2025, 10, 1): 130},
        notes={d(2025, 7, 1): "Summer night-time economy peak."},
    )
    safer = _indicator(
        p1,
        2,
        "Percentage of victims who feel safer after support",
        unit="percentage",
        direction="up",
        target=80,
        tol=5,
    )
    _values(
        safer,
        officer,
        {d(2024, 10, 1): 90, d(2025, 1, 1): 86, d(2025, 4, 1): 84, d(2025, 7, 1): 82},
        notes={d(2025, 7, 1): "Fewer referrals from the police this quarter."},
    )
    shoplifting = _indicator(
        p1,
        3,
        "Number of shoplifting offences in each borough",
        direction="down",
        target=50,
        tol=10,
        per_area=True,
    )
    dartford = Area.objects.get(gss_code="E07000107")
    gravesham = Area.objects.get(gss_code="E07000109")
    _values(shoplifting, officer, {d(2025, 4, 1): 40, d(2025, 7, 1): 45}, area=dartford)
    _values(shoplifting, officer, {d(2025, 4, 1): 70, d(2025, 7, 1): 52}, area=gravesham)
    reports = _indicator(p2, 1, "Number of domestic abuse reports to police")
    _values(reports, officer, {d(2025, 4, 1): 300, d(2025, 7, 1): 1320})
    return {
        "workshops": workshops,
        "licensing": licensing,
        "prolific": prolific,
        "mentoring": mentoring,
        "hotspots": hotspots,
        "events": events,
        "retired": retired,
        "vawg": vawg,
        "violence": violence,
        "safer": safer,
        "shoplifting": shoplifting,
        "reports": reports,
    }
