"""Survey pages: thin views over services.py. What a person can't see is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from partners.access import officer_partnership_ids

from . import charts, imports, services, tables
from .forms import (
    AnswerMapForm,
    BreakdownForm,
    ColumnMapForm,
    DontKnowForm,
    SurveyCreateForm,
    UploadForm,
)
from .models import ItemMapping, Question, ResponseImport, Survey


def _context(request, survey: Survey, current: str, **extra) -> dict:
    """What every page of one survey needs: the survey, its sections and the sub-navigation."""
    sections = list(survey.sections.all())
    return {
        "survey": survey,
        "sections": sections,
        "current": current,
        "can_manage": services.can_manage(request.user, survey),
        **extra,
    }


def survey_list(request):
    """Every survey this person may see, newest first."""
    surveys = (
        Survey.objects.visible_to(request.user)
        .select_related("partnership")
        .order_by("-fieldwork_start", "title")
    )
    return render(
        request,
        "surveys/survey_list.html",
        {"surveys": surveys, "can_create": bool(officer_partnership_ids(request.user))},
    )


@login_required
def survey_create(request):
    """An officer sets up a new (draft) survey, usually from last time's questionnaire."""
    if not officer_partnership_ids(request.user):
        raise Http404("No page here.")
    form = SurveyCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        survey = services.create_survey(
            request.user,
            partnership=data.pop("partnership"),
            title=data.pop("title"),
            copy_from=data.pop("copy_from"),
            **data,
        )
        messages.success(request, f"“{survey.title}” has been set up as a draft.")
        return redirect(survey)
    return render(request, "surveys/survey_form.html", {"form": form})


def survey_detail(request, slug: str):
    """A survey's facts, its parts, and the results of its choice and demographic questions."""
    survey = services.visible_survey(request.user, slug)
    results = services.item_results(survey)

    def tables_of(kind):
        out = []
        for r in results:
            if r.question.kind == kind:
                dist = r.distribution()
                counts = [s.count for s in dist.shares]
                out.append(
                    {
                        "caption": _caption(r.question, dist),
                        "result": r,
                        "dist": dist,
                        "total": sum(counts) if all(c is not None for c in counts) else None,
                        "checked": not r.computed and any(c is not None for c in counts),
                        "has_counts": any(
                            c is not None or s.withheld
                            for c, s in zip(counts, dist.shares, strict=True)
                        ),
                    }
                )
        return out

    ctx = _context(
        request,
        survey,
        "overview",
        computed=any(r.computed for r in results),
        choices=tables_of(Question.Kind.SINGLE_CHOICE),
        follow_ups=tables_of(Question.Kind.FOLLOW_UP),
        demographics=tables_of(Question.Kind.DEMOGRAPHIC),
        has_chart_figures=any(f.chart_percentage is not None for r in results for f in r.figures),
        item_counts={
            s["section_id"]: s["n"]
            for s in survey.questions.values("section_id").annotate(n=Count("pk"))
        },
    )
    if ctx["can_manage"]:
        ctx["raw_responses"] = survey.respondents_set.visible_to(request.user).count()
        ctx["imports"] = list(
            ResponseImport.objects.visible_to(request.user)
            .filter(survey=survey)
            .defer("content")[:5]
        )
        ctx["can_import"] = services.can_import(survey)
    return render(request, "surveys/survey_detail.html", ctx)


@require_POST
def survey_status(request, slug: str):
    """An officer publishes the survey's results, or takes them back to draft."""
    survey = services.managed_survey(request.user, slug)
    status = request.POST.get("status", "")
    try:
        services.set_status(request.user, survey, status)
    except ValueError as exc:
        raise Http404("No such status.") from exc
    if survey.is_public:
        messages.success(request, "The survey is published: anyone can now read its results.")
    else:
        messages.success(request, "The survey is back to draft: only the partnership can see it.")
    return redirect(survey)


def _caption(question: Question, dist) -> str:
    base = f"{dist.base:,}" if dist.base is not None else "the people"
    if question.kind == Question.Kind.FOLLOW_UP and question.parent_option_id:
        return (
            f"Most important issue: {question.parent_option.label}. "
            f"Of {base} respondents to this question"
        )
    if question.kind == Question.Kind.DEMOGRAPHIC:
        return f"{question.text}, from {base} responses"
    return f"{question.text}, of {base} who answered"


