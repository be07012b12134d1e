"""Reads behind the scrutiny pages, each in a fixed number of queries whatever the data size.

The dashboard, the exceptions list, the committee report and the public page are all built
from one `Dashboard`: a strategy seen as at the end of a reporting period. An action's status is
the status of its latest progress update dated on or before that day, so a report for a past
quarter says what was true then; its commentary is that update's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from partners import access
from partners.models import Area
from priorities.models import (
    STATUS_RAG,
    Action,
    Indicator,
    IndicatorValue,
    Priority,
    ProgressUpdate,
    Strategy,
)

from . import integrations
from .charts import sparkline
from .formatting import long_date, number
from .models import PublicDashboard
from .periods import ReportingPeriod, value_period_label

# How many periods a trend chart shows.
TREND_POINTS = 8

Status = Action.Status
# Worst first: the order a committee reads them in.
STATUS_ORDER = [
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.ON_TRACK,
    Status.COMPLETED,
    Status.NOT_STARTED,
    Status.NO_UPDATE,
]
STATUS_LABELS = dict(Status.choices)
EXCEPTION_STATUSES = {Status.OFF_TRACK, Status.AT_RISK}


# --- who may see which strategy ----------------------------------------------------------------


def member_strategy(user, slug: str) -> Strategy:
    """A strategy of a partnership the person works in; anyone else gets a 404."""
    strategies = Strategy.objects.visible_to(user).select_related("partnership")
    strategy = get_object_or_404(strategies, slug=slug)
    if not access.is_member(user, strategy.partnership_id):
        raise Http404("Not a member of this partnership")
    return strategy


def member_strategies(user):
    """Strategies of every partnership the person works in, for the scrutiny start page."""
    qs = Strategy.objects.select_related("partnership").order_by("partnership__name", "-start_year")
    if access.is_superuser(user):
        return qs
    return qs.filter(partnership_id__in=access.member_partnership_ids(user))


def public_strategy(slug: str) -> Strategy:
    """A published strategy whose partnership has switched its public dashboard on."""
    return get_object_or_404(
        Strategy.objects.visible_to(AnonymousUser())
        .filter(partnership__public_dashboard__enabled=True)
        .select_related("partnership"),
        slug=slug,
    )


def public_dashboard_enabled(partnership_id: int) -> bool:
    return PublicDashboard.objects.filter(partnership_id=partnership_id, enabled=True).exists()


def areas_of(strategy: Strategy) -> list[Area]:
    return list(strategy.partnership.areas.order_by("name"))


# --- what the pages show -----------------------------------------------------------------------


@dataclass
class StatusCount:
    status: str
    count: int

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def rag(self) -> str:
        return STATUS_RAG.get(self.status, "grey")


@dataclass
class ActionRow:
    """An action as at the end of the period."""

    pk: int
    priority_id: int
    text: str
    lead: str
    due_date: dt.date | None
    status: str
    overdue: bool
    commentary: str
    commentary_date: dt.date | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def rag(self) -> str:
        return STATUS_RAG.get(self.status, "grey")

    @property
    def url(self) -> str:
        return reverse("action_detail", args=[self.pk])


@dataclass
class Point:
    period_start: dt.date
    value: Decimal
    note: str
    frequency: str = Indicator.Frequency.QUARTERLY

    @property
    def label(self) -> str:
        return value_period_label(self.period_start, self.frequency)

    @property
    def shown(self) -> str:
        return number(self.value)


@dataclass
class Series:
    """One indicator (in one area, if it is reported per area) and its recent values."""

    indicator: Indicator
    area: str
    points: list[Point]
    public: bool = False

    @property
    def name(self) -> str:
        return f"{self.indicator.text} ({self.area})" if self.area else self.indicator.text

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def assessment(self) -> tuple[str, str]:
        return self.indicator.assess(self.latest.value if self.latest else None)

    @property
    def status(self) -> str:
        return self.assessment[0]

    @property
    def rag(self) -> str:
        return self.assessment[1]

    @property
    def target(self) -> str:
        return number(self.indicator.target) if self.indicator.target is not None else "Not set"

    def _worse(self, before: Decimal, after: Decimal) -> bool:
        if self.indicator.desired_direction == Indicator.Direction.DOWN:
            return after > before
        if self.indicator.desired_direction == Indicator.Direction.UP:
            return after < before
        return False

    @property
    def worsening_twice(self) -> bool:
        """Worse in each of the last two periods, judged by the desired direction."""
        if len(self.points) < 3 or not self.indicator.desired_direction:
            return False
        a, b, c = (p.value for p in self.points[-3:])
        return self._worse(a, b) and self._worse(b, c)

    @property
    def trend(self) -> str:
        if len(self.points) < 2:
            return "Not enough values for a trend"
        before, after = self.points[-2].value, self.points[-1].value
        if before == after:
            return "No change on the period before"
        if not self.indicator.desired_direction:
            return f"{'Up' if after > before else 'Down'} on the period before"
        if self.worsening_twice:
            return "Worse for two periods running"
        if self._worse(before, after):
            return "Worse than the period before"
        return "Better than the period before"

    @property
    def chart_id(self) -> str:
        return f"trend-{self.indicator.pk}-{self.area_slug}"

    @property
    def area_slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.area.lower()) or "all"

    @property
    def chart(self):
        return sparkline(
            [(p.label, p.value) for p in self.points],
            chart_id=self.chart_id,
            title=f"Trend: {self.name}",
            target=self.indicator.target,
        )

    @property
    def url(self) -> str:
        return reverse("indicator_detail", args=[self.indicator.pk])


@dataclass
class PrioritySummary:
    priority: Priority
    actions: list[ActionRow] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)

    @property
    def status_counts(self) -> list[StatusCount]:
        return count_statuses(self.actions)

    @property
    def overdue_count(self) -> int:
        return sum(a.overdue for a in self.actions)


@dataclass
class ExceptionRow:
    """Something the committee should look at, and why."""

    kind: str  # "Action" or "Indicator"
    priority: Priority
    title: str
    reasons: list[tuple[str, str]]  # (words, colour)
    commentary: str
    commentary_label: str
    url: str


@dataclass
class Dashboard:
    strategy: Strategy
    period: ReportingPeriod
    area: Area | None
    today: dt.date
    priorities: list[PrioritySummary]
    headline_figures: list
    top_concerns: list
    public: bool = False

    @property
    def actions(self) -> list[ActionRow]:
        return [a for p in self.priorities for a in p.actions]

    @property
    def series(self) -> list[Series]:
        return [s for p in self.priorities for s in p.series]

    @property
    def status_counts(self) -> list[StatusCount]:
        return count_statuses(self.actions)

    @property
    def overdue_count(self) -> int:
        return sum(a.overdue for a in self.actions)

    @property
    def off_track_count(self) -> int:
        return sum(a.status == Status.OFF_TRACK for a in self.actions)

    @property
    def at_risk_count(self) -> int:
        return sum(a.status == Status.AT_RISK for a in self.actions)

    @property
    def outside_tolerance_count(self) -> int:
        return sum(s.rag == "red" for s in self.series)

    @property
    def worsening_count(self) -> int:
        return sum(s.worsening_twice for s in self.series)

    @property
    def as_at(self) -> dt.date:
        """The day the figures describe: the period's end, or today for a period still open."""
        return min(self.period.end, self.today)

    @cached_property
    def exceptions(self) -> list[ExceptionRow]:
        return exceptions_of(self)


