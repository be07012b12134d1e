"""GOV.UK-pattern forms for starting an exercise, weighing criteria, candidates and the strategy."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from assessments.models import Assessment, Figure
from surveys.analysis import normalise_text
from surveys.models import Question, Survey

from .models import CRITERIA, Candidate, Exercise


class ExerciseForm(forms.Form):
    """Which published assessment and survey the exercise starts from."""

    title = forms.CharField(
        label="Name of the exercise",
        max_length=200,
        help_text="For example, Dartford priorities 2025 to 2028.",
        error_messages={"required": "Enter a name for the exercise"},
    )
    assessment = forms.ModelChoiceField(
        label="Strategic assessment",
        queryset=Assessment.objects.none(),
        empty_label="Choose a published assessment",
        error_messages={"required": "Choose the strategic assessment"},
    )
    survey = forms.ModelChoiceField(
        label="Public survey (optional)",
        queryset=Survey.objects.none(),
        required=False,
        empty_label="No survey",
    )

    def __init__(self, *args, partnership_ids: set[int] | None, **kwargs):
        super().__init__(*args, **kwargs)
        assessments = Assessment.objects.filter(status=Assessment.Status.PUBLISHED)
        surveys = Survey.objects.all()
        if partnership_ids is not None:
            assessments = assessments.filter(partnership_id__in=partnership_ids)
            surveys = surveys.filter(partnership_id__in=partnership_ids)
        self.fields["assessment"].queryset = assessments.select_related("partnership")
        self.fields["survey"].queryset = surveys

    def clean(self):
        data = super().clean()
        assessment, survey = data.get("assessment"), data.get("survey")
        if assessment and survey and survey.partnership_id != assessment.partnership_id:
            self.add_error("survey", "Choose a survey of the same partnership as the assessment")
        return data


class WeightsForm(forms.Form):
    """How much each criterion counts; equal by default."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, exercise: Exercise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = exercise.version
        for key, label in CRITERIA:
            self.fields[key] = forms.DecimalField(
                label=label,
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=format(exercise.weights[key].normalize(), "f"),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
                error_messages={
                    "required": f"Enter a weight for {label.lower()}",
                    "invalid": f"Weight for {label.lower()} must be a number",
                    "min_value": f"Weight for {label.lower()} must be 0 or more",
                    "max_value": f"Weight for {label.lower()} must be 100 or less",
                    "max_decimal_places": f"Weight for {label.lower()} can have 2 decimal places",
                },
            )

    def clean(self):
        data = super().clean()
        if all(data.get(k) is not None for k, _ in CRITERIA) and not any(
            data[k] for k, _ in CRITERIA
        ):
            raise ValidationError("At least one criterion must have a weight above 0")
        return data

    def weights(self) -> dict[str, Decimal]:
        return {key: self.cleaned_data[key] for key, _ in CRITERIA}


def _figure_label(figure: Figure) -> str:
    label = figure.measure.name + (f": {figure.label}" if figure.label else "")
    value = "" if figure.value is None else f" = {figure.value.normalize():f}"
    return label + value


def _question_label(question: Question) -> str:
    return question.text + (f" ({question.section.title})" if question.section_id else "")