def survey_section(request, slug: str, key: str):
    """A section's items as diverging bars, with the numbers in a table."""
    survey = services.visible_survey(request.user, slug)
    dk = DontKnowForm(request.GET or None)
    exclude = dk.exclude
    section, items = services.section_with_results(survey, key, exclude)
    chart = charts.diverging_chart(
        f"chart-{section.key}",
        f"How much of a problem: {section.title}",
        [(r.question.text, dist) for r, dist in items],
    )
    labels = tables.answer_labels(items)
    rows = []
    for r, dist in items:
        by_label = {s.label: s for s in dist.shares}
        rows.append((r, dist, [by_label.get(label) for label in labels]))
    standard = {f.label: f.standard_label for r, _ in items for f in r.figures if f.standard_label}
    return render(
        request,
        "surveys/section.html",
        _context(
            request,
            survey,
            f"section-{section.key}",
            section=section,
            chart=chart,
            labels=labels,
            standard=standard,
            rows=rows,
            dk_form=dk,
            exclude=exclude,
            computed=any(r.computed for r, _ in items),
            hide_dont_know=not any(r.has_dont_know for r, _ in items),
            download_query="?dont_know=exclude" if exclude else "",
        ),
    )


def survey_concerns(request, slug: str):
    """Rating items ranked by net concern, across the survey and within each section."""
    survey = services.visible_survey(request.user, slug)
    dk = DontKnowForm(request.GET or None)
    exclude = dk.exclude
    return render(
        request,
        "surveys/concerns.html",
        _context(
            request,
            survey,
            "concerns",
            ranked=services.ranked_concerns(survey, exclude),
            dk_form=dk,
            exclude=exclude,
            download_query="?dont_know=exclude" if exclude else "",
        ),
    )


def survey_compare_choose(request, slug: str):
    """Which other survey to compare this one with."""
    survey = services.visible_survey(request.user, slug)
    others = list(
        Survey.objects.visible_to(request.user)
        .exclude(pk=survey.pk)
        .select_related("partnership")
        .order_by("-fieldwork_start")
    )
    matched = {}
    for other in others:
        earlier, later = services.order_pair(survey, other)
        matched[other.pk] = services.mappings_between(earlier, later).count()
    return render(
        request,
        "surveys/compare_choose.html",
        _context(request, survey, "compare", others=[(o, matched[o.pk]) for o in others]),
    )


def _pair(request, slug: str, other: str) -> tuple[Survey, Survey, Survey]:
    survey = services.visible_survey(request.user, slug)
    other_survey = services.visible_survey(request.user, other)
    if other_survey.pk == survey.pk:
        raise Http404("Compare two different surveys.")
    earlier, later = services.order_pair(survey, other_survey)
    return survey, earlier, later


def survey_compare(request, slug: str, other: str):
    """Two surveys side by side through the items an officer confirmed as matching."""
    survey, earlier, later = _pair(request, slug, other)
    can_confirm = services.can_manage(request.user, earlier) or services.can_manage(
        request.user, later
    )
    result = services.comparison(earlier, later, with_suggestions=can_confirm)
    return render(
        request,
        "surveys/compare.html",
        _context(
            request,
            survey,
            "compare",
            comparison=result,
            other=earlier if survey == later else later,
            can_confirm=can_confirm,
        ),
    )


@require_POST
@login_required
def survey_mapping_confirm(request, slug: str, other: str):
    _survey, earlier, later = _pair(request, slug, other)
    try:
        services.confirm_mapping(
            request.user,
            earlier,
            later,
            request.POST.get("earlier", ""),
            request.POST.get("later", ""),
        )
    except PermissionError as exc:
        raise Http404("No page here.") from exc
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The match has been confirmed.")
    return redirect("survey_compare", slug, other)


@require_POST
@login_required
def survey_mapping_remove(request, slug: str, other: str, pk: int):
    _survey, earlier, later = _pair(request, slug, other)
    mapping = get_object_or_404(
        ItemMapping, pk=pk, earlier_question__survey=earlier, later_question__survey=later
    )
    try:
        services.remove_mapping(request.user, mapping)
    except PermissionError as exc:
        raise Http404("No page here.") from exc
    messages.success(request, "The match has been removed.")
    return redirect("survey_compare", slug, other)


def survey_breakdown(request, slug: str):
    """An item broken down by a group of respondents, small numbers withheld."""
    survey = services.visible_survey(request.user, slug)
    items, demographics = services.breakdown_questions(survey)
    computed = services.has_computed_results(survey)
    form = BreakdownForm(request.GET or None, items=items, demographics=demographics)
    table = None
    if computed and demographics and form.is_valid():
        by_key = {q.key: q for q in [*items, *demographics]}
        table = services.breakdown(
            survey, by_key[form.cleaned_data["question"]], by_key[form.cleaned_data["by"]]
        )
    return render(
        request,
        "surveys/breakdown.html",
        _context(
            request,
            survey,
            "breakdown",
            form=form,
            table=table,
            available=computed and bool(demographics),
            query=request.GET.urlencode(),
        ),
    )


