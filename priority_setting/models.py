"""Priority-setting exercises: candidate issues, their evidence and the weights of the matrix.

An exercise belongs to one partnership and draws on one published assessment and (optionally)
one survey. It is the partnership's working paper: only people with a role in the partnership
see it, and only its CSU officers change it (decided in partners.access).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from assessments.models import Assessment, Figure
from partners.models import Partnership
from surveys.models import Question, Survey

# The five considerations both seed strategies name, in the order they name them.
CRITERIA: tuple[tuple[str, str], ...] = (
    ("volume", "Volume"),
    ("harm", "Level of harm"),
    ("concern", "Community concern"),
    ("added_value", "Partnership added value"),
    ("trend", "Trend"),
)


class ExerciseQuerySet(models.QuerySet):
    def visible_to(self, user) -> ExerciseQuerySet:
        """Working papers: people with a role in the partnership (and superusers) only."""
        from partners.access import is_superuser, member_partnership_ids

        if is_superuser(user):
            return self
        return self.filter(partnership_id__in=member_partnership_ids(user))


def _weight_field(label: str) -> models.DecimalField:
    return models.DecimalField(
        f"weight of {label.lower()}",
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )


class Exercise(models.Model):
    """One round of choosing priorities: the evidence it draws on and the criteria's weights."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="priority_exercises"
    )
    title = models.CharField(max_length=200)
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weight_volume = _weight_field("Volume")
    weight_harm = _weight_field("Level of harm")
    weight_concern = _weight_field("Community concern")
    weight_added_value = _weight_field("Partnership added value")
    weight_trend = _weight_field("Trend")
    strategy = models.ForeignKey(
        "priorities.Strategy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The draft strategy made from this exercise, once made.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("priority_exercise", args=[self.pk])

    @property
    def weights(self) -> dict[str, Decimal]:
        return {key: getattr(self, f"weight_{key}") for key, _ in CRITERIA}


class CandidateQuerySet(models.QuerySet):
    def current(self) -> CandidateQuerySet:
        """Candidates still in the matrix: merged ones stay only for the record."""
        return self.filter(merged_into__isnull=True)


class Candidate(models.Model):
    """An issue that might become a priority, with the partnership's own added-value judgement."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)
    added_value = models.PositiveSmallIntegerField(
        "partnership added value",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (little the partnership adds) to 5 (only the partnership can do it).",
    )
    added_value_reason = models.TextField("reason for the added-value score", blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["exercise", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class CandidateSource(models.Model):
    """One piece of evidence a candidate draws on: an assessment figure or a survey item."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="sources")
    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, null=True, blank=True)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        ordering = ["candidate", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(figure__isnull=False, question__isnull=True)
                | models.Q(figure__isnull=True, question__isnull=False),
                name="candidate_source_is_figure_or_question",
            )
        ]

    def __str__(self) -> str:
        return str(self.figure or self.question)


class HarmWeight(models.Model):
    """The harm weight officers give one category, e.g. from a published crime-harm index."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="harm_weights")
    category = models.CharField(max_length=200)
    weight = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    source = models.CharField(
        max_length=300, help_text="Where the weight comes from, e.g. a named crime-harm index."
    )

    class Meta:
        ordering = ["exercise", "category"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "category"], name="unique_harm_category")
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.weight}"
