"""API for priority-setting exercises, their candidates and the scored matrix.

Reads go through `Exercise.objects.visible_to` (members of the partnership only); writes go
through priority_setting.services with channel "api", the same version check as the pages
(ETag and If-Match) and the same rule: only the partnership's CSU officers change anything.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from api.base import ETagMixin, ExportMixin
from api.export import csv_response, xlsx_response
from api.filters import out_of_range
from partners import access
from priority_setting import evidence, services
from priority_setting.models import CRITERIA, Candidate, Exercise

from .serializers import CandidateSerializer, ExerciseSerializer, ScoreSerializer

WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid input: a message per field."),
    403: OpenApiResponse(description="Only the partnership's CSU officers change exercises."),
    404: OpenApiResponse(description="Not found, or not visible to you."),
    412: OpenApiResponse(description="If-Match does not match the current ETag: re-read."),
    428: OpenApiResponse(description="If-Match header missing."),
}
EXERCISE_PARAM = OpenApiParameter("exercise", int, required=True, description="The exercise's id.")


def _exercise_param(request) -> Exercise:
    raw = request.query_params.get("exercise", "")
    if not raw.strip().isdigit() or out_of_range(raw):
        raise ValidationError({"exercise": ["Give the exercise's id."]})
    exercise = Exercise.objects.visible_to(request.user).filter(pk=int(raw)).first()
    if exercise is None:
        raise NotFound("No exercise with that id is visible to you.")
    return exercise


@extend_schema_view(
    partial_update=extend_schema(responses={200: ExerciseSerializer, **WRITE_ERRORS})
)
class ExerciseViewSet(
    ETagMixin, ExportMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Priority-setting exercises of your partnerships; PATCH the criteria's weights."""

    serializer_class = ExerciseSerializer
    filter_backends: list = []
    export_name = "priority-exercises"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Exercise.objects.visible_to(self.request.user)
            .select_related("partnership", "assessment", "survey", "strategy")
            .order_by("-created_at", "-pk")
        )

    def partial_update(self, request, *args, **kwargs):
        exercise = self.get_object()
        if not access.is_officer(request.user, exercise.partnership_id):
            raise PermissionDenied("Only the partnership's CSU officers change exercises.")
        version = self.expected_version(exercise)
        serializer = self.get_serializer(exercise, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        weights = {
            key: serializer.validated_data[f"weight_{key}"]
            for key, _ in CRITERIA
            if f"weight_{key}" in serializer.validated_data
        }
        merged = {**exercise.weights, **weights}
        if not any(merged.values()):
            raise ValidationError(
                {"detail": ["At least one criterion must have a weight above 0."]}
            )
        return self.saved(
            lambda: services.update_weights(
                exercise=exercise,
                expected_version=version,
                weights=weights,
                user=request.user,
                channel="api",
            )
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("exercise", int, required=False, description="An exercise's id.")
        ]
    ),
    partial_update=extend_schema(responses={200: CandidateSerializer, **WRITE_ERRORS}),
)
class CandidateViewSet(
    ETagMixin, ExportMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Candidates still in the matrix, with their evidence sources; PATCH name or added value."""

    serializer_class = CandidateSerializer
    filter_backends: list = []
    export_name = "priority-candidates"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        qs = (
            Candidate.objects.current()
            .filter(exercise__in=Exercise.objects.visible_to(self.request.user))
            .select_related("exercise")
            .prefetch_related("sources__figure__measure", "sources__question__section")
            .order_by("exercise_id", "order", "pk")
        )
        raw = self.request.query_params.get("exercise")
        if raw is not None and self.action == "list":
            if not raw.strip().isdigit() or out_of_range(raw):
                raise ValidationError({"exercise": ["Give the exercise's id."]})
            qs = qs.filter(exercise_id=int(raw))
        return qs

    def partial_update(self, request, *args, **kwargs):
        candidate = self.get_object()
        if not access.is_officer(request.user, candidate.exercise.partnership_id):
            raise PermissionDenied("Only the partnership's CSU officers change candidates.")
        version = self.expected_version(candidate)
        serializer = self.get_serializer(candidate, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = {
            k: v
            for k, v in serializer.validated_data.items()
            if k in ("name", "added_value", "added_value_reason")
        }
        return self.saved(
            lambda: services.update_candidate(
                candidate=candidate,
                expected_version=version,
                values=values,
                user=request.user,
                channel="api",
            )
        )


def _float(value):
    return None if value is None else round(float(value), 2)


def score_rows(exercise: Exercise) -> list[dict]:
    """The matrix as plain rows, best first: what the page's table shows."""
    rows = []
    for r in evidence.matrix(exercise):
        row = {
            "candidate": r.candidate.pk,
            "name": r.candidate.name,
            "rank": r.row.ranked.rank,
            "rank_label": r.row.ranked.label,
            "total": _float(r.row.total),
            "criteria_with_evidence": r.row.criteria_used,
        }
        for key, _ in CRITERIA:
            row[key] = _float(r.row.raw[key])
            row[f"{key}_score"] = _float(r.row.scores[key])
        rows.append(row)
    return rows


class ScoreViewSet(ExportMixin, viewsets.GenericViewSet):
    """The scored matrix of one exercise: evidence, 0-100 scores, total and rank per candidate."""

    serializer_class = ScoreSerializer
    filter_backends: list = []
    export_name = "priority-scores"

    @extend_schema(
        parameters=[EXERCISE_PARAM],
        responses={
            200: ScoreSerializer(many=True),
            400: OpenApiResponse(description="The exercise parameter is missing or not an id."),
            404: OpenApiResponse(description="Not found, or not visible to you."),
        },
    )
    def list(self, request):
        rows = score_rows(_exercise_param(request))
        fmt = getattr(request.accepted_renderer, "format", "json")
        if fmt == "csv":
            return csv_response(rows, self.export_name)
        if fmt == "xlsx":
            return xlsx_response(rows, self.export_name, self.export_name)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