def survey_download(request, slug: str, table: str, fmt: str):
    """Any table of the survey as CSV or Excel, exactly as the pages show it."""
    survey = services.visible_survey(request.user, slug)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Downloads are CSV or Excel (.xlsx).")
    exclude = request.GET.get("dont_know") == "exclude"
    data = None
    if table == "results":
        data = tables.results_table(survey)
    elif table == "concerns":
        data = tables.concerns_table(survey, exclude)
    elif table.startswith("section-"):
        data = tables.section_table(survey, table.removeprefix("section-"), exclude)
    elif table.startswith("comparison-"):
        _, earlier, later = _pair(request, slug, table.removeprefix("comparison-"))
        data = tables.comparison_table(earlier, later)
    elif table == "breakdown":
        items, demographics = services.breakdown_questions(survey)
        by_key = {q.key: q for q in [*items, *demographics]}
        question, by = by_key.get(request.GET.get("question")), by_key.get(request.GET.get("by"))
        if question in items and by in demographics:
            data = tables.breakdown_table(survey, question, by)
    if data is None:
        raise Http404("No such table.")
    return tables.as_xlsx(data) if fmt == "xlsx" else tables.as_csv(data)


# --- importing raw responses (officers of the partnership only) ----------------------------


def survey_import(request, slug: str):
    """Step 1: upload the export."""
    survey = services.managed_survey(request.user, slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and services.can_import(survey):
        upload = form.cleaned_data["file"]
        try:
            record = services.start_import(request.user, survey, upload.name, upload.read())
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("survey_import_columns", survey.slug, record.pk)
    return render(
        request,
        "surveys/import_upload.html",
        _context(request, survey, "import", form=form, can_import=services.can_import(survey)),
    )


def _import_record(request, slug: str, pk: int) -> tuple[Survey, ResponseImport]:
    survey = services.managed_survey(request.user, slug)
    record = services.visible_import(request.user, survey, pk)
    if record.status not in (ResponseImport.Status.UPLOADED, ResponseImport.Status.FAILED):
        raise Http404("This file has already been imported.")
    return survey, record


def survey_import_columns(request, slug: str, pk: int):
    """Step 2: which question each column answers (suggested, confirmed by the officer)."""
    survey, record = _import_record(request, slug, pk)
    try:
        sheet = services.load_sheet(record)
    except imports.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("survey_import", survey.slug)
    questions = list(services.questions_with_options(survey))
    form = ColumnMapForm(
        request.POST or None,
        headers=sheet.headers,
        questions=questions,
        initial_map=record.column_map,
    )
    if request.method == "POST" and form.is_valid():
        services.save_column_map(record, form.column_map())
        return redirect("survey_import_answers", survey.slug, record.pk)
    examples = [
        ", ".join(list(imports.distinct_answers(sheet, i))[:3]) for i in range(len(sheet.headers))
    ]
    return render(
        request,
        "surveys/import_columns.html",
        _context(
            request,
            survey,
            "import",
            record=record,
            form=form,
            rows=[(*col, examples[n]) for n, col in enumerate(form.columns())],
            respondents=len(sheet.rows),
        ),
    )


def survey_import_answers(request, slug: str, pk: int):
    """Step 3: what each unknown answer means; then import everything or nothing."""
    survey, record = _import_record(request, slug, pk)
    try:
        groups = services.answers_to_match(record)
    except imports.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("survey_import", survey.slug)
    form = AnswerMapForm(request.POST or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        answer_map = services.expand_answer_choices(groups, form.choices())
        services.queue_import(request.user, record, answer_map)
        if record.status == ResponseImport.Status.IMPORTED:
            messages.success(request, f"{record.respondents:,} responses imported.")
        return redirect("survey_import_result", survey.slug, record.pk)
    new_columns = [
        (imports.column_letter(int(i)), record.headers[int(i)])
        for i, key in record.column_map.items()
        if key == imports.NEW_DEMOGRAPHIC
    ]
    return render(
        request,
        "surveys/import_answers.html",
        _context(request, survey, "import", record=record, form=form, new_columns=new_columns),
    )


def survey_import_result(request, slug: str, pk: int):
    """What the import did: how many responses, or every row that stopped it."""
    survey = services.managed_survey(request.user, slug)
    record = services.visible_import(request.user, survey, pk)
    return render(
        request,
        "surveys/import_result.html",
        _context(
            request,
            survey,
            "import",
            record=record,
            concerns_url=reverse("survey_concerns", args=[survey.slug]),
        ),
    )