def count_statuses(actions: list[ActionRow]) -> list[StatusCount]:
    counts = defaultdict(int)
    for a in actions:
        counts[a.status] += 1
    return [StatusCount(s, counts[s]) for s in STATUS_ORDER]


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after `day`, in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _actions(strategy, period, user, as_at: dt.date, public: bool) -> list[ActionRow]:
    """Every action not retired by the period's end, as at that day: one query."""
    latest = ProgressUpdate.objects.filter(
        action=OuterRef("pk"), update_date__lte=period.end
    ).order_by("-update_date", "-created_at", "-id")
    base = Action.objects if public else Action.objects.visible_to(user)
    rows = (
        base.filter(priority__strategy=strategy)
        .filter(Q(retired_at__isnull=True) | Q(retired_at__gte=_end_of(period.end)))
        .annotate(
            as_at_status=Coalesce(Subquery(latest.values("status")[:1]), Value(Status.NO_UPDATE)),
            as_at_commentary=Subquery(latest.values("commentary")[:1]),
            as_at_update=Subquery(latest.values("update_date")[:1]),
        )
        .order_by("priority__number", "order", "pk")
        .values(
            "pk",
            "priority_id",
            "text",
            "lead_organisation__name",
            "due_date",
            "as_at_status",
            "as_at_commentary",
            "as_at_update",
        )
    )
    return [
        ActionRow(
            pk=r["pk"],
            priority_id=r["priority_id"],
            text=r["text"],
            lead=r["lead_organisation__name"] or "",
            due_date=r["due_date"],
            status=r["as_at_status"],
            overdue=bool(
                r["due_date"] and r["due_date"] < as_at and r["as_at_status"] != Status.COMPLETED
            ),
            # Progress commentary is the partnership's working text: never on the public page.
            commentary="" if public else (r["as_at_commentary"] or ""),
            commentary_date=None if public else r["as_at_update"],
        )
        for r in rows
    ]


