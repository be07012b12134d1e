"""Forms for imports, drafts, key findings and publishing, with GOV.UK-style error messages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django import forms
from django.conf import settings

from partners.access import is_superuser, officer_partnership_ids
from partners.models import Partnership

from .filechecks import what_binary
from .models import ASB, POLICE_UK_CRIME_TYPES, CrimeTypeMapping, ImportRun, Place

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


LSOA_CODE = re.compile(r"[EW]0\d{7}")


class PlaceForm(forms.Form):
    """A named place: some LSOAs, a box of longitude and latitude, or both."""

    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        label="Partnership",
        empty_label=None,
        error_messages={"required": "Select a partnership"},
    )
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="For example, Bluewater.",
        error_messages={
            "required": "Enter a name",
            "max_length": "Name must be 100 characters or fewer",
        },
    )
    lsoa_codes = forms.CharField(
        label="LSOA codes (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="Separate codes with spaces, commas or new lines, for example E01024148.",
    )
    min_longitude = forms.FloatField(
        label="West edge (longitude)", required=False, widget=forms.TextInput
    )
    max_longitude = forms.FloatField(
        label="East edge (longitude)", required=False, widget=forms.TextInput
    )
    min_latitude = forms.FloatField(
        label="South edge (latitude)", required=False, widget=forms.TextInput
    )
    max_latitude = forms.FloatField(
        label="North edge (latitude)", required=False, widget=forms.TextInput
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    BOX = ("min_longitude", "max_longitude", "min_latitude", "max_latitude")

    def __init__(self, *args, user, place=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.place = place
        self.fields["partnership"].queryset = officer_partnerships(user)
        for name in self.BOX:
            axis = "longitude" if "longitude" in name else "latitude"
            self.fields[name].error_messages["invalid"] = f"Enter the {axis} as a number"
            self.fields[name].widget.attrs.update(
                {"inputmode": "decimal", "class": "govuk-input--width-10"}
            )
        if place is not None:
            del self.fields["partnership"]  # a place stays with its partnership

    def clean_lsoa_codes(self) -> list[str]:
        codes = [c.upper() for c in re.split(r"[\s,;]+", self.cleaned_data["lsoa_codes"]) if c]
        wrong = [c for c in codes if not LSOA_CODE.fullmatch(c)]
        if wrong:
            raise forms.ValidationError(
                f"{wrong[0]} is not an LSOA code: enter codes like E01024148"
            )
        return list(dict.fromkeys(codes))  # each once, in the order given

    def clean(self):
        data = super().clean()
        box = [data.get(n) for n in self.BOX]
        given = [v is not None for v in box]
        if any(given) and not all(given):
            for name, present in zip(self.BOX, given, strict=True):
                if not present and name not in self.errors:
                    self.add_error(name, "Enter all four edges of the box, or none")
            return data
        if all(given):
            west, east, south, north = box
            if not (-180 <= west <= 180 and -180 <= east <= 180):
                self.add_error("min_longitude", "Longitude must be between -180 and 180")
            elif west >= east:
                self.add_error("max_longitude", "The east edge must be east of the west edge")
            if not (-90 <= south <= 90 and -90 <= north <= 90):
                self.add_error("min_latitude", "Latitude must be between -90 and 90")
            elif south >= north:
                self.add_error("max_latitude", "The north edge must be north of the south edge")
        elif not data.get("lsoa_codes") and "lsoa_codes" not in self.errors:
            self.add_error("lsoa_codes", "Enter LSOA codes, a box, or both")
        partnership = data.get("partnership") or getattr(self.place, "partnership", None)
        name = data.get("name")
        if partnership and name:
            clash = Place.objects.filter(partnership=partnership, name__iexact=name)
            if self.place is not None:
                clash = clash.exclude(pk=self.place.pk)
            if clash.exists():
                self.add_error(
                    "name", f"{partnership.short_name} already has a place called {name}"
                )
        return data

    def values(self) -> dict:
        """The place's fields from the form, ready for the service."""
        names = ["name", "lsoa_codes", *self.BOX] + (["partnership"] if self.place is None else [])
        return {n: self.cleaned_data[n] for n in names}


class CrimeTypeMappingForm(forms.Form):
    """Which Home Office offence group (and subgroup) a police.uk crime type matches."""

    crime_type = forms.ChoiceField(
        label="police.uk crime type",
        choices=[(t, t) for t in POLICE_UK_CRIME_TYPES if t != ASB],
        error_messages={"required": "Select a police.uk crime type"},
    )
    offence_group = forms.CharField(
        label="Home Office offence group",
        max_length=120,
        help_text="As written in the Home Office table, for example Theft offences.",
        error_messages={"required": "Enter the Home Office offence group"},
    )
    offence_subgroup = forms.CharField(
        label="Home Office offence subgroup (optional)",
        max_length=120,
        required=False,
        help_text="Leave empty to match every subgroup of the group.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, mapping=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mapping = mapping

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        clash = CrimeTypeMapping.objects.filter(
            crime_type=data["crime_type"],
            offence_group__iexact=data["offence_group"],
            offence_subgroup__iexact=data["offence_subgroup"],
        )
        if self.mapping is not None:
            clash = clash.exclude(pk=self.mapping.pk)
        if clash.exists():
            self.add_error("offence_group", "This crime type is already mapped to that group")
        return data

    def values(self) -> dict:
        return {
            n: self.cleaned_data[n] for n in ("crime_type", "offence_group", "offence_subgroup")
        }
