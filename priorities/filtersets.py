"""Filters shared by the HTML lists and (later) the API viewsets."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q

from partners import access
from partners.models import Organisation, User

from .models import Action, Indicator, IndicatorValue, Priority, ProgressUpdate, Strategy


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """`updated_since` for incremental pulls; any offset is turned into UTC first."""

    def __init__(self, **kwargs):
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault("label", "Changed since (ISO 8601 date and time)")
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            # PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 text can still carry.
            value = value.astimezone(dt.UTC)
        return super().filter(qs, value)


class ActionFilterSet(django_filters.FilterSet):
    """Actions by strategy, priority, lead organisation, owner, status and overdue."""

    q = django_filters.CharFilter(method="filter_text", label="Search")
    partnership = django_filters.CharFilter(
        field_name="priority__strategy__partnership__key", label="Partnership (key)"
    )
    strategy = django_filters.ModelChoiceFilter(
        field_name="priority__strategy",
        queryset=Strategy.objects.none(),
        empty_label="All strategies",
        to_field_name="slug",
    )
    priority = django_filters.ModelChoiceFilter(
        queryset=Priority.objects.none(), empty_label="All priorities"
    )
    lead_organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.none(), empty_label="All organisations"
    )
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.none(), empty_label="Anyone")
    status = django_filters.MultipleChoiceFilter(
        choices=Action.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    overdue = django_filters.ChoiceFilter(
        method="filter_overdue",
        label="Overdue",
        choices=[("true", "Overdue only"), ("false", "Not overdue")],
        empty_label="Either",
    )
    updated_since = UpdatedSinceFilter()
    # Named `sort` so it never clashes with the API's own `ordering` parameter.
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        method="filter_ordering",
        empty_label="Priority and order",
        choices=[
            ("due_date", "Due date, soonest first"),
            ("-due_date", "Due date, latest first"),
            ("status", "Status"),
            ("lead_organisation", "Lead organisation"),
            ("-updated_at", "Last changed"),
        ],
    )

    class Meta:
        model = Action
        fields = ["q", "strategy", "priority", "lead_organisation", "owner", "status", "overdue"]
        # The HTML list hides the partnership filter (people see their own partnerships).

    def __init__(self, *args, user=None, member_choices: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None and self.request is not None:
            user = self.request.user
        strategies = (
            Strategy.objects.visible_to(user) if user is not None else Strategy.objects.none()
        )
        organisations = Organisation.objects.filter(led_actions__isnull=False).distinct()
        if member_choices:
            strategies, organisations = self._member_choices(user, strategies)
        self.filters["strategy"].queryset = strategies
        self.filters["priority"].queryset = Priority.objects.filter(
            strategy__in=strategies
        ).select_related("strategy")
        self.filters["lead_organisation"].queryset = organisations
        pids = user.partnership_ids() if getattr(user, "is_authenticated", False) else set()
        self.filters["owner"].queryset = User.objects.filter(roles__partnership__in=pids).distinct()
        self.filters["owner"].field.label_from_instance = lambda u: u.display_name
        self.filters["priority"].field.label_from_instance = lambda p: (
            f"{p.strategy.period} – Priority {p.number}: {p.title}"
        )

    @staticmethod
    def _member_choices(user, strategies):
        """The HTML lists show the person's partnerships only: offer only what they hold.

        Nationally, every visible strategy's priorities and every lead organisation made the
        drop-downs thousands of options long (0.15 s to query, more to render).
        """
        if access.is_superuser(user):
            return strategies, Organisation.objects.filter(led_actions__isnull=False).distinct()
        pids = access.member_partnership_ids(user)
        mine = strategies.filter(partnership_id__in=pids)
        leads = Action.objects.filter(priority__strategy__partnership_id__in=pids)
        organisations = Organisation.objects.filter(
            pk__in=leads.values("lead_organisation_id")
        ).order_by("name")
        return mine, organisations

    ORDERINGS = {
        "due_date": ["due_date", "pk"],
        "-due_date": ["-due_date", "pk"],
        "status": ["status", "due_date", "pk"],
        "lead_organisation": ["lead_organisation__name", "due_date", "pk"],
        "-updated_at": ["-updated_at", "pk"],
    }

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*self.ORDERINGS[value])

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(text__icontains=value) | Q(description__icontains=value))

    def filter_overdue(self, queryset, name, value):
        if value not in ("true", "false"):
            return queryset
        value = value == "true"
        overdue = Q(due_date__lt=dt.date.today()) & ~Q(status=Action.Status.COMPLETED)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class StrategyFilterSet(django_filters.FilterSet):
    partnership = django_filters.CharFilter(field_name="partnership__key")
    status = django_filters.ChoiceFilter(choices=Strategy.Status.choices)
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Strategy
        fields = ["partnership", "status", "start_year"]


class PriorityFilterSet(django_filters.FilterSet):
    strategy = django_filters.CharFilter(field_name="strategy__slug")
    partnership = django_filters.CharFilter(field_name="strategy__partnership__key")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Priority
        fields = ["strategy", "partnership", "number"]


class IndicatorFilterSet(django_filters.FilterSet):
    strategy = django_filters.CharFilter(field_name="priority__strategy__slug")
    partnership = django_filters.CharFilter(field_name="priority__strategy__partnership__key")
    priority = django_filters.NumberFilter(field_name="priority")
    source_organisation = django_filters.NumberFilter(field_name="source_organisation")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Indicator
        fields = ["strategy", "partnership", "priority", "source_organisation", "per_area"]


class ProgressUpdateFilterSet(django_filters.FilterSet):
    action = django_filters.NumberFilter(field_name="action")
    strategy = django_filters.CharFilter(field_name="action__priority__strategy__slug")
    partnership = django_filters.CharFilter(
        field_name="action__priority__strategy__partnership__key"
    )
    status = django_filters.MultipleChoiceFilter(choices=ProgressUpdate.STATUSES)
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = ProgressUpdate
        fields = ["action", "strategy", "partnership", "status"]


class IndicatorValueFilterSet(django_filters.FilterSet):
    indicator = django_filters.NumberFilter(field_name="indicator")
    strategy = django_filters.CharFilter(field_name="indicator__priority__strategy__slug")
    partnership = django_filters.CharFilter(
        field_name="indicator__priority__strategy__partnership__key"
    )
    priority = django_filters.NumberFilter(field_name="indicator__priority")
    area = django_filters.CharFilter(field_name="area__gss_code", label="Area (GSS code)")
    period = django_filters.DateFilter(field_name="period_start", label="Period (first day)")
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "strategy", "partnership", "priority", "area", "period"]
