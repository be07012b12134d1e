"""Public opinion surveys: the questionnaire, published and computed results, raw responses.

Who sees what (decided in partners.access, asked through `visible_to(user)`):
- a published survey's questionnaire and aggregate results are public;
- a draft survey is seen only by people with a role in its partnership;
- raw responses (Respondent, Answer, ResponseImport) are personal data, seen only by the
  partnership's CSU officers.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from partners.models import Partnership


class SurveyQuerySet(models.QuerySet):
    def visible_to(self, user) -> SurveyQuerySet:
        """Published surveys are public; drafts only for people with a role in the partnership."""
        from partners.access import visible_in_partnership_q

        return self.filter(visible_in_partnership_q(user, Q(status=Survey.Status.PUBLISHED)))


class Survey(models.Model):
    """One public opinion survey of a partnership: its fieldwork, questionnaire and results."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="surveys")
    strategy = models.ForeignKey(
        "priorities.Strategy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
        help_text="The strategy whose priorities this survey informed.",
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    fieldwork_start = models.DateField(null=True, blank=True)
    fieldwork_end = models.DateField(null=True, blank=True)
    method = models.TextField(blank=True, help_text="How people were invited to take part.")
    respondents = models.PositiveIntegerField(
        "number of respondents",
        null=True,
        blank=True,
        help_text="As published, or the number of imported responses.",
    )
    description = models.TextField(
        blank=True,
        help_text="What the survey asked, as published. Paragraphs separated by a blank line.",
    )
    results_note = models.TextField(
        blank=True, help_text="Anything a reader must know about how the results were published."
    )
    source_document = models.CharField(max_length=200, blank=True)
    # Surveys transcribed from a published document are managed by the seed loader.
    from_document = models.BooleanField(default=False, editable=False)
    retention_days = models.PositiveIntegerField(
        "keep raw responses for (days)",
        default=365,
        help_text="Counted from the end of fieldwork, or from the import when there are no "
        "fieldwork dates. Aggregate results are kept.",
    )
    responses_imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    responses_purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-fieldwork_start", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("survey_detail", args=[self.slug])

    def clean(self) -> None:
        if (
            self.fieldwork_start
            and self.fieldwork_end
            and self.fieldwork_end < self.fieldwork_start
        ):
            raise ValidationError(
                {"fieldwork_end": "The end of fieldwork must be after its start."}
            )

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.description.split("\n\n") if p.strip()]

    @property
    def retention_deadline(self) -> dt.date | None:
        """The day after which raw responses must be deleted."""
        start = self.fieldwork_end
        if start is None and self.responses_imported_at is not None:
            start = self.responses_imported_at.date()
        if start is None:
            return None
        return start + dt.timedelta(days=self.retention_days)


class Section(models.Model):
    """A part of the questionnaire (e.g. Violent Crime) whose items share a question."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="The section's question, as published.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["survey", "order"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="unique_survey_section_key")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("survey_section", args=[self.survey.slug, self.key])


class Question(models.Model):
    """An item of the questionnaire: a rating item, a choice, a follow-up or a demographic."""

    class Kind(models.TextChoices):
        RATING = "rating", "Rating scale"
        SINGLE_CHOICE = "single_choice", "Single choice"
        FOLLOW_UP = "multiple_choice_followup", "Follow-up multiple choice"
        DEMOGRAPHIC = "demographic", "About the respondent"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, null=True, blank=True, related_name="questions"
    )
    key = models.SlugField(max_length=120)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    text = models.CharField(max_length=300)
    note = models.TextField(blank=True, help_text="How the figures were published.")
    order = models.PositiveSmallIntegerField(default=0)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text="For a follow-up: the question whose answer leads to it.",
    )
    parent_option = models.ForeignKey(
        "AnswerOption",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text='For a follow-up: the answer it follows (e.g. "ASB").',
    )
    max_choices = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For a multiple choice: the most answers one may give."
    )
    dont_know_in_base = models.BooleanField(
        "count “Don’t know” in the base",
        default=True,
        help_text="Published percentages usually include “Don’t know”.",
    )

    class Meta:
        ordering = ["survey", "order"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="unique_survey_question_key")
        ]

    def __str__(self) -> str:
        if self.section_id:
            return f"{self.text} ({self.section.title})"
        return self.text

    def clean(self) -> None:
        if self.kind == self.Kind.FOLLOW_UP:
            if self.parent is None or self.parent_option is None:
                raise ValidationError("A follow-up needs the question and the answer it follows.")
            if self.parent_option.question_id != self.parent_id:
                raise ValidationError({"parent_option": "Choose an answer of the parent question."})
        if self.section_id and self.section.survey_id != self.survey_id:
            raise ValidationError({"section": "Choose a section of the same survey."})

    @property
    def is_rating(self) -> bool:
        return self.kind == self.Kind.RATING

    @property
    def is_multiple(self) -> bool:
        return self.kind == self.Kind.FOLLOW_UP


class AnswerOption(models.Model):
    """One answer a question offers, in order, with its label exactly as published."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    standard_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="The standard wording, where the published label differs from it.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    counts_as_concern = models.BooleanField(
        default=False, help_text="Counted in net concern (very big + fairly big problem)."
    )
    is_dont_know = models.BooleanField("is “Don’t know”", default=False)

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "label"], name="unique_option_label")
        ]

    def __str__(self) -> str:
        return self.label


