"""Every write of a priority-setting exercise: in a transaction, recorded in the history.

Edits of the weights and of a candidate name the version the person started from; a stale
version raises EditConflict and changes nothing. The draft strategy is made through the
priorities app's own services, so its history is the same as any strategy started by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.text import slugify

from assessments.models import Assessment, Figure
from audit.models import AuditEntry
from audit.services import record, snapshot
from priorities import services as priority_services
from priorities.models import Strategy

# EditConflict is raised by locked_update and caught by this app's views as services.EditConflict.
from priorities.services import EditConflict as EditConflict
from priorities.services import locked_update
from surveys.models import Question, Survey

from . import evidence
from .models import CRITERIA, Candidate, CandidateSource, Exercise, HarmWeight

Event = AuditEntry.Event


def _sources_of(candidate: Candidate) -> dict[str, list[str]]:
    """A candidate's evidence sources in words, for the history."""
    figures = [str(s.figure) for s in candidate.sources.all() if s.figure_id]
    questions = [str(s.question) for s in candidate.sources.all() if s.question_id]
    return {"figures": sorted(figures), "survey items": sorted(questions)}


def _add_sources(candidate: Candidate, figures: Iterable[Figure], questions: Iterable[Question]):
    CandidateSource.objects.bulk_create(
        [CandidateSource(candidate=candidate, figure=f) for f in figures]
        + [CandidateSource(candidate=candidate, question=q) for q in questions]
    )


# --- exercises ------------------------------------------------------------------------------


