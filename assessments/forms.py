"""Forms for imports, drafts, key findings and publishing, with GOV.UK-style error messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django import forms
from django.conf import settings

from partners.access import is_superuser, officer_partnership_ids
from partners.models import Partnership

from .filechecks import what_binary
from .models import ImportRun

MAX_MONTHS = 36


def officer_partnerships(user):
    """The partnerships in which this person may import and draft."""
    if is_superuser(user):
        return Partnership.objects.all()
    return Partnership.objects.filter(pk__in=officer_partnership_ids(user))


def _size_words(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


class UploadForm(forms.Form):
    """One file for an import; refused here if too big, the wrong type, or binary."""

    ACCEPT = {
        ImportRun.Kind.POLICE_UK: (".csv", ".zip"),
        ImportRun.Kind.HOME_OFFICE: (".csv", ".xlsx", ".ods"),
        ImportRun.Kind.ONS_POPULATION: (".csv", ".xlsx", ".ods"),
    }
    HINTS = {
        ImportRun.Kind.POLICE_UK: (
            "A data.police.uk street-level CSV (for example 2023-02-kent-street.csv), or a ZIP "
            "of the monthly download with its folders."
        ),
        ImportRun.Kind.HOME_OFFICE: (
            "The Home Office police recorded crime open data table at Community Safety "
            "Partnership level, as CSV, Excel (.xlsx) or OpenDocument (.ods)."
        ),
        ImportRun.Kind.ONS_POPULATION: (
            "ONS mid-year population estimates by local authority, as CSV, .xlsx or .ods, with "
            "columns for the area code, area name, population and year."
        ),
    }

    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        label="Partnership",
        empty_label=None,
        error_messages={"required": "Select a partnership"},
    )
    file = forms.FileField(label="Upload a file", error_messages={"required": "Select a file"})

    def __init__(self, *args, user, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["partnership"].queryset = officer_partnerships(user)
        if kind == ImportRun.Kind.POLICE_UK:
            self.fields[
                "partnership"
            ].help_text = (
                "The report counts the rows in this partnership's areas and those outside it."
            )
        else:
            del self.fields["partnership"]
        limit = _size_words(settings.MAX_UPLOAD_BYTES)
        self.fields["file"].help_text = f"{self.HINTS[kind]} Up to {limit}."
        self.fields["file"].widget.attrs["accept"] = ",".join(self.ACCEPT[kind])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {_size_words(settings.MAX_UPLOAD_BYTES)}"
            )
        suffix = Path(upload.name).suffix.lower()
        allowed = self.ACCEPT[self.kind]
        if suffix not in allowed:
            names = " or ".join(s.lstrip(".").upper() for s in allowed)
            raise forms.ValidationError(f"The selected file must be a {names} file")
        head = upload.read(8192)
        upload.seek(0)
        if not head:
            raise forms.ValidationError("The selected file is empty")
        kind = what_binary(head)
        if suffix == ".csv" and kind:
            raise forms.ValidationError(f"The selected file is not a CSV file: it is {kind}")
        if suffix in (".zip", ".xlsx", ".ods") and not head.startswith(b"PK\x03\x04"):
            raise forms.ValidationError(
                f"The selected file is not a {suffix.lstrip('.').upper()} file"
            )
        return upload


class DraftForm(forms.Form):
    """Which partnership and which months a draft assessment covers."""

    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        label="Partnership",
        empty_label=None,
        error_messages={"required": "Select a partnership"},
    )
    first_month = forms.TypedChoiceField(
        label="First month",
        coerce=dt.date.fromisoformat,
        error_messages={"required": "Select the first month"},
    )
    last_month = forms.TypedChoiceField(
        label="Last month",
        coerce=dt.date.fromisoformat,
        help_text="Usually 12 months, October to September.",
        error_messages={"required": "Select the last month"},
    )

    def __init__(self, *args, user, months: list[dt.date], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = officer_partnerships(user)
        choices = [(m.isoformat(), f"{m:%B %Y}") for m in months]
        self.fields["first_month"].choices = choices
        self.fields["last_month"].choices = choices

    def clean(self):
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month")
        if first and last:
            if last < first:
                self.add_error(
                    "last_month", "The last month must be the same as or after the first"
                )
            elif (last.year - first.year) * 12 + last.month - first.month + 1 > MAX_MONTHS:
                self.add_error("last_month", f"The period must be {MAX_MONTHS} months or shorter")
        return data


class FindingsForm(forms.Form):
    """A draft's title and its key findings, one per paragraph."""

    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title"}
    )
    findings = forms.CharField(
        label="Key findings",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="One finding per paragraph: leave a blank line between findings.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_findings(self) -> list[str]:
        text = self.cleaned_data["findings"].replace("\r\n", "\n")
        return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


class PublishForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