class CandidateForm(forms.Form):
    """A candidate's name, evidence sources and the partnership's added-value judgement."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={"required": "Enter a name for the candidate"},
    )
    figures = forms.ModelMultipleChoiceField(
        label="Assessment figures it draws on",
        queryset=Figure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    questions = forms.ModelMultipleChoiceField(
        label="Survey items it draws on",
        queryset=Question.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    added_value = forms.TypedChoiceField(
        label="Partnership added value",
        choices=[("", "Not judged yet")] + [(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="1: little the partnership adds beyond one agency's own work; "
        "5: only the partnership working together can make a difference.",
    )
    added_value_reason = forms.CharField(
        label="Reason for the added-value score",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, exercise: Exercise, candidate: Candidate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        from .evidence import candidate_figures, candidate_questions

        figure_ids = [f.pk for f in candidate_figures(exercise)]
        question_ids = [q.pk for q in candidate_questions(exercise)]
        self.fields["figures"].queryset = (
            Figure.objects.filter(pk__in=figure_ids)
            .select_related("measure")
            .order_by("section", "order")
        )
        self.fields["figures"].label_from_instance = _figure_label
        self.fields["questions"].queryset = (
            Question.objects.filter(pk__in=question_ids).select_related("section").order_by("order")
        )
        self.fields["questions"].label_from_instance = _question_label
        if candidate is None:
            del self.fields["added_value"], self.fields["added_value_reason"]
        else:
            sources = list(candidate.sources.all())
            self.initial.setdefault("name", candidate.name)
            self.initial.setdefault("version", candidate.version)
            self.initial.setdefault("figures", [s.figure_id for s in sources if s.figure_id])
            self.initial.setdefault("questions", [s.question_id for s in sources if s.question_id])
            self.initial.setdefault(
                "added_value", "" if candidate.added_value is None else str(candidate.added_value)
            )
            self.initial.setdefault("added_value_reason", candidate.added_value_reason)

    def clean(self):
        data = super().clean()
        if (
            "added_value" in self.fields
            and data.get("added_value")
            and not (data.get("added_value_reason") or "").strip()
        ):
            self.add_error("added_value_reason", "Give the reason for the added-value score")
        return data


class MergeForm(forms.Form):
    """Two or more candidates become one, e.g. VAWG drawing on several categories and items."""

    candidates = forms.ModelMultipleChoiceField(
        label="Candidates to merge",
        queryset=Candidate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least 2 candidates to merge"},
    )
    name = forms.CharField(
        label="Name of the merged candidate",
        max_length=200,
        error_messages={"required": "Enter a name for the merged candidate"},
    )

    def __init__(self, *args, exercise: Exercise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = exercise.candidates.current()

    def clean_candidates(self):
        chosen = self.cleaned_data["candidates"]
        if len(chosen) < 2:
            raise ValidationError("Select at least 2 candidates to merge")
        return chosen


LINE = re.compile(r"^\s*(?P<category>.+?)\s*[,\t;]\s*(?P<weight>[^,\t;]+?)\s*$")


class HarmForm(forms.Form):
    """A harm weight per category, typed or pasted as a table, with the source named."""

    table = forms.CharField(
        label="Harm weights",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        required=False,
        help_text="One category a line: its name, a comma (or tab), then its weight. "
        "You can paste rows from a published crime-harm index.",
    )
    source = forms.CharField(
        label="Source of the weights",
        max_length=300,
        help_text="For example, Cambridge Crime Harm Index, or the partnership's own judgement.",
    )

    def __init__(self, *args, categories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        self.fields["source"].error_messages["required"] = "Enter the source of the weights"

    def clean_table(self) -> dict[str, Decimal]:
        known = {normalise_text(c): c for c in self.categories}
        weights: dict[str, Decimal] = {}
        problems: list[str] = []
        for number, line in enumerate(self.cleaned_data["table"].splitlines(), start=1):
            if not line.strip():
                continue
            match = LINE.match(line)
            if not match:
                problems.append(f"line {number} has no comma or tab before the weight")
                continue
            category = known.get(normalise_text(match["category"]))
            if category is None:
                problems.append(f"line {number}: “{match['category']}” is not a category here")
                continue
            try:
                weight = Decimal(match["weight"].replace(",", ""))
            except InvalidOperation:
                problems.append(f"line {number}: “{match['weight']}” is not a number")
                continue
            if not weight.is_finite() or weight < 0 or weight >= Decimal("1e8"):
                problems.append(f"line {number}: the weight must be 0 or more")
                continue
            weights[category] = weight.quantize(Decimal("0.01"))
        if problems:
            raise ValidationError("Check the harm weights: " + "; ".join(problems))
        return weights


class StrategyForm(forms.Form):
    """The draft strategy: which candidates become priorities, and its name and years."""

    candidates = forms.ModelMultipleChoiceField(
        label="Candidates to make priorities",
        queryset=Candidate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least 1 candidate"},
    )
    title = forms.CharField(
        label="Title of the strategy",
        max_length=200,
        error_messages={"required": "Enter the title of the strategy"},
    )
    start_year = forms.IntegerField(
        label="First year",
        min_value=2000,
        max_value=2100,
        error_messages={"required": "Enter the first year", "invalid": "Enter a year"},
    )
    end_year = forms.IntegerField(
        label="Last year",
        min_value=2000,
        max_value=2100,
        error_messages={"required": "Enter the last year", "invalid": "Enter a year"},
    )

    def __init__(self, *args, exercise: Exercise, ranked: list[tuple[Candidate, str]], **kwargs):
        """`ranked`: the current candidates best first, each with its rank and score in words."""
        super().__init__(*args, **kwargs)
        field = self.fields["candidates"]
        field.queryset = exercise.candidates.current()
        field.choices = [(c.pk, f"{c.name} ({words})") for c, words in ranked]
        year = dt.date.today().year
        self.initial.setdefault("start_year", year)
        self.initial.setdefault("end_year", year + 3)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", "Last year must be the same as or after the first year")
        return data