def start_exercise(
    *, title: str, assessment: Assessment, survey: Survey | None, user, channel: str = "browser"
) -> Exercise:
    """A new exercise with a candidate per issue in the assessment and survey (equal weights)."""
    with transaction.atomic():
        exercise = Exercise.objects.create(
            partnership=assessment.partnership,
            title=title,
            assessment=assessment,
            survey=survey,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        record(exercise, Event.CREATE, user, channel=channel)
        proposals = evidence.proposed_candidates(
            evidence.candidate_figures(exercise), evidence.candidate_questions(exercise)
        )
        for order, (name, figures, questions) in enumerate(proposals, start=1):
            candidate = Candidate.objects.create(exercise=exercise, name=name, order=order)
            _add_sources(candidate, figures, questions)
            record(
                candidate,
                Event.CREATE,
                user,
                after={**snapshot(candidate), **_sources_of(candidate)},
                channel=channel,
            )
    return exercise


def update_weights(
    *,
    exercise: Exercise,
    expected_version: int,
    weights: dict[str, Decimal],
    user,
    channel: str = "browser",
) -> Exercise:
    """New weights re-rank the matrix; everything entered for the candidates stays as it was."""

    def change(e: Exercise) -> None:
        for key, _ in CRITERIA:
            if key in weights:
                setattr(e, f"weight_{key}", weights[key])
        e.save()

    return locked_update(Exercise, exercise.pk, expected_version, change, user, channel)


# --- candidates -----------------------------------------------------------------------------


def add_candidate(
    *,
    exercise: Exercise,
    name: str,
    figures: Sequence[Figure] = (),
    questions: Sequence[Question] = (),
    user,
    channel: str = "browser",
) -> Candidate:
    with transaction.atomic():
        last = exercise.candidates.aggregate(m=models.Max("order"))["m"] or 0
        candidate = Candidate.objects.create(exercise=exercise, name=name, order=last + 1)
        _add_sources(candidate, figures, questions)
        record(
            candidate,
            Event.CREATE,
            user,
            after={**snapshot(candidate), **_sources_of(candidate)},
            channel=channel,
        )
    return candidate


def update_candidate(
    *,
    candidate: Candidate,
    expected_version: int,
    values: dict[str, Any],
    figures: Sequence[Figure] | None = None,
    questions: Sequence[Question] | None = None,
    user,
    channel: str = "browser",
) -> Candidate:
    """Rename, judge added value, or change which figures and survey items it draws on."""

    def change(c: Candidate) -> None:
        for name, value in values.items():
            setattr(c, name, value)
        c.save()
        if figures is not None or questions is not None:
            kept_figures = (
                figures
                if figures is not None
                else [s.figure for s in c.sources.all() if s.figure_id]
            )
            kept_questions = (
                questions
                if questions is not None
                else [s.question for s in c.sources.all() if s.question_id]
            )
            c.sources.all().delete()
            _add_sources(c, kept_figures, kept_questions)

    return locked_update(
        Candidate, candidate.pk, expected_version, change, user, channel, extra=_sources_of
    )


def merge_candidates(
    *, exercise: Exercise, candidates: Sequence[Candidate], name: str, user, channel="browser"
) -> Candidate:
    """One new candidate drawing on all their evidence; the merged ones leave the matrix.

    An added-value judgement is kept only when every merged candidate had the same one.
    """
    with transaction.atomic():
        locked = list(
            Candidate.objects.select_for_update()
            .filter(pk__in=[c.pk for c in candidates], exercise=exercise, merged_into=None)
            .prefetch_related("sources")
        )
        figures = {s.figure_id for c in locked for s in c.sources.all() if s.figure_id}
        questions = {s.question_id for c in locked for s in c.sources.all() if s.question_id}
        judgements = {(c.added_value, c.added_value_reason) for c in locked}
        merged = add_candidate(
            exercise=exercise,
            name=name,
            figures=list(Figure.objects.filter(pk__in=figures)),
            questions=list(Question.objects.filter(pk__in=questions)),
            user=user,
            channel=channel,
        )
        if len(judgements) == 1:
            merged.added_value, merged.added_value_reason = judgements.pop()
            merged.save(update_fields=["added_value", "added_value_reason"])
        for c in locked:
            before = snapshot(c)
            c.merged_into = merged
            c.save(update_fields=["merged_into", "updated_at"])
            record(c, Event.UPDATE, user, before=before, after=snapshot(c), channel=channel)
    return merged


# --- harm weights ---------------------------------------------------------------------------


def set_harm_weights(
    *, exercise: Exercise, weights: dict[str, Decimal], source: str, user, channel="browser"
) -> list[HarmWeight]:
    """Make the exercise's harm table exactly `weights`, each row naming `source`."""
    with transaction.atomic():
        Exercise.objects.select_for_update().filter(pk=exercise.pk).first()
        existing = {h.category: h for h in exercise.harm_weights.all()}
        for category, weight in weights.items():
            row = existing.pop(category, None)
            if row is None:
                row = HarmWeight.objects.create(
                    exercise=exercise, category=category, weight=weight, source=source
                )
                record(row, Event.CREATE, user, channel=channel)
            elif (row.weight, row.source) != (weight, source):
                before = snapshot(row)
                row.weight, row.source = weight, source
                row.save()
                record(row, Event.UPDATE, user, before=before, after=snapshot(row), channel=channel)
        for row in existing.values():
            record(row, Event.DELETE, user, channel=channel)
            row.delete()
        return list(exercise.harm_weights.all())


# --- to strategy ----------------------------------------------------------------------------


def _strategy_slug(exercise: Exercise, start_year: int, end_year: int) -> str:
    base = slugify(f"{exercise.partnership.key}-{start_year}-{end_year}-draft")[:70]
    slug, n = base, 1
    while Strategy.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_draft_strategy(
    *,
    exercise: Exercise,
    candidates: Sequence[Candidate],
    title: str,
    start_year: int,
    end_year: int,
    user,
    channel: str = "browser",
) -> Strategy:
    """A draft strategy of the partnership with the candidates, in rank order, as priorities.

    Each priority's "why is this important" starts with the candidate's evidence in words.
    """
    rows = evidence.matrix(exercise)
    chosen = {c.pk for c in candidates}
    with transaction.atomic():
        strategy = priority_services.create_strategy(
            values={
                "partnership": exercise.partnership,
                "slug": _strategy_slug(exercise, start_year, end_year),
                "title": title,
                "start_year": start_year,
                "end_year": end_year,
                "status": Strategy.Status.DRAFT,
            },
            user=user,
            channel=channel,
        )
        for row in rows:
            if row.candidate.pk not in chosen:
                continue
            priority_services.create_priority(
                strategy=strategy,
                values={
                    "title": row.candidate.name,
                    "why": evidence.summary(row, exercise, len(rows)),
                },
                user=user,
                channel=channel,
            )
        before = snapshot(exercise)
        Exercise.objects.filter(pk=exercise.pk).update(strategy=strategy)
        exercise.strategy = strategy
        record(
            exercise, Event.UPDATE, user, before=before, after=snapshot(exercise), channel=channel
        )
    return strategy


def history(exercise: Exercise):
    """One timeline for the exercise, its candidates (merged ones too) and its harm table."""
    from audit.services import history_of_many

    return history_of_many(
        [exercise], exercise.candidates.all(), exercise.harm_weights.all()
    ).order_by("-at", "-pk")
