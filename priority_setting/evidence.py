"""What each candidate's evidence is, per criterion, traced to the figure or survey item it is from.

Reads the exercise's assessment figures, survey results and harm weights, and turns them into
plain numbers for `scoring.score_matrix`, keeping beside each number the words and the link that
say where it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.urls import reverse

from assessments.models import ASB, Figure
from surveys import services as survey_services
from surveys.analysis import format_percentage, normalise_text, similarity
from surveys.models import Question

from . import scoring
from .models import CRITERIA, Candidate, CandidateSource, Exercise

TOTAL_CRIME = "total-recorded-crime"
ASB_MEASURE = "asb-incidents"
# Headline measures that are already a share of all recorded crime.
SHARE_OF_CRIME = {"violent-crime-share"}
# Headline measures that describe the whole area, not one issue: never a candidate.
NOT_AN_ISSUE = {TOTAL_CRIME, "crime-rate-rank", "crime-rate-per-1000", "crime-rate-rank-in-force"}
FRIENDLY_NAMES = {
    "violent-crime-share": "Violent crime",
    ASB_MEASURE: "Anti-social behaviour",
    "domestic-abuse-crimes": "Domestic abuse",
    "vawg-offences": "Violence against women and girls (VAWG)",
    "hate-related-incidents": "Hate crime and hate-related incidents",
}
# How alike a survey item's words and a figure's name must be to join the same candidate.
MATCH_THRESHOLD = 0.75


@dataclass(frozen=True)
class Item:
    """One line of evidence: what it says, where it is from, and a link to it."""

    text: str
    source: str
    url: str = ""


@dataclass
class CandidateEvidence:
    """A candidate's value per criterion (None: no evidence) and the lines behind each."""

    candidate: Candidate
    values: dict[str, Decimal | None]
    items: dict[str, list[Item]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


# --- where figures and items live ---------------------------------------------------------------


def figure_url(figure: Figure) -> str:
    """The figure's row on its assessment's page."""
    anchor = "categories" if figure.section == Figure.Section.CATEGORY else "headlines"
    return f"{figure.assessment.get_absolute_url()}#{anchor}"


def question_url(question: Question) -> str:
    """The survey section page that shows the item's results."""
    if question.section_id:
        return reverse("survey_section", args=[question.survey.slug, question.section.key])
    return question.survey.get_absolute_url()


def figure_category(figure: Figure) -> str:
    """The category a harm weight is set for: the crime type, or what the headline counts."""
    if figure.section == Figure.Section.CATEGORY and figure.label:
        return figure.label
    return figure.measure.name


def is_asb(figure: Figure) -> bool:
    return figure.measure.key == ASB_MEASURE or figure.label == ASB


def candidate_figures(exercise: Exercise) -> list[Figure]:
    """The assessment's figures about one issue each: headline issues and crime categories."""
    figures = (
        exercise.assessment.figures.select_related("measure", "assessment")
        .filter(area__isnull=True, geography="")
        .filter(section__in=[Figure.Section.HEADLINE, Figure.Section.CATEGORY])
        .exclude(measure__key__in=NOT_AN_ISSUE)
        .exclude(measure__key__startswith="share-of-crime-at-")
        .exclude(measure__unit__in=["rank", "rate_per_1000"])
        .order_by("section", "order", "pk")
    )
    figures = list(figures)
    has_categories = any(f.section == Figure.Section.CATEGORY for f in figures)
    # With crime categories present, violence is one of them: the headline share would repeat it.
    return [f for f in figures if not (has_categories and f.measure.key in SHARE_OF_CRIME)]


def candidate_questions(exercise: Exercise) -> list[Question]:
    """The survey's rating items: how much of a problem residents think each issue is."""
    if exercise.survey_id is None:
        return []
    return list(
        Question.objects.filter(survey=exercise.survey, kind=Question.Kind.RATING)
        .select_related("section", "survey")
        .order_by("order")
    )


def figure_name(figure: Figure) -> str:
    if figure.section == Figure.Section.CATEGORY and figure.label:
        return figure.label
    return FRIENDLY_NAMES.get(figure.measure.key, figure.measure.name)


def proposed_candidates(
    figures: list[Figure], questions: list[Question]
) -> list[tuple[str, list[Figure], list[Question]]]:
    """Starting candidates: one per figure, survey items joined to a figure whose name they share.

    Items with the same words (the 2025 survey asks about "Robbery" in two sections) make one
    candidate; the rest are a candidate each, in survey order. Officers merge and rename after.
    """
    out: list[tuple[str, list[Figure], list[Question]]] = [
        (figure_name(f), [f], []) for f in figures
    ]
    by_text: dict[str, int] = {}
    for question in questions:
        best, best_score = None, 0.0
        for index, figure in enumerate(figures):
            names = (figure_name(figure), figure.measure.name)
            score = max(similarity(question.text, name) for name in names)
            if any(normalise_text(question.text) in normalise_text(name) for name in names):
                score = max(score, 0.9)
            if score >= MATCH_THRESHOLD and score > best_score:
                best, best_score = index, score
        key = normalise_text(question.text)
        if best is None:
            best = by_text.get(key)
        if best is None:
            by_text[key] = len(out)
            out.append((question.text, [], [question]))
        else:
            out[best][2].append(question)
    return out


# --- evidence per candidate ---------------------------------------------------------------------


def _headline_value(exercise: Exercise, key: str) -> Figure | None:
    return (
        exercise.assessment.figures.filter(
            measure__key=key, section=Figure.Section.HEADLINE, area__isnull=True, geography=""
        )
        .select_related("measure", "assessment")
        .first()
    )


def net_concerns(exercise: Exercise) -> dict[int, Decimal | None]:
    """Net concern (very big + fairly big problem, %) per rating item of the exercise's survey."""
    if exercise.survey_id is None:
        return {}
    return {
        result.question.pk: result.distribution().net_concern
        for result in survey_services.item_results(exercise.survey)
        if result.question.kind == Question.Kind.RATING
    }


def _number(value: Decimal) -> str:
    value = scoring.round1(Decimal(value))
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.1f}"


