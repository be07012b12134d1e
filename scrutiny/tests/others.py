"""Data in the assessments and surveys apps, made through their models looked up by name.

Those apps are built alongside this one; tests that need them skip if their models are absent.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from partners.models import Partnership


def model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        pytest.skip(f"{app_label}.{name} is not installed yet")


def assessment(slug: str, status: str, figures: list[tuple[str, Decimal, Decimal | None]]):
    """An assessment for 1 Oct 2023 - 30 Sep 2024 with headline (measure, value, change %)."""
    Assessment = model("assessments", "Assessment")
    Measure = model("assessments", "Measure")
    Figure = model("assessments", "Figure")
    a = Assessment.objects.create(
        partnership=Partnership.objects.get(key="dartford"),
        slug=slug,
        title=f"Assessment {slug}",
        period_start=dt.date(2023, 10, 1),
        period_end=dt.date(2024, 9, 30),
        status=status,
    )
    for order, (name, value, change) in enumerate(figures):
        measure, _ = Measure.objects.get_or_create(key=slug + str(order), defaults={"name": name})
        Figure.objects.create(
            assessment=a,
            measure=measure,
            section="headline",
            period_start=a.period_start,
            period_end=a.period_end,
            value=value,
            change_percent=change,
            source_dataset="Police recorded crime",
            order=order,
        )
    return a


def survey(slug: str, status: str, fieldwork_end: dt.date, strategy):
    Survey = model("surveys", "Survey")
    return Survey.objects.create(
        partnership=strategy.partnership,
        strategy=strategy,
        slug=slug,
        title=f"Survey {slug}",
        status=status,
        fieldwork_end=fieldwork_end,
    )


def rating_item(survey, section_title: str, order: int, text: str):
    """A rating question on the standard five-point problem scale; returns (question, options)."""
    Section = model("surveys", "Section")
    Question = model("surveys", "Question")
    Option = model("surveys", "AnswerOption")
    section, _ = Section.objects.get_or_create(
        survey=survey,
        key=section_title.lower().replace(" ", "-"),
        defaults={"title": section_title},
    )
    question = Question.objects.create(
        survey=survey, section=section, key=f"q{order}", kind="rating", text=text, order=order
    )
    labels = [
        "Very big problem",
        "Fairly big problem",
        "Not a big problem",
        "Not a problem at all",
        "Don’t know",
    ]
    options = [
        Option.objects.create(
            question=question, label=label, order=i, counts_as_concern=i < 2, is_dont_know=i == 4
        )
        for i, label in enumerate(labels)
    ]
    return question, options


def published(survey, section_title: str, order: int, text: str, percentages: list[int]):
    PublishedResult = model("surveys", "PublishedResult")
    question, options = rating_item(survey, section_title, order, text)
    for option, pct in zip(options, percentages, strict=True):
        PublishedResult.objects.create(question=question, option=option, percentage=Decimal(pct))


def computed(survey, order: int, text: str, base: int, concern: list[int], disclosure: str):
    """Overall counts computed from imported responses, with their disclosure decision."""
    ComputedResult = model("surveys", "ComputedResult")
    question, options = rating_item(survey, "Local issues", order, text)
    now = timezone.now()
    ComputedResult.objects.create(
        survey=survey,
        question=question,
        option=None,
        count=base,
        disclosure=disclosure,
        computed_at=now,
    )
    for option, count in zip(options, concern, strict=False):
        ComputedResult.objects.create(
            survey=survey,
            question=question,
            option=option,
            count=count,
            disclosure=disclosure if count < 10 or base < 10 else "shown",
            computed_at=now,
        )
