"""Filters for the survey API lists."""

from __future__ import annotations

import django_filters

from .models import Question, Survey


class SurveyFilterSet(django_filters.FilterSet):
    partnership = django_filters.CharFilter(
        field_name="partnership__key", label="Partnership (key)"
    )
    status = django_filters.ChoiceFilter(choices=Survey.Status.choices)

    class Meta:
        model = Survey
        fields = ["partnership", "status"]


class QuestionFilterSet(django_filters.FilterSet):
    survey = django_filters.CharFilter(field_name="survey__slug", label="Survey (slug)")
    section = django_filters.CharFilter(field_name="section__key", label="Section (key)")
    kind = django_filters.ChoiceFilter(choices=Question.Kind.choices)

    class Meta:
        model = Question
        fields = ["survey", "section", "kind"]
