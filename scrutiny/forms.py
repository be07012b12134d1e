"""The filters of the scrutiny pages and the public dashboard switch."""

from __future__ import annotations

import datetime as dt

from django import forms

from .periods import ReportingPeriod, default_period, parse_period, periods_for


class PeriodForm(forms.Form):
    """Reporting period (a quarter or a financial year), and optionally an area, from the URL."""

    period = forms.ChoiceField(
        label="Reporting period",
        required=False,
        error_messages={"invalid_choice": "Select a reporting period from the list"},
    )
    area = forms.ChoiceField(
        label="Area",
        required=False,
        help_text="Only changes indicators reported for each area.",
        error_messages={"invalid_choice": "Select an area from the list"},
    )

    def __init__(self, data, *, strategy, today: dt.date, areas=None):
        # Always bound, defaulting to the last quarter that has ended, so the selects show
        # exactly what the page shows.
        data = {k: data.get(k, "") for k in ("period", "area")} if data else {}
        data["period"] = data.get("period") or default_period(strategy, today).key
        super().__init__(data)
        self.strategy = strategy
        self.today = today
        self.areas = {a.gss_code: a for a in areas or []}
        self.fields["period"].choices = [(p.key, p.label) for p in periods_for(strategy)]
        if areas is None:
            del self.fields["area"]
        else:
            self.fields["area"].choices = [("", "All areas")] + [
                (a.gss_code, a.name) for a in areas
            ]

    def _value(self, name: str) -> str:
        if name not in self.fields or name in self.errors:
            return ""
        return self.data.get(name) or ""

    @property
    def chosen_period(self) -> ReportingPeriod:
        chosen = self._value("period")
        return parse_period(chosen, self.strategy) or default_period(self.strategy, self.today)

    @property
    def chosen_area(self):
        return self.areas.get(self._value("area"))

    @property
    def query(self) -> str:
        """The period (and area) as a query string, for links that keep them."""
        area = self.chosen_area
        return f"period={self.chosen_period.key}" + (f"&area={area.gss_code}" if area else "")


class PublicDashboardForm(forms.Form):
    enabled = forms.TypedChoiceField(
        label="Publish a public dashboard for this partnership?",
        choices=[("yes", "Yes, publish it"), ("no", "No, keep it private")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if the dashboard should be public"},
    )