def _change_words(value: Decimal) -> str:
    value = scoring.round1(value)
    if value == 0:
        return "no change on the previous period"
    return f"{'up' if value > 0 else 'down'} {_number(abs(value))}% on the previous period"


@dataclass
class Context:
    """What every candidate's evidence is measured against, read once per exercise."""

    exercise: Exercise
    total_crime: Figure | None
    asb_total: Figure | None
    concerns: dict[int, Decimal | None]
    harm: dict[str, tuple[Decimal, str]]


def context_for(exercise: Exercise) -> Context:
    return Context(
        exercise=exercise,
        total_crime=_headline_value(exercise, TOTAL_CRIME),
        asb_total=_headline_value(exercise, ASB_MEASURE),
        concerns=net_concerns(exercise),
        harm={
            normalise_text(h.category): (h.weight, h.source) for h in exercise.harm_weights.all()
        },
    )


def _volume(figures: list[Figure], ctx: Context) -> tuple[Decimal | None, list[Item]]:
    """Share of all recorded crime (or, for ASB alone, of ASB incidents)."""
    crime: list[Decimal] = []
    asb: list[Decimal] = []
    items: list[Item] = []
    for f in figures:
        source = f"{f.assessment.title}: {f.measure.name}" + (f" ({f.label})" if f.label else "")
        if f.measure.key in SHARE_OF_CRIME and f.value is not None:
            crime.append(Decimal(f.value))
            items.append(Item(f"{_number(f.value)}% of all recorded crime", source, figure_url(f)))
        elif f.measure.unit == "count" and f.value is not None:
            base = ctx.asb_total if is_asb(f) else ctx.total_crime
            if base is None or base.value is None:
                continue
            share = scoring.share_of(Decimal(f.value), Decimal(base.value))
            if share is None:
                continue
            (asb if is_asb(f) else crime).append(share)
            what = "ASB incidents" if is_asb(f) else "recorded crime"
            items.append(
                Item(
                    f"{_number(f.value)} of {_number(base.value)} {what} ({_number(share)}%)",
                    source,
                    figure_url(f),
                )
            )
    if crime:
        return sum(crime, Decimal(0)), items
    if asb:
        return sum(asb, Decimal(0)), items
    return None, items


def _trend(figures: list[Figure]) -> tuple[Decimal | None, list[Item]]:
    """Change on the previous period: of the counts together, else the published changes."""
    moving = [f for f in figures if f.change_percent is not None or f.comparison_value is not None]
    items, changes = [], []
    for f in moving:
        source = f"{f.assessment.title}: {f.measure.name}" + (f" ({f.label})" if f.label else "")
        change = f.change_percent
        if change is None and f.value is not None and f.comparison_value:
            change = (Decimal(f.value) - f.comparison_value) * 100 / f.comparison_value
        if change is not None:
            changes.append(Decimal(change))
            items.append(Item(_change_words(Decimal(change)), source, figure_url(f)))
    counted = all(
        f.measure.unit == "count" and f.value is not None and f.comparison_value for f in moving
    )
    pairs = [(f.value, f.comparison_value) for f in moving] if counted else []
    return scoring.combined_change(pairs, changes), items