def _series(strategy, period, user, area: Area | None, public: bool) -> list[Series]:
    """Each indicator's last few values up to the period's end: two queries."""
    indicators = list(
        Indicator.objects.filter(priority__strategy=strategy).order_by(
            "priority__number", "order", "pk"
        )
    )
    # Indicator returns are members' data; the public page shows them only because the
    # partnership switched it on (see docs/decisions/0007-scrutiny.md).
    values = IndicatorValue.objects if public else IndicatorValue.objects.visible_to(user)
    values = values.filter(indicator__priority__strategy=strategy, period_start__lte=period.end)
    if area is not None:
        values = values.filter(Q(area=area) | Q(area__isnull=True))
    recent = (
        values.annotate(
            recent=Window(
                RowNumber(),
                partition_by=[F("indicator_id"), F("area_id")],
                order_by=F("period_start").desc(),
            )
        )
        .filter(recent__lte=TREND_POINTS)
        .order_by("indicator_id", "area__name", "period_start")
        .values("indicator_id", "area__name", "period_start", "value", "note")
    )
    by_series: dict[int, dict[str, list[Point]]] = defaultdict(dict)
    frequency = {i.pk: i.frequency for i in indicators}
    for v in recent:
        points = by_series[v["indicator_id"]].setdefault(v["area__name"] or "", [])
        note = "" if public else v["note"]
        points.append(Point(v["period_start"], v["value"], note, frequency[v["indicator_id"]]))
    result = []
    for indicator in indicators:
        found = by_series.get(indicator.pk) or {"": []}
        for area_name, points in found.items():
            result.append(Series(indicator, area_name, points, public=public))
    return result


def build_dashboard(
    strategy: Strategy,
    period: ReportingPeriod,
    *,
    user,
    today: dt.date,
    area: Area | None = None,
    public: bool = False,
    context_figures: tuple[list, list] | None = None,
) -> Dashboard:
    """Everything the scrutiny pages show for one strategy and period, in fixed queries.

    `context_figures` (headline figures, top concerns) saves reading them twice.
    """
    viewer = AnonymousUser() if public else user
    as_at = min(period.end, today)
    priorities = [PrioritySummary(p) for p in strategy.priorities.order_by("number")]
    by_id = {p.priority.pk: p for p in priorities}
    for row in _actions(strategy, period, viewer, as_at, public):
        by_id[row.priority_id].actions.append(row)
    for series in _series(strategy, period, viewer, area, public):
        summary = by_id[series.indicator.priority_id]
        series.indicator.priority = summary.priority
        summary.series.append(series)
    figures, concerns = context_figures or (
        integrations.headline_figures(strategy, period.end),
        integrations.top_concerns(strategy),
    )
    return Dashboard(
        strategy=strategy,
        period=period,
        area=area,
        today=today,
        priorities=priorities,
        headline_figures=figures,
        top_concerns=concerns,
        public=public,
    )


def exceptions_of(dashboard: Dashboard) -> list[ExceptionRow]:
    """Actions off track, at risk or overdue; indicators outside tolerance or worsening."""
    rows = []
    for summary in dashboard.priorities:
        for a in summary.actions:
            reasons = []
            if a.status in EXCEPTION_STATUSES:
                reasons.append((a.status_label, a.rag))
            if a.overdue:
                reasons.append((f"Overdue: due {long_date(a.due_date)}", "red"))
            if reasons:
                label = (
                    f"Progress update of {long_date(a.commentary_date)}"
                    if a.commentary_date
                    else "No progress update yet"
                )
                rows.append(
                    ExceptionRow(
                        "Action", summary.priority, a.text, reasons, a.commentary, label, a.url
                    )
                )
        for s in summary.series:
            reasons = []
            if s.rag == "red":
                reasons.append((s.status, "red"))
            if s.worsening_twice:
                reasons.append(("Worse for two periods running", "amber"))
            if reasons:
                latest = s.latest
                rows.append(
                    ExceptionRow(
                        "Indicator",
                        summary.priority,
                        s.name,
                        reasons,
                        latest.note if latest else "",
                        f"Note with the {latest.label} value" if latest else "",
                        s.url,
                    )
                )
    return rows
