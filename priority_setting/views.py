"""Pages of a priority-setting exercise: start, matrix, candidates, harm table, strategy, exports.

Every page is for signed-in people with a role in the exercise's partnership (404 otherwise);
only its CSU officers change anything (403 for other members).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from api.export import csv_response, xlsx_response
from partners import access

from . import charts, evidence, services
from .forms import CandidateForm, ExerciseForm, HarmForm, MergeForm, StrategyForm, WeightsForm
from .models import CRITERIA, Candidate, Exercise


def _exercise(request: HttpRequest, pk: int) -> Exercise:
    """The exercise if the person may read it; otherwise it does not exist for them."""
    return get_object_or_404(
        Exercise.objects.visible_to(request.user).select_related(
            "partnership", "assessment", "survey", "strategy"
        ),
        pk=pk,
    )


def _editable(request: HttpRequest, pk: int) -> Exercise:
    """The exercise if the person is one of its partnership's officers (403 for other members)."""
    exercise = _exercise(request, pk)
    if not access.is_officer(request.user, exercise.partnership_id):
        raise PermissionDenied
    return exercise


def _officer_partnerships(user) -> set[int] | None:
    """None means every partnership (superusers)."""
    return None if access.is_superuser(user) else access.officer_partnership_ids(user)


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:.1f}"


def _raw_text(key: str, value: Decimal | None) -> str:
    """A criterion's evidence value in words, as the matrix shows it."""
    if value is None:
        return "No evidence"
    if key == "volume":
        return f"{value:.1f}% of crime or ASB"
    if key == "concern":
        return f"{value:.1f}% concerned"
    if key == "added_value":
        return f"{value:.1f} of 5"
    if key == "trend":
        return f"{'+' if value > 0 else ''}{value:.1f}%"
    return f"weight {value.normalize():f}"


def _matrix_context(exercise: Exercise) -> dict:
    rows = evidence.matrix(exercise)
    table = [
        {
            "row": r,
            "cells": [
                {**cell, "raw_text": _raw_text(cell["key"], cell["raw"])} for cell in r.cells
            ],
        }
        for r in rows
    ]
    chart = charts.score_chart(
        [(r.candidate.name, r.row.ranked.label, r.row.total) for r in rows],
        "scores",
        f"Total scores: {exercise.title}",
    )
    return {
        "exercise": exercise,
        "rows": table,
        "chart": chart,
        "criteria": CRITERIA,
        "weights": [(label, exercise.weights[key]) for key, label in CRITERIA],
        "method": evidence.scoring.METHOD,
        "incomplete": sum(1 for r in rows if r.row.criteria_used < len(CRITERIA)),
    }


@login_required
def exercise_list(request: HttpRequest) -> HttpResponse:
    exercises = Exercise.objects.visible_to(request.user).select_related(
        "partnership", "assessment", "survey", "strategy"
    )
    may_start = access.is_superuser(request.user) or bool(
        access.officer_partnership_ids(request.user)
    )
    if not exercises.exists() and not may_start and not access.member_partnership_ids(request.user):
        raise Http404("No priority-setting exercises.")
    return render(
        request,
        "priority_setting/exercise_list.html",
        {"exercises": exercises, "may_start": may_start},
    )


@login_required
@require_http_methods(["GET", "POST"])
def exercise_create(request: HttpRequest) -> HttpResponse:
    ids = _officer_partnerships(request.user)
    if ids is not None and not ids:
        raise PermissionDenied
    form = ExerciseForm(request.POST or None, partnership_ids=ids)
    if request.method == "POST" and form.is_valid():
        exercise = services.start_exercise(
            title=form.cleaned_data["title"],
            assessment=form.cleaned_data["assessment"],
            survey=form.cleaned_data["survey"],
            user=request.user,
        )
        messages.success(request, "Exercise started: check the candidates and their evidence")
        return HttpResponseRedirect(exercise.get_absolute_url())
    return render(request, "priority_setting/exercise_form.html", {"form": form})


