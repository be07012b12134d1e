"""Read-only API for surveys, their questions, results and breakdowns.

Reads go through the same visibility rules as the pages, and results come from the same
services, so withheld counts are withheld here exactly as on the pages and in downloads.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, ValidationError

from api.base import ExportMixin
from api.export import csv_response, xlsx_response
from surveys import services
from surveys.filtersets import QuestionFilterSet, SurveyFilterSet
from surveys.models import Question, Survey

from .serializers import (
    BreakdownCellSerializer,
    QuestionSerializer,
    ResultSerializer,
    SurveySerializer,
)

SURVEY_PARAM = OpenApiParameter("survey", str, required=True, description="The survey's slug.")
ERRORS = {
    400: OpenApiResponse(description="A required parameter is missing or unknown."),
    404: OpenApiResponse(description="Not found, or not visible to you."),
}


def _survey(request) -> Survey:
    slug = request.query_params.get("survey")
    if not slug:
        raise ValidationError({"survey": ["Give the survey's slug."]})
    survey = Survey.objects.visible_to(request.user).filter(slug=slug).first()
    if survey is None:
        raise NotFound("No survey with that slug is visible to you.")
    return survey


class SurveyViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Surveys you may read: published ones, and your partnership's drafts."""

    serializer_class = SurveySerializer
    filterset_class = SurveyFilterSet
    ordering_fields = ["fieldwork_start", "title"]
    lookup_field = "slug"
    export_name = "surveys"

    def get_queryset(self):
        return (
            Survey.objects.visible_to(self.request.user)
            .select_related("partnership", "strategy")
            .order_by("-fieldwork_start", "pk")
        )


class QuestionViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Questions of the surveys you may read, in document order, with their answers."""

    serializer_class = QuestionSerializer
    filterset_class = QuestionFilterSet
    ordering_fields = ["order"]
    export_name = "survey-questions"

    def get_queryset(self):
        return (
            Question.objects.filter(survey__in=Survey.objects.visible_to(self.request.user))
            .select_related("survey", "section")
            .prefetch_related("options")
            .order_by("survey_id", "order", "pk")
        )


class _RowsMixin(ExportMixin):
    """Lists built from rows rather than a queryset: paginated JSON, or every row as a file."""

    def respond(self, rows: list[dict]):
        fmt = getattr(self.request.accepted_renderer, "format", "json")
        if fmt in ("csv", "xlsx"):
            data = (self.get_serializer(row).data for row in rows)
            if fmt == "csv":
                return csv_response(data, self.export_name)
            return xlsx_response(data, self.export_name, self.export_name)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class SurveyResultViewSet(_RowsMixin, viewsets.GenericViewSet):
    """Every answer's figure for one survey: published, or computed with small numbers withheld."""

    serializer_class = ResultSerializer
    filter_backends: list = []
    export_name = "survey-results"

    @extend_schema(
        parameters=[SURVEY_PARAM], responses={200: ResultSerializer(many=True), **ERRORS}
    )
    def list(self, request):
        survey = _survey(request)
        rows = []
        for r in services.item_results(survey):
            q = r.question
            dist = r.distribution()
            options = {o.label: o.pk for o in q.options.all()}
            for share in dist.shares:
                f = share.figure
                rows.append(
                    {
                        "question": q.pk,
                        "question_key": q.key,
                        "question_text": q.text,
                        "section": q.section.key if q.section_id else None,
                        "option": options[share.label],
                        "answer": share.label,
                        "count": None if share.withheld else share.count,
                        "percentage": None if share.withheld else share.percentage,
                        "percentage_places": share.places,
                        "chart_percentage": f.chart_percentage if f else None,
                        "computed_percentage": None if r.computed else share.computed_percentage,
                        "base": dist.base,
                        "disclosure": share.disclosure,
                        "flag": f.flag if f else "",
                        "note": f.note if f else "",
                        "source": "computed" if r.computed else "published",
                    }
                )
        return self.respond(rows)


class SurveyBreakdownViewSet(_RowsMixin, viewsets.GenericViewSet):
    """An item of a survey broken down by a question about the respondents."""

    serializer_class = BreakdownCellSerializer
    filter_backends: list = []
    export_name = "survey-breakdown"

    @extend_schema(
        parameters=[
            SURVEY_PARAM,
            OpenApiParameter("question", str, required=True, description="The item's key."),
            OpenApiParameter(
                "by", str, required=True, description="The demographic question's key."
            ),
        ],
        responses={200: BreakdownCellSerializer(many=True), **ERRORS},
    )
    def list(self, request):
        survey = _survey(request)
        items, demographics = services.breakdown_questions(survey)
        question = next((q for q in items if q.key == request.query_params.get("question")), None)
        by = next((q for q in demographics if q.key == request.query_params.get("by")), None)
        if question is None or by is None:
            raise ValidationError(
                {"question": ["Give an item's key."], "by": ["Give a demographic question's key."]}
            )
        table = services.breakdown(survey, question, by)
        rows = []
        for row in table.rows if table else []:
            for label, cell in zip([*table.columns, "Total"], [*row.cells, row.total], strict=True):
                rows.append(
                    {
                        "group": row.label,
                        "answer": label,
                        "count": cell.count,
                        "percentage": cell.percentage,
                        "disclosure": cell.disclosure,
                    }
                )
        return self.respond(rows)