def _concern(questions: list[Question], ctx: Context) -> tuple[Decimal | None, list[Item]]:
    """Average net concern of the survey items mapped to the candidate."""
    values, items = [], []
    for q in questions:
        value = ctx.concerns.get(q.pk)
        where = f"{q.survey.title}: {q.text}" + (f" ({q.section.title})" if q.section_id else "")
        if value is None:
            items.append(
                Item("no net concern published (withheld or missing)", where, question_url(q))
            )
            continue
        values.append(Decimal(value))
        items.append(
            Item(
                f"{format_percentage(value)} said a very or fairly big problem",
                where,
                question_url(q),
            )
        )
    return scoring.mean(values), items


def _harm(figures: list[Figure], ctx: Context) -> tuple[Decimal | None, list[Item]]:
    """Average of the harm weights officers set for the candidate's categories."""
    values, items, seen = [], [], set()
    for f in figures:
        category = figure_category(f)
        key = normalise_text(category)
        if key in seen or key not in ctx.harm:
            continue
        seen.add(key)
        weight, source = ctx.harm[key]
        values.append(Decimal(weight))
        items.append(Item(f"{category}: weight {_number(weight)}", source))
    return scoring.mean(values), items


def evidence_for(candidate: Candidate, ctx: Context) -> CandidateEvidence:
    """Every criterion's value and evidence lines for one candidate."""
    figures = [s.figure for s in candidate.sources.all() if s.figure_id]
    questions = [s.question for s in candidate.sources.all() if s.question_id]
    volume, volume_items = _volume(figures, ctx)
    trend, trend_items = _trend(figures)
    concern, concern_items = _concern(questions, ctx)
    harm, harm_items = _harm(figures, ctx)
    added: Decimal | None = None
    added_items: list[Item] = []
    if candidate.added_value is not None:
        added = Decimal(candidate.added_value)
        reason = candidate.added_value_reason or "No reason given."
        added_items.append(Item(f"{candidate.added_value} of 5: {reason}", "The partnership"))
    return CandidateEvidence(
        candidate=candidate,
        values={
            "volume": volume,
            "harm": harm,
            "concern": concern,
            "added_value": added,
            "trend": trend,
        },
        items={
            "volume": volume_items,
            "harm": harm_items,
            "concern": concern_items,
            "added_value": added_items,
            "trend": trend_items,
        },
    )


def current_candidates(exercise: Exercise) -> list[Candidate]:
    sources = CandidateSource.objects.select_related(
        "figure__measure",
        "figure__assessment",
        "question__section",
        "question__survey",
    )
    return list(
        exercise.candidates.current().prefetch_related(Prefetch("sources", queryset=sources))
    )


@dataclass
class MatrixRow:
    """A candidate's matrix line: its evidence and scores, for pages, exports and the API."""

    candidate: Candidate
    evidence: CandidateEvidence
    row: scoring.Row

    @property
    def cells(self) -> list[dict]:
        return [
            {
                "key": key,
                "label": label,
                "raw": self.row.raw[key],
                "score": self.row.scores[key],
                "items": self.evidence.items.get(key, []),
            }
            for key, label in CRITERIA
        ]


def matrix(exercise: Exercise, candidates: Iterable[Candidate] | None = None) -> list[MatrixRow]:
    """The scored, ranked matrix of the exercise's current candidates."""
    ctx = context_for(exercise)
    candidates = list(candidates) if candidates is not None else current_candidates(exercise)
    evidence = {c.pk: evidence_for(c, ctx) for c in candidates}
    rows = scoring.score_matrix({pk: e.values for pk, e in evidence.items()}, exercise.weights)
    by_pk = {c.pk: c for c in candidates}
    return [MatrixRow(by_pk[r.key], evidence[r.key], r) for r in rows]


def summary(row: MatrixRow, exercise: Exercise, out_of: int) -> str:
    """The candidate's evidence in words: the start of a priority's "why is this important"."""
    parts = [
        f"Chosen through the priority-setting exercise “{exercise.title}”: "
        + (
            f"overall score {_number(row.row.total)} of 100, ranked {row.row.ranked.label} "
            f"of {out_of} candidates."
            if row.row.total is not None
            else "no overall score (no evidence)."
        )
    ]
    for key, label in CRITERIA:
        items = row.evidence.items.get(key, [])
        if not items:
            parts.append(f"{label}: no evidence.")
            continue
        lines = "; ".join(f"{i.text} ({i.source})" for i in items)
        parts.append(f"{label}: {lines}.")
    return "\n\n".join(parts)