@login_required
def exercise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _exercise(request, pk)
    can_edit = access.is_officer(request.user, exercise.partnership_id)
    context = _matrix_context(exercise)
    context.update(
        can_edit=can_edit,
        form=WeightsForm(exercise=exercise) if can_edit else None,
        history=services.history(exercise)[:50],
    )
    return render(request, "priority_setting/exercise_detail.html", context)


@login_required
@require_http_methods(["POST"])
def exercise_weights(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _editable(request, pk)
    form = WeightsForm(request.POST, exercise=exercise)
    conflict = None
    if form.is_valid():
        try:
            services.update_weights(
                exercise=exercise,
                expected_version=form.cleaned_data["version"],
                weights=form.weights(),
                user=request.user,
            )
        except services.EditConflict as exc:
            conflict = exc
        else:
            messages.success(request, "Weights saved: the matrix is re-ranked")
            return HttpResponseRedirect(exercise.get_absolute_url() + "#matrix")
    exercise.refresh_from_db()
    context = _matrix_context(exercise)
    if conflict is not None:
        data = request.POST.copy()
        data["version"] = exercise.version
        form = WeightsForm(data, exercise=exercise)
    context.update(
        can_edit=True, form=form, conflict=conflict, history=services.history(exercise)[:50]
    )
    return render(request, "priority_setting/exercise_detail.html", context, status=400)


def _candidate(exercise: Exercise, candidate_pk: int) -> Candidate:
    return get_object_or_404(
        exercise.candidates.current().prefetch_related("sources"), pk=candidate_pk
    )


def _sources(form: CandidateForm) -> dict:
    return {
        "figures": list(form.cleaned_data["figures"]),
        "questions": list(form.cleaned_data["questions"]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def candidate_add(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _editable(request, pk)
    form = CandidateForm(request.POST or None, exercise=exercise)
    if request.method == "POST" and form.is_valid():
        services.add_candidate(
            exercise=exercise, name=form.cleaned_data["name"], user=request.user, **_sources(form)
        )
        messages.success(request, "Candidate added")
        return HttpResponseRedirect(exercise.get_absolute_url() + "#matrix")
    return render(
        request, "priority_setting/candidate_form.html", {"form": form, "exercise": exercise}
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request: HttpRequest, pk: int, candidate_pk: int) -> HttpResponse:
    exercise = _editable(request, pk)
    candidate = _candidate(exercise, candidate_pk)
    form = CandidateForm(request.POST or None, exercise=exercise, candidate=candidate)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_candidate(
                candidate=candidate,
                expected_version=form.cleaned_data.get("version") or 0,
                values={
                    "name": form.cleaned_data["name"],
                    "added_value": form.cleaned_data["added_value"],
                    "added_value_reason": form.cleaned_data["added_value_reason"].strip(),
                },
                user=request.user,
                **_sources(form),
            )
        except services.EditConflict as exc:
            conflict = exc
            data = request.POST.copy()
            data["version"] = exc.current.version
            form = CandidateForm(data, exercise=exercise, candidate=exc.current)
        else:
            messages.success(request, "Candidate saved")
            return HttpResponseRedirect(exercise.get_absolute_url() + "#matrix")
    found = evidence.evidence_for(candidate, evidence.context_for(exercise))
    cells = [
        {
            "label": label,
            "items": found.items.get(key, []),
            "raw_text": _raw_text(key, found.values[key]),
        }
        for key, label in CRITERIA
    ]
    return render(
        request,
        "priority_setting/candidate_form.html",
        {
            "form": form,
            "exercise": exercise,
            "candidate": candidate,
            "conflict": conflict,
            "cells": cells,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _editable(request, pk)
    form = MergeForm(request.POST or None, exercise=exercise)
    if request.method == "POST" and form.is_valid():
        merged = services.merge_candidates(
            exercise=exercise,
            candidates=list(form.cleaned_data["candidates"]),
            name=form.cleaned_data["name"],
            user=request.user,
        )
        messages.success(request, f"Candidates merged into {merged.name}")
        return HttpResponseRedirect(exercise.get_absolute_url() + "#matrix")
    return render(request, "priority_setting/merge_form.html", {"form": form, "exercise": exercise})


def _categories(exercise: Exercise) -> list[str]:
    """Every category the exercise's figures name, in the assessment's order."""
    seen: dict[str, None] = {}
    for figure in evidence.candidate_figures(exercise):
        seen.setdefault(evidence.figure_category(figure), None)
    for row in exercise.harm_weights.all():
        seen.setdefault(row.category, None)
    return list(seen)


@login_required
@require_http_methods(["GET", "POST"])
def harm_weights(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _editable(request, pk)
    categories = _categories(exercise)
    current = list(exercise.harm_weights.all())
    initial = {
        "table": "\n".join(f"{h.category}, {h.weight.normalize():f}" for h in current),
        "source": current[0].source if current else "",
    }
    form = HarmForm(request.POST or None, categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_harm_weights(
            exercise=exercise,
            weights=form.cleaned_data["table"],
            source=form.cleaned_data["source"],
            user=request.user,
        )
        messages.success(request, "Harm weights saved")
        return HttpResponseRedirect(exercise.get_absolute_url() + "#matrix")
    return render(
        request,
        "priority_setting/harm_form.html",
        {"form": form, "exercise": exercise, "categories": categories, "current": current},
    )


@login_required
@require_http_methods(["GET", "POST"])
def to_strategy(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _editable(request, pk)
    rows = evidence.matrix(exercise)
    ranked = [
        (
            r.candidate,
            f"rank {r.row.ranked.label}, score {_number(r.row.total)}"
            if r.row.total is not None
            else "no score",
        )
        for r in rows
    ]
    initial = {
        "candidates": [c.pk for c, _ in ranked[:5]],
        "title": f"{exercise.partnership.short_name} Community Safety Strategy (draft)",
    }
    form = StrategyForm(request.POST or None, exercise=exercise, ranked=ranked, initial=initial)
    if request.method == "POST" and form.is_valid():
        strategy = services.create_draft_strategy(
            exercise=exercise,
            candidates=list(form.cleaned_data["candidates"]),
            title=form.cleaned_data["title"],
            start_year=form.cleaned_data["start_year"],
            end_year=form.cleaned_data["end_year"],
            user=request.user,
        )
        messages.success(request, "Draft strategy created from the exercise")
        return HttpResponseRedirect(strategy.get_absolute_url())
    return render(
        request, "priority_setting/strategy_form.html", {"form": form, "exercise": exercise}
    )


@login_required
def exercise_print(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _exercise(request, pk)
    return render(request, "priority_setting/exercise_print.html", _matrix_context(exercise))


def export_rows(exercise: Exercise) -> list[dict]:
    """One row per candidate: rank, evidence, scores and total, for CSV and Excel."""
    out = []
    for r in evidence.matrix(exercise):
        row: dict = {"rank": r.row.ranked.label, "candidate": r.candidate.name}
        for cell in r.cells:
            row[f"{cell['label']} (evidence)"] = (
                None if cell["raw"] is None else float(round(cell["raw"], 2))
            )
            row[f"{cell['label']} (score 0-100)"] = (
                None if cell["score"] is None else float(round(cell["score"], 1))
            )
        row["total score"] = None if r.row.total is None else float(round(r.row.total, 1))
        row["criteria with evidence"] = r.row.criteria_used
        row["sources"] = "; ".join(
            f"{item.text} ({item.source})" for cell in r.cells for item in cell["items"]
        )
        out.append(row)
    return out


@login_required
def exercise_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    exercise = _exercise(request, pk)
    name = f"priority-setting-{exercise.pk}"
    rows = export_rows(exercise)
    if fmt == "csv":
        return csv_response(rows, name)
    if fmt == "xlsx":
        return xlsx_response(rows, name, "Matrix")
    raise Http404("No such format.")
