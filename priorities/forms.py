"""GOV.UK-pattern forms for actions, progress updates and indicator returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import filetype
from django import forms
from django.core.exceptions import ValidationError

from partners.models import Area, Organisation, User

from .models import (
    Action,
    Indicator,
    IndicatorValue,
    Priority,
    ProgressUpdate,
    Strategy,
    quarter_start,
)

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# What partners attach as evidence: PDF, Word, Excel (and OpenDocument), and images.
EVIDENCE_TYPES = {
    "application/pdf": "PDF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
}


class GovUKDateWidget(forms.MultiWidget):
    """Day, month and year boxes, as the GOV.UK date input pattern asks."""

    def __init__(self, attrs=None):
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovUKDateField(forms.MultiValueField):
    """A date typed as day, month and year, with GOV.UK's error wording."""

    widget = GovUKDateWidget

    def __init__(self, **kwargs):
        fields = [forms.CharField(), forms.CharField(), forms.CharField()]
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            if self.required:
                raise ValidationError(f"Enter the {self.label.lower()}")
            return None
        day, month, year = (str(x or "").strip() for x in data_list)
        names = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if names:
            raise ValidationError(f"{self.label} must include a {' and '.join(names)}")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{self.label} must be a real date") from None


class ActionForm(forms.ModelForm):
    """An action under a priority; fields a person may not change are taken away."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    start_date = GovUKDateField(
        label="Start date", required=False, help_text="For example, 1 4 2025"
    )
    due_date = GovUKDateField(label="Due date", required=False, help_text="For example, 31 3 2026")

    class Meta:
        model = Action
        fields = [
            "text",
            "description",
            "focus_items",
            "lead_organisation",
            "supporting_organisations",
            "owner",
            "start_date",
            "due_date",
        ]
        labels = {"text": "Action", "owner": "Owner"}
        help_texts = {
            "text": "What the partnership will do, in a sentence.",
            "focus_items": "Select the focus items this action serves.",
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "focus_items": forms.CheckboxSelectMultiple,
            "supporting_organisations": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, priority, editable: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        partnership = priority.strategy.partnership
        self.fields["focus_items"].queryset = priority.focus_items.all()
        members = Organisation.objects.filter(memberships__partnership=partnership).distinct()
        self.fields["lead_organisation"].queryset = members
        self.fields["lead_organisation"].empty_label = "Choose the lead organisation"
        self.fields["supporting_organisations"].queryset = members
        self.fields["owner"].queryset = (
            User.objects.filter(roles__partnership=partnership, is_active=True)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].label_from_instance = lambda u: u.display_name
        self.fields["owner"].empty_label = "No owner yet"
        for name in list(self.fields):
            if name not in editable and name != "version":
                del self.fields[name]
        if "text" in self.fields:
            self.fields["text"].error_messages["required"] = "Enter the action"
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", "Due date must be the same as or after the start date")
        return data

    def changed_values(self) -> dict:
        """The cleaned values of the fields this person may edit (the version excluded)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ProgressUpdateForm(forms.Form):
    update_date = GovUKDateField(label="Date of update", help_text="For example, 14 11 2026")
    status = forms.ChoiceField(
        label="Status", choices=ProgressUpdate.STATUSES, widget=forms.RadioSelect
    )
    commentary = forms.CharField(
        label="Commentary",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What has happened since the last update, and what happens next.",
        error_messages={"required": "Enter commentary on the action's progress"},
    )
    evidence = forms.FileField(
        label="Evidence (optional)",
        required=False,
        help_text="A PDF, Word or Excel document or an image, up to 10 MB.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].error_messages["required"] = "Select the action's status"
        self.fields["update_date"].initial = dt.date.today()

    def clean_update_date(self):
        day = self.cleaned_data["update_date"]
        if day and day > dt.date.today():
            raise ValidationError("Date of update must be today or in the past")
        return day

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        if upload.size > MAX_EVIDENCE_BYTES:
            raise ValidationError("The selected file must be smaller than 10 MB")
        head = upload.read(8192)
        upload.seek(0)
        kind = filetype.guess(head) if head else None
        if kind is None or kind.mime not in EVIDENCE_TYPES:
            raise ValidationError(
                "The selected file must be a PDF, Word or Excel document or an image"
                " (its content is checked, not its name)"
            )
        return upload, kind.mime

    def evidence_files(self) -> list:
        return [self.cleaned_data["evidence"]] if self.cleaned_data.get("evidence") else []


class IndicatorValueForm(forms.Form):
    """One figure for one period (and area); refused with the field and the reason."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    period_start = forms.ChoiceField(label="Period")
    area = forms.ModelChoiceField(queryset=Area.objects.none(), required=False, label="Area")
    value = forms.CharField(label="Value", widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(
        label="Note (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(
        self, *args, indicator: Indicator, instance: IndicatorValue | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.indicator, self.instance = indicator, instance
        strategy: Strategy = indicator.priority.strategy
        quarters = quarters_between(strategy.period_start, strategy.period_end)
        from .models import financial_quarter_label

        self.fields["period_start"].choices = [("", "Choose a quarter")] + [
            (q.isoformat(), financial_quarter_label(q)) for q in quarters
        ]
        self.fields["period_start"].error_messages["required"] = "Select the period"
        if indicator.per_area:
            self.fields["area"].queryset = strategy.partnership.areas.all()
            self.fields["area"].required = True
            self.fields["area"].empty_label = "Choose an area"
            self.fields["area"].error_messages["required"] = (
                "Select the area, as this indicator is reported per area"
            )
        else:
            del self.fields["area"]
        self.fields["value"].error_messages["required"] = "Enter the value"
        if instance:
            self.initial.update(
                version=instance.version,
                period_start=instance.period_start.isoformat(),
                area=instance.area_id,
                value=instance.value,
                note=instance.note,
            )

    def clean_period_start(self):
        raw = self.cleaned_data["period_start"]
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError("Select a period from the list") from None
        strategy = self.indicator.priority.strategy
        if not strategy.period_start <= day <= strategy.period_end:
            raise ValidationError(
                f"Period must be within the strategy ({strategy.period_start:%B %Y} to "
                f"{strategy.period_end:%B %Y})"
            )
        return day

    def clean_value(self):
        raw = self.cleaned_data["value"].strip().replace(",", "")
        if raw.endswith("%"):
            raw = raw[:-1]
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValidationError("Value must be a number, like 42 or 12.5") from None
        if not value.is_finite():
            raise ValidationError("Value must be a number, like 42 or 12.5")
        if abs(value) >= Decimal("1e12"):
            raise ValidationError("Value must be less than 1,000,000,000,000")
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError("Value can have at most 2 decimal places")
        return value

    def clean(self):
        data = super().clean()
        period, area = data.get("period_start"), data.get("area")
        if period is not None:
            clash = IndicatorValue.objects.filter(
                indicator=self.indicator, period_start=period, area=area
            )
            if self.instance:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                where = f" for {area.name}" if area else ""
                self.add_error(
                    "period_start",
                    f"There is already a value{where} for this period: change that value instead",
                )
        return data


def quarters_between(start: dt.date, end: dt.date) -> list[dt.date]:
    out, day = [], quarter_start(start)
    while day <= end:
        out.append(day)
        day = dt.date(day.year + (day.month == 10), (day.month + 2) % 12 + 1, 1)
    return out


class IndicatorForm(forms.ModelForm):
    """Officers set what an indicator measures and the target its values are judged by."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Indicator
        fields = [
            "text",
            "unit",
            "desired_direction",
            "frequency",
            "per_area",
            "source_organisation",
            "target",
            "tolerance_percent",
        ]
        labels = {"text": "Indicator", "desired_direction": "Desired direction"}
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        partnership = self.instance.priority.strategy.partnership
        self.fields["source_organisation"].queryset = Organisation.objects.filter(
            memberships__partnership=partnership
        ).distinct()
        self.fields["version"].initial = self.instance.version

    def changed_values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class StrategyForm(forms.ModelForm):
    """A strategy's title, period and status; the partnership is chosen only when creating."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Strategy
        fields = ["partnership", "title", "slug", "start_year", "end_year", "status"]
        labels = {"slug": "Short name for web addresses"}
        help_texts = {
            "slug": "Lower-case letters, numbers and hyphens, for example dartford-2028-2031.",
            "start_year": "The year the strategy starts, for example 2028.",
        }

    def __init__(self, *args, partnerships=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["partnership"]
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["partnership"].queryset = partnerships
            self.fields["partnership"].empty_label = "Choose a partnership"
            del self.fields["version"]
        for name in ("start_year", "end_year"):
            self.fields[name].widget.attrs.update(inputmode="numeric")
        self.fields["title"].error_messages["required"] = "Enter the strategy's title"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", "End year must be the same as or after the start year")
        return data

    def changed_values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class PriorityForm(forms.ModelForm):
    """A priority's text with its focus items and aims, one per line."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    focus = forms.CharField(
        label="What is our focus?",
        help_text="One focus item per line, in order.",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )
    aims = forms.CharField(
        label="What is our aim for change by the end of this Strategy?",
        help_text="One aim per line, in order.",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )

    class Meta:
        model = Priority
        fields = ["title", "why"]
        widgets = {"why": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "Enter the priority's title"
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["focus"].initial = "\n".join(
                f.text for f in self.instance.focus_items.order_by("order")
            )
            self.fields["aims"].initial = "\n".join(
                a.text for a in self.instance.aims.order_by("order")
            )

    def values(self) -> dict:
        return {"title": self.cleaned_data["title"], "why": self.cleaned_data["why"]}

    def focus_lines(self) -> list[str]:
        return _lines(self.cleaned_data.get("focus", ""))

    def aim_lines(self) -> list[str]:
        return _lines(self.cleaned_data.get("aims", ""))
