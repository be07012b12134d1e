"""The one optional hook into the assessments and surveys apps.

The dashboard must work with or without them, so nothing here imports their modules: models
are looked up by name and read through their own `visible_to()` as an anonymous reader would,
so only published assessments and surveys appear (a committee paper is a public document, and
a draft must not reach one). Any failure (app missing, table not migrated yet, a field renamed)
means "nothing to show", logged, never an error page. The assessment costs at most two queries
and the survey three, however much data there is.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.db.models import Case, Q, When

from .formatting import long_date, number

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeadlineFigure:
    """A strategic-assessment headline: what, how many, and how that changed."""

    measure: str
    label: str
    value: str
    change: str
    period: str
    source: str

    @property
    def name(self) -> str:
        return f"{self.measure}: {self.label}" if self.label else self.measure


@dataclass(frozen=True)
class Concern:
    """A survey item and the share of respondents calling it a very or fairly big problem."""

    item: str
    section: str
    net_concern: Decimal | None  # None: withheld to protect small numbers
    survey: str

    @property
    def shown(self) -> str:
        if self.net_concern is None:
            return "Withheld (fewer than 10 people)"
        return f"{number(self.net_concern)}%"


def _model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _safely(what: str, read):
    """Run a read in a savepoint; a missing table or field means there is nothing to show."""
    try:
        with transaction.atomic():
            return read()
    except (DatabaseError, FieldError, AttributeError, LookupError, TypeError, ValueError):
        logger.warning("Scrutiny could not read %s; showing nothing for it.", what, exc_info=True)
        return []


def _published(model):
    """What anyone may read: the app's own rule, asked as a reader who is not signed in."""
    manager = model.objects
    if not hasattr(manager, "visible_to"):
        return manager.none()
    return manager.visible_to(AnonymousUser())


def _change(percent: Decimal | None) -> str:
    if percent is None:
        return ""
    if percent == 0:
        return "No change on the previous period"
    word = "Up" if percent > 0 else "Down"
    return f"{word} {number(abs(percent))}% on the previous period"


def headline_figures(strategy, until: dt.date) -> list[HeadlineFigure]:
    """The headline figures of the partnership's latest assessment ending by `until`."""
    Assessment = _model("assessments", "Assessment")
    Figure = _model("assessments", "Figure")
    if Assessment is None or Figure is None:
        return []

    def read() -> list[HeadlineFigure]:
        assessment = (
            _published(Assessment)
            .filter(partnership_id=strategy.partnership_id, period_end__lte=until)
            .order_by("-period_end")
            .first()
        )
        if assessment is None:
            return []
        figures = (
            Figure.objects.filter(assessment=assessment, section="headline")
            .select_related("measure", "source_organisation")
            .order_by("order", "pk")
        )
        rows = []
        for f in figures:
            unit = getattr(f.measure, "unit", "")
            value = ""
            if f.value is not None:
                qualifier = f.get_value_qualifier_display() if f.value_qualifier else ""
                value = f"{qualifier} {number(f.value)}".strip()
                value += "%" if unit == "percentage" else ""
                value += " per 1,000 people" if unit == "rate_per_1000" else ""
            source = f.source_organisation.name if f.source_organisation_id else ""
            rows.append(
                HeadlineFigure(
                    measure=f.measure.name,
                    label=f.label,
                    value=value or "Not given",
                    change=_change(f.change_percent),
                    period=f"{long_date(f.period_start)} to {long_date(f.period_end)}",
                    source=source or f.source_dataset,
                )
            )
        return rows

    return _safely("assessment headline figures", read)


def _percent(part: int, base: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(base)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def top_concerns(strategy, limit: int = 5) -> list[Concern]:
    """The survey items most residents called a big problem (overall figures only)."""
    Survey = _model("surveys", "Survey")
    Published = _model("surveys", "PublishedResult")
    Computed = _model("surveys", "ComputedResult")
    if Survey is None or Published is None:
        return []

    def read() -> list[Concern]:
        # The survey that informed this strategy, else the latest one before it began.
        survey = (
            _published(Survey)
            .filter(partnership_id=strategy.partnership_id)
            .filter(Q(strategy_id=strategy.pk) | Q(fieldwork_end__lte=strategy.period_start))
            .order_by(
                Case(When(strategy_id=strategy.pk, then=0), default=1), "-fieldwork_end", "-pk"
            )
            .first()
        )
        if survey is None:
            return []
        concerns: dict[int, dict] = {}
        published = Published.objects.filter(
            question__survey=survey, question__kind="rating", option__counts_as_concern=True
        ).select_related("question__section")
        for r in published:
            entry = concerns.setdefault(r.question_id, _entry(r.question))
            entry["percent"] += r.percentage or 0
            entry["any"] = entry["any"] or r.percentage is not None
        if not concerns and Computed is not None:
            _from_computed(Computed, survey, concerns)
        rows = [
            Concern(
                item=e["item"],
                section=e["section"],
                net_concern=e["percent"] if not e["withheld"] else None,
                survey=survey.title,
            )
            for e in concerns.values()
            if e["any"] or e["withheld"]
        ]
        rows.sort(key=lambda c: (c.net_concern is None, -(c.net_concern or 0), c.item))
        return rows[:limit]

    return _safely("survey top concerns", read)


def _entry(question) -> dict:
    section = question.section.title if question.section_id else ""
    return {
        "item": question.text,
        "section": section,
        "percent": Decimal(0),
        "any": False,
        "withheld": False,
    }


def _from_computed(Computed, survey, concerns: dict) -> None:
    """Overall counts from imported responses; a withheld count keeps the item withheld."""
    rows = Computed.objects.filter(
        survey=survey, question__kind="rating", group_question__isnull=True
    ).select_related("question__section", "option")
    bases, parts = {}, {}
    for r in rows:
        entry = concerns.setdefault(r.question_id, _entry(r.question))
        if r.disclosure != "shown":
            entry["withheld"] = True
        if r.option_id is None:
            bases[r.question_id] = r.count
        elif r.option.counts_as_concern:
            parts[r.question_id] = parts.get(r.question_id, 0) + r.count
    for qid, entry in concerns.items():
        base = bases.get(qid)
        if base and not entry["withheld"]:
            entry["percent"], entry["any"] = _percent(parts.get(qid, 0), base), True
