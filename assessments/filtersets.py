"""Filters shared by the assessment pages and the API: one FilterSet per model."""

from __future__ import annotations

import django_filters

from .models import POLICE_UK_CRIME_TYPES, Assessment, CrimeRecord, Figure, Measure


class AssessmentFilterSet(django_filters.FilterSet):
    """Assessments by partnership, status and the period they cover."""

    partnership = django_filters.CharFilter(
        field_name="partnership__key", label="Partnership (key)"
    )
    status = django_filters.ChoiceFilter(choices=Assessment.Status.choices)
    period_from = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label="Covering a day on or after (date)"
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label="Covering a day on or before (date)"
    )

    class Meta:
        model = Assessment
        fields = ["partnership", "status", "period_from", "period_to"]


class MeasureFilterSet(django_filters.FilterSet):
    unit = django_filters.ChoiceFilter(choices=Measure.Unit.choices)

    class Meta:
        model = Measure
        fields = ["unit", "key"]


class FigureFilterSet(django_filters.FilterSet):
    """Figures by assessment, section, measure, area and period."""

    assessment = django_filters.CharFilter(field_name="assessment__slug", label="Assessment (slug)")
    partnership = django_filters.CharFilter(
        field_name="assessment__partnership__key", label="Partnership (key)"
    )
    section = django_filters.ChoiceFilter(choices=Figure.Section.choices)
    measure = django_filters.CharFilter(field_name="measure__key", label="Measure (key)")
    area = django_filters.CharFilter(field_name="area__gss_code", label="Area (GSS code)")
    crime_type = django_filters.CharFilter(label="police.uk crime type (hotspots by type)")
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period_end", lookup_expr="lte")

    class Meta:
        model = Figure
        fields = ["assessment", "partnership", "section", "measure", "area", "crime_type"]


class CrimeCountFilterSet(django_filters.FilterSet):
    """Monthly police.uk counts by area, partnership, month and crime type."""

    area = django_filters.CharFilter(field_name="area__gss_code", label="Area (GSS code)")
    partnership = django_filters.CharFilter(
        field_name="area__partnerships__key", label="Partnership (key)"
    )
    month_from = django_filters.DateFilter(
        field_name="month", lookup_expr="gte", label="From month (first day, e.g. 2023-10-01)"
    )
    month_to = django_filters.DateFilter(
        field_name="month", lookup_expr="lte", label="To month (first day, e.g. 2024-09-01)"
    )
    crime_type = django_filters.ChoiceFilter(
        choices=[(t, t) for t in POLICE_UK_CRIME_TYPES], label="police.uk crime type"
    )
    force = django_filters.CharFilter(field_name="force", label='Force ("Falls within")')

    class Meta:
        model = CrimeRecord
        fields = ["area", "partnership", "month_from", "month_to", "crime_type", "force"]
