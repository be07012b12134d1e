"""Forms for setting up a survey, importing its responses and choosing what to show."""

from __future__ import annotations

from django import forms
from django.conf import settings

from partners.access import officer_partnership_ids
from partners.models import Partnership

from . import imports
from .models import Question, Survey


def pluralize(word: str, n: int) -> str:
    return word if n == 1 else f"{word}s"


class SurveyCreateForm(forms.Form):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(), empty_label=None, label="Partnership"
    )
    title = forms.CharField(
        max_length=200, label="Title", help_text="For example, Dartford public opinion survey 2026."
    )
    fieldwork_start = forms.DateField(
        label="Fieldwork started", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    fieldwork_end = forms.DateField(
        label="Fieldwork ended", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    method = forms.CharField(
        label="How people took part",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, online on the council website and social media.",
    )
    retention_days = forms.IntegerField(
        label="Keep raw responses for (days)",
        min_value=1,
        max_value=3650,
        initial=365,
        help_text="Counted from the end of fieldwork. Raw responses are personal data and are "
        "deleted after this; the results are kept.",
    )
    copy_from = forms.ModelChoiceField(
        queryset=Survey.objects.none(),
        required=False,
        label="Use the questions of an earlier survey",
        empty_label="No, start with an empty questionnaire",
        help_text="The sections, items and answers are copied, and each item is recorded as "
        "matching the earlier one so the two surveys can be compared.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = Partnership.objects.filter(
            pk__in=officer_partnership_ids(user)
        )
        self.fields["copy_from"].queryset = (
            Survey.objects.visible_to(user).filter(questions__kind=Question.Kind.RATING).distinct()
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("fieldwork_start"), data.get("fieldwork_end")
        if start and end and end < start:
            self.add_error("fieldwork_end", "The end of fieldwork must be on or after its start.")
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload the export",
        help_text="A CSV or Excel (.xlsx) file with one row per respondent and one column per "
        "question, as the survey tool exports it.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file must be smaller than {limit} MB.")
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("The file must be a CSV or an Excel (.xlsx) file.")
        return upload


def question_label(q: Question) -> str:
    """ "Robbery (Violent Crime)": items with the same text stay apart in a list."""
    if q.section_id:
        return f"{q.text} ({q.section.title})"
    if q.parent_option_id:
        return f"{q.text} ({q.parent_option.label})"
    return q.text


def question_choices(questions: list[Question]) -> list:
    """Every question in document order, then the choice to add a demographic."""
    return [
        (imports.SKIP, "Do not import this column"),
        *[(q.key, question_label(q)) for q in questions],
        (imports.NEW_DEMOGRAPHIC, "A new question about the respondent (for example age)"),
    ]


class ColumnMapForm(forms.Form):
    """One select per column of the file: which question it answers."""

    def __init__(
        self, *args, headers: list[str], questions: list[Question], initial_map: dict, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = question_choices(questions)
        self.texts = {q.key: question_label(q) for q in questions}
        for i, header in enumerate(headers):
            self.fields[f"column_{i}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                initial=initial_map.get(str(i), imports.SKIP),
                label=f"Column {imports.column_letter(i)}: {header}",
            )

    def columns(self):
        for i, header in enumerate(self.headers):
            yield imports.column_letter(i), header, self[f"column_{i}"]

    def clean(self):
        data = super().clean()
        seen: dict[str, str] = {}
        chosen = 0
        for i, _header in enumerate(self.headers):
            key = data.get(f"column_{i}") or ""
            if not key:
                continue
            chosen += 1
            if key == imports.NEW_DEMOGRAPHIC:
                continue
            letter = imports.column_letter(i)
            if key in seen:
                self.add_error(
                    f"column_{i}",
                    f"Columns {seen[key]} and {letter} are both matched to “{self.texts[key]}”: "
                    "choose “Do not import this column” for one of them.",
                )
            seen[key] = letter
        if not chosen:
            raise forms.ValidationError("Match at least one column to a question.")
        return data

    def column_map(self) -> dict[int, str]:
        return {i: self.cleaned_data.get(f"column_{i}") or "" for i in range(len(self.headers))}


class AnswerMapForm(forms.Form):
    """One select per answer text that matched none of the answers of its columns."""

    def __init__(self, *args, groups: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = groups
        self.entries = []
        n = 0
        for g, group in enumerate(groups):
            entries = []
            where = (
                f"column {imports.column_letter(group.columns[0].index)}"
                if len(group.columns) == 1
                else f"{len(group.columns)} columns"
            )
            for answer in group.unknown:
                name = f"answer_{n}"
                n += 1
                choices = [("", "Choose an answer"), *[(label, label) for label in group.labels]]
                if group.demographic:
                    choices.append((imports.NEW_ANSWER, "Add it as a new answer"))
                choices.append((imports.BLANK, "Treat it as not answered"))
                self.fields[name] = forms.ChoiceField(
                    choices=choices,
                    initial=answer.suggestion or "",
                    label=f"“{answer.text}” ({answer.rows:,} {pluralize('answer', answer.rows)} "
                    f"in {where})",
                    error_messages={
                        "required": f"Choose what “{answer.text}” means, "
                        "or treat it as not answered."
                    },
                )
                entries.append((answer, self[name], name, g))
            self.entries.append((group, entries))

    def choices(self) -> dict[tuple[int, str], str]:
        return {
            (g, answer.text): self.cleaned_data[name]
            for _group, entries in self.entries
            for answer, _field, name, g in entries
        }


class DontKnowForm(forms.Form):
    dont_know = forms.ChoiceField(
        label="“Don’t know” answers",
        choices=[
            ("include", "Include them in the base (as published)"),
            ("exclude", "Leave them out of the base"),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial="include",
    )

    @property
    def exclude(self) -> bool:
        return self.is_valid() and self.cleaned_data.get("dont_know") == "exclude"


class BreakdownForm(forms.Form):
    question = forms.ChoiceField(label="Item")
    by = forms.ChoiceField(label="Break it down by")

    def __init__(self, *args, items: list[Question], demographics: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [(q.key, question_label(q)) for q in items]
        self.fields["by"].choices = [(q.key, q.text) for q in demographics]
