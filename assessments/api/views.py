"""Read-only API for strategic assessments, their measures and figures, and crime counts.

Reads go through the same visibility rules as the pages: published assessments are public,
drafts only for their partnership's people. Figures are the stored ones, so the API says what
the page says. Crime counts are the imported police.uk open data, grouped by area, month and
crime type in the database (one row per group, never per crime).
"""

from __future__ import annotations

from django.db.models import Count, Prefetch
from rest_framework import mixins, viewsets

from api.base import ETagMixin, ExportMixin
from assessments.filtersets import (
    AssessmentFilterSet,
    CrimeCountFilterSet,
    FigureFilterSet,
    MeasureFilterSet,
)
from assessments.models import Assessment, CrimeRecord, Figure, KeyFinding, Measure

from .serializers import (
    AssessmentSerializer,
    CrimeCountSerializer,
    FigureSerializer,
    MeasureSerializer,
)


class AssessmentViewSet(ETagMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Strategic assessments you may read: published ones, and your partnership's drafts."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilterSet
    ordering_fields = ["period_end", "title", "updated_at"]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    export_name = "assessments"

    def get_queryset(self):
        return (
            Assessment.objects.visible_to(self.request.user)
            .select_related("partnership")
            .prefetch_related(Prefetch("findings", queryset=KeyFinding.objects.order_by("order")))
            .order_by("-period_end", "pk")
        )


class MeasureViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """What figures measure, shared by every assessment: names and units."""

    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    ordering_fields = ["name", "key"]
    export_name = "measures"
    queryset = Measure.objects.order_by("name")


class FigureViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Every stored figure of the assessments you may read; filter by `assessment` (slug)."""

    serializer_class = FigureSerializer
    filterset_class = FigureFilterSet
    ordering_fields = ["order", "period_start"]
    export_name = "assessment-figures"

    def get_queryset(self):
        return (
            Figure.objects.filter(assessment__in=Assessment.objects.visible_to(self.request.user))
            .select_related("assessment__partnership", "measure", "area", "source_organisation")
            .order_by("assessment_id", "order", "pk")
        )


class CrimeCountViewSet(ExportMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Monthly police.uk counts per area and crime type, from the imported open data.

    Filter by `partnership`, `area`, `month_from`, `month_to`, `crime_type`, `force`.
    """

    serializer_class = CrimeCountSerializer
    filterset_class = CrimeCountFilterSet
    ordering_fields: list[str] = []
    export_name = "crime-counts"

    def get_queryset(self):
        return CrimeRecord.objects.all()

    def filter_queryset(self, queryset):
        """Filter the rows first, then count them per group in the database."""
        rows = super().filter_queryset(queryset)
        return (
            rows.values("area__gss_code", "area__name", "month", "crime_type")
            .annotate(count=Count("pk"))
            .order_by("month", "area__gss_code", "crime_type")
        )
