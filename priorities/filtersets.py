"""Filters shared by the HTML lists and (later) the API viewsets."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q

from partners.models import Organisation, User

from .models import Action, Priority, Strategy


class ActionFilterSet(django_filters.FilterSet):
    """Actions by strategy, priority, lead organisation, owner, status and overdue."""

    q = django_filters.CharFilter(method="filter_text", label="Search")
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
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue",
        widget=forms.Select(
            choices=[("", "Either"), ("true", "Overdue only"), ("false", "Not overdue")]
        ),
    )
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    ordering = django_filters.ChoiceFilter(
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

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        strategies = (
            Strategy.objects.visible_to(user) if user is not None else Strategy.objects.none()
        )
        self.filters["strategy"].queryset = strategies
        self.filters["priority"].queryset = Priority.objects.filter(
            strategy__in=strategies
        ).select_related("strategy")
        self.filters["lead_organisation"].queryset = Organisation.objects.filter(
            led_actions__isnull=False
        ).distinct()
        pids = user.partnership_ids() if getattr(user, "is_authenticated", False) else set()
        self.filters["owner"].queryset = User.objects.filter(roles__partnership__in=pids).distinct()
        self.filters["owner"].field.label_from_instance = lambda u: u.display_name
        self.filters["priority"].field.label_from_instance = lambda p: (
            f"{p.strategy.period} – Priority {p.number}: {p.title}"
        )

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
        if value is None:
            return queryset
        overdue = Q(due_date__lt=dt.date.today()) & ~Q(status=Action.Status.COMPLETED)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