class PublishedResult(models.Model):
    """A figure for one answer as the document published it: count, percentage and base."""

    class Flag(models.TextChoices):
        NONE = "", "Agrees with its count"
        ROUNDED_DOWN = "rounded_down", "Published percentage is rounded down"
        DISAGREES = "disagrees", "Published percentage disagrees with its count"
        NO_COUNT = "no_count", "No count published"

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="published_results"
    )
    option = models.ForeignKey(
        AnswerOption, on_delete=models.CASCADE, related_name="published_results"
    )
    count = models.PositiveIntegerField(null=True, blank=True)
    percentage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    percentage_places = models.PositiveSmallIntegerField(
        default=0, help_text="Decimal places as published (27.0% has one)."
    )
    chart_percentage = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The percentage the document's chart shows, where it has one.",
    )
    base = models.PositiveIntegerField(
        null=True, blank=True, help_text="The number of people the percentage is of."
    )
    flag = models.CharField(max_length=20, choices=Flag.choices, default=Flag.NONE, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["question", "option__order"]
        constraints = [
            models.UniqueConstraint(fields=["option"], name="unique_published_result_option")
        ]

    def __str__(self) -> str:
        return f"{self.question.text}: {self.option.label}"

    def clean(self) -> None:
        if self.option_id and self.question_id and self.option.question_id != self.question_id:
            raise ValidationError({"option": "Choose an answer of the same question."})


class ComputedResult(models.Model):
    """A count computed from raw responses, kept after the responses are deleted.

    `option` empty means the base (everyone who answered); `group_option` set means the count
    within one group of respondents (e.g. aged 65+); `group_question` set with no
    `group_option` means those who did not answer that demographic question. `disclosure` is
    decided once, when the counts are computed, so pages, downloads and the API agree.
    """

    class Disclosure(models.TextChoices):
        SHOWN = "shown", "Shown"
        FEWER_THAN_10 = "fewer_than_10", "Fewer than 10"
        SUPPRESSED = "suppressed", "Withheld to protect small numbers"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="computed_results")
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="computed_results"
    )
    option = models.ForeignKey(
        AnswerOption, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group_question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group_option = models.ForeignKey(
        AnswerOption, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    count = models.PositiveIntegerField()
    disclosure = models.CharField(max_length=20, choices=Disclosure.choices)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["survey", "question__order", "option__order"]
        indexes = [models.Index(fields=["survey", "group_question"])]

    def __str__(self) -> str:
        return f"{self.question.text}: {self.option or 'base'} = {self.count}"


class ItemMapping(models.Model):
    """An officer's confirmation that an item in one survey matches an item in a later one.

    An item is a question (a rating item) or one answer of a choice question (2019's "Theft of
    motor vehicles" was a choice within the Property crime top 3).
    """

    earlier_question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    earlier_option = models.ForeignKey(
        AnswerOption, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    later_question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    later_option = models.ForeignKey(
        AnswerOption, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["later_question__order", "later_option__order"]

    def __str__(self) -> str:
        earlier = self.earlier_option or self.earlier_question
        later = self.later_option or self.later_question
        return f"{earlier} ↔ {later}"

    def clean(self) -> None:
        if self.earlier_question.survey_id == self.later_question.survey_id:
            raise ValidationError("Map items of two different surveys.")
        for q, o in (
            (self.earlier_question, self.earlier_option),
            (self.later_question, self.later_option),
        ):
            if o is not None and o.question_id != q.pk:
                raise ValidationError("An answer must belong to its question.")


class RespondentQuerySet(models.QuerySet):
    def visible_to(self, user) -> RespondentQuerySet:
        """Raw responses are personal data: only the partnership's officers see them."""
        from partners.access import is_superuser, officer_partnership_ids

        if is_superuser(user):
            return self
        return self.filter(survey__partnership_id__in=officer_partnership_ids(user))


class ResponseImportQuerySet(RespondentQuerySet):
    pass


class ResponseImport(models.Model):
    """An uploaded export of raw responses, from upload through mapping to import."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Waiting for the mapping"
        QUEUED = "queued", "Importing"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Not imported"
        REPLACED = "replaced", "Replaced by a later import"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    # The file itself, kept only until it is imported (personal data).
    content = models.BinaryField(blank=True, default=b"", editable=False)
    encoding = models.CharField(max_length=40, blank=True)
    headers = models.JSONField(default=list)
    column_map = models.JSONField(default=dict, blank=True)
    answer_map = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    errors = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    respondents = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ResponseImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class Respondent(models.Model):
    """One person's raw response (personal data: only officers of the partnership see it)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="respondents_set")
    source_import = models.ForeignKey(
        ResponseImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    row_number = models.PositiveIntegerField(help_text="The row in the imported file.")

    objects = RespondentQuerySet.as_manager()

    class Meta:
        ordering = ["survey", "row_number"]

    def __str__(self) -> str:
        return f"Response in row {self.row_number}"


class Answer(models.Model):
    """One answer of one respondent (several for a multiple choice)."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(AnswerOption, on_delete=models.CASCADE, related_name="answers")

    class Meta:
        indexes = [models.Index(fields=["question", "option"])]

    def __str__(self) -> str:
        return f"{self.question.text}: {self.option.label}"
