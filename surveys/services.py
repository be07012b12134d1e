"""What the survey pages, downloads and commands do, over the database.

Views stay thin and call these. Reading goes through `Survey.objects.visible_to(user)`; raw
responses are read only here, to compute aggregates, and only for officers' actions.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from partners.access import is_officer

from . import analysis, imports
from .analysis import FEWER_THAN_10, SHOWN, SUPPRESSED, Distribution, Figure, Measure
from .models import (
    Answer,
    AnswerOption,
    ComputedResult,
    ItemMapping,
    PublishedResult,
    Question,
    Respondent,
    ResponseImport,
    Section,
    Survey,
)
from .suppression import CannotProtect, Protected, protect_item, protect_line

RANKED_KINDS = (Question.Kind.RATING,)
BREAKDOWN_KINDS = (Question.Kind.RATING, Question.Kind.SINGLE_CHOICE)


# --- access --------------------------------------------------------------------------------


def visible_survey(user, slug: str) -> Survey:
    """The survey if this person may see it, else 404 (never a 403 that confirms it exists)."""
    return get_object_or_404(
        Survey.objects.visible_to(user).select_related("partnership", "strategy"), slug=slug
    )


def can_manage(user, survey: Survey) -> bool:
    """CSU officers of the survey's partnership import, map and confirm."""
    return is_officer(user, survey.partnership_id)


def managed_survey(user, slug: str) -> Survey:
    """The survey if this person is one of its partnership's officers, else 404."""
    survey = visible_survey(user, slug)
    if not can_manage(user, survey):
        from django.http import Http404

        raise Http404("No survey found.")
    return survey


# --- results -------------------------------------------------------------------------------


@dataclass
class ItemResult:
    """One question's figures, published or computed, ready for analysis functions."""

    question: Question
    figures: list[Figure]
    base: int | None
    base_disclosure: str = SHOWN
    computed: bool = False

    def distribution(self, exclude_dont_know: bool = False) -> Distribution:
        return analysis.distribution(
            self.figures,
            base=self.base,
            base_disclosure=self.base_disclosure,
            exclude_dont_know=exclude_dont_know and self.question.is_rating,
        )

    @property
    def has_dont_know(self) -> bool:
        return any(f.dont_know for f in self.figures)


def questions_with_options(survey: Survey):
    return (
        Question.objects.filter(survey=survey)
        .select_related("section", "parent", "parent_option")
        .prefetch_related(Prefetch("options", queryset=AnswerOption.objects.order_by("order")))
        .order_by("order")
    )


def has_computed_results(survey: Survey) -> bool:
    return ComputedResult.objects.filter(survey=survey).exists()


def item_results(survey: Survey, questions: Iterable[Question] | None = None) -> list[ItemResult]:
    """Every question's figures: computed from imported responses if any, else as published."""
    questions = list(questions if questions is not None else questions_with_options(survey))
    ids = [q.pk for q in questions]
    computed = list(
        ComputedResult.objects.filter(
            survey=survey, question_id__in=ids, group_question__isnull=True
        ).values_list("question_id", "option_id", "count", "disclosure")
    )
    if computed:
        by_q: dict[int, dict] = defaultdict(dict)
        for qid, oid, count, disclosure in computed:
            by_q[qid][oid] = (count, disclosure)
        out = []
        for q in questions:
            cells = by_q.get(q.pk, {})
            base = cells.get(None, (None, SHOWN))
            figures = [
                Figure(
                    label=o.label,
                    count=cells.get(o.pk, (0, SHOWN))[0]
                    if cells.get(o.pk, (0, SHOWN))[1] == SHOWN
                    else None,
                    concern=o.counts_as_concern,
                    dont_know=o.is_dont_know,
                    disclosure=cells.get(o.pk, (0, SHOWN))[1],
                    standard_label=o.standard_label,
                )
                for o in q.options.all()
            ]
            out.append(
                ItemResult(
                    question=q,
                    figures=figures,
                    base=base[0] if base[1] == SHOWN else None,
                    base_disclosure=base[1],
                    computed=True,
                )
            )
        return out
    published = {
        r.option_id: r
        for r in PublishedResult.objects.filter(question_id__in=ids).only(
            "option_id",
            "count",
            "percentage",
            "percentage_places",
            "chart_percentage",
            "base",
            "flag",
            "note",
        )
    }
    out = []
    for q in questions:
        figures = []
        base = None
        for o in q.options.all():
            r = published.get(o.pk)
            if r is not None and r.base is not None:
                base = r.base
            figures.append(
                Figure(
                    label=o.label,
                    count=r.count if r else None,
                    percentage=r.percentage if r else None,
                    places=r.percentage_places if r else 0,
                    concern=o.counts_as_concern,
                    dont_know=o.is_dont_know,
                    flag=r.flag if r else "",
                    chart_percentage=r.chart_percentage if r else None,
                    note=r.note if r else "",
                    standard_label=o.standard_label,
                )
            )
        out.append(ItemResult(question=q, figures=figures, base=base))
    return out


# --- rankings ------------------------------------------------------------------------------


@dataclass
class RankedItem:
    question: Question
    net_concern: Decimal | None
    rank: analysis.Ranked
    section_rank: analysis.Ranked
    distribution: Distribution


def ranked_concerns(survey: Survey, exclude_dont_know: bool = False) -> list[RankedItem]:
    """Rating items by net concern, highest first, ranked across the survey and in their section."""
    results = [r for r in item_results(survey) if r.question.kind in RANKED_KINDS]
    dists = {r.question.pk: r.distribution(exclude_dont_know) for r in results}
    values = [(str(r.question.pk), dists[r.question.pk].net_concern) for r in results]
    overall = {x.key: x for x in analysis.rank(values)}
    by_section: dict[int | None, list] = defaultdict(list)
    for r in results:
        by_section[r.question.section_id].append(
            (str(r.question.pk), dists[r.question.pk].net_concern)
        )
    within = {}
    for items in by_section.values():
        within.update({x.key: x for x in analysis.rank(items)})
    rows = [
        RankedItem(
            question=r.question,
            net_concern=dists[r.question.pk].net_concern,
            rank=overall[str(r.question.pk)],
            section_rank=within[str(r.question.pk)],
            distribution=dists[r.question.pk],
        )
        for r in results
    ]
    rows.sort(key=lambda x: (x.rank.rank is None, x.rank.rank or 0, x.question.order))
    return rows


# --- comparison ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """Something two surveys can be compared on: a rating item, or one answer of a choice."""

    question: Question
    option: AnswerOption | None

    @property
    def key(self) -> str:
        return f"{self.question.pk}:{self.option.pk if self.option else ''}"

    @property
    def label(self) -> str:
        return self.option.label if self.option else self.question.text

    @property
    def context(self) -> str:
        q = self.question
        if self.option is None:
            return q.section.title if q.section_id else ""
        if q.kind == Question.Kind.FOLLOW_UP and q.parent_option_id:
            return f"Top 3 within {q.parent_option.label}"
        return q.text


def comparable_items(survey: Survey, questions=None) -> list[Item]:
    items = []
    for q in questions if questions is not None else questions_with_options(survey):
        if q.kind == Question.Kind.RATING:
            items.append(Item(q, None))
        elif q.kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.FOLLOW_UP):
            items.extend(Item(q, o) for o in q.options.all())
    return items


def measure(item: Item, result: ItemResult) -> Measure:
    """What a survey says about an item: net concern, or the share choosing an answer."""
    q = item.question
    if item.option is None:
        dist = result.distribution()
        concern = [s.label for s in dist.shares if s.concern]
        return Measure(
            kind="net_concern",
            percentage=dist.net_concern,
            description=f"said it was a {' or '.join(c.lower() for c in concern)}"
            if concern
            else "no answers count as concern",
            base=dist.base,
        )
    figure = next(f for f in result.figures if f.label == item.option.label)
    pct = figure.percentage
    if pct is None and figure.count is not None and result.base:
        pct = analysis.percent(figure.count, result.base)
    if q.kind == Question.Kind.FOLLOW_UP and q.parent_option_id:
        description = (
            "put it in their top 3, of those whose most important issue was "
            f"{q.parent_option.label}"
        )
    else:
        description = "chose it as the single most important issue"
    return Measure(
        kind="chosen",
        percentage=None if figure.withheld else pct,
        description=description,
        base=result.base,
        count=figure.count,
    )


def order_pair(a: Survey, b: Survey) -> tuple[Survey, Survey]:
    """(earlier, later) by fieldwork start."""
    key_a = (a.fieldwork_start is None, a.fieldwork_start, a.pk)
    key_b = (b.fieldwork_start is None, b.fieldwork_start, b.pk)
    return (a, b) if key_a <= key_b else (b, a)


def mappings_between(earlier: Survey, later: Survey):
    return ItemMapping.objects.filter(
        earlier_question__survey=earlier, later_question__survey=later
    ).select_related(
        "earlier_question__section",
        "earlier_question__parent_option",
        "earlier_option",
        "later_question__section",
        "later_question__parent_option",
        "later_option",
        "confirmed_by",
    )


@dataclass
class Comparison:
    earlier: Survey
    later: Survey
    rows: list[tuple[ItemMapping, analysis.ComparisonRow, Item, Item]]
    suggestions: list[tuple[Item, Item, float]] = field(default_factory=list)


def comparison(earlier: Survey, later: Survey, with_suggestions: bool = False) -> Comparison:
    """Confirmed item mappings between two surveys with each survey's measure of the item."""
    results_e = {r.question.pk: r for r in item_results(earlier)}
    results_l = {r.question.pk: r for r in item_results(later)}
    rows = []
    for m in mappings_between(earlier, later):
        ie = Item(m.earlier_question, m.earlier_option)
        il = Item(m.later_question, m.later_option)
        row = analysis.compare(
            ie.label,
            measure(ie, results_e[ie.question.pk]),
            il.label,
            measure(il, results_l[il.question.pk]),
        )
        rows.append((m, row, ie, il))
    out = Comparison(earlier=earlier, later=later, rows=rows)
    if with_suggestions:
        out.suggestions = suggested_mappings(earlier, later, rows)
    return out


def suggested_mappings(
    earlier: Survey, later: Survey, confirmed=()
) -> list[tuple[Item, Item, float]]:
    """Items of the two surveys whose wording is alike, for an officer to confirm."""
    items_e = comparable_items(earlier)
    items_l = comparable_items(later)
    taken_e = {ie.key for _, _, ie, _ in confirmed}
    taken_l = {il.key for _, _, _, il in confirmed}
    items_e = [i for i in items_e if i.key not in taken_e]
    items_l = [i for i in items_l if i.key not in taken_l]
    by_key_e = {i.key: i for i in items_e}
    matches = analysis.best_matches(
        [(i.key, i.label) for i in items_l], [(i.key, i.label) for i in items_e], threshold=0.85
    )
    out = [
        (by_key_e[ek], il, score)
        for il in items_l
        if il.key in matches
        for ek, score in [matches[il.key]]
    ]
    return out


def parse_item(survey: Survey, key: str) -> Item:
    """An item of this survey from its key "question:option" (option may be empty)."""
    qid, _, oid = key.partition(":")
    try:
        question = Question.objects.select_related("section", "parent_option").get(
            survey=survey, pk=int(qid)
        )
        option = AnswerOption.objects.get(question=question, pk=int(oid)) if oid else None
    except (ValueError, Question.DoesNotExist, AnswerOption.DoesNotExist) as exc:
        raise ValueError("That item is not part of the survey.") from exc
    return Item(question, option)


def confirm_mapping(
    user, earlier: Survey, later: Survey, earlier_key: str, later_key: str
) -> ItemMapping:
    """Record an officer's confirmation that two items are the same thing asked twice."""
    if not (can_manage(user, earlier) or can_manage(user, later)):
        raise PermissionError("Only an officer of either partnership can confirm a match.")
    ie, il = parse_item(earlier, earlier_key), parse_item(later, later_key)
    existing = ItemMapping.objects.filter(
        Q(earlier_question=ie.question, earlier_option=ie.option)
        | Q(later_question=il.question, later_option=il.option),
        earlier_question__survey=earlier,
        later_question__survey=later,
    )
    existing.delete()
    return ItemMapping.objects.create(
        earlier_question=ie.question,
        earlier_option=ie.option,
        later_question=il.question,
        later_option=il.option,
        confirmed_by=user,
        confirmed_at=timezone.now(),
    )


def remove_mapping(user, mapping: ItemMapping) -> None:
    if not (
        can_manage(user, mapping.earlier_question.survey)
        or can_manage(user, mapping.later_question.survey)
    ):
        raise PermissionError("Only an officer of either partnership can remove a match.")
    mapping.delete()


# --- computing aggregates from raw responses -----------------------------------------------


def _answers_by_respondent(survey: Survey) -> dict[int, dict[int, list[int]]]:
    out: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = Answer.objects.filter(respondent__survey=survey).values_list(
        "respondent_id", "question_id", "option_id"
    )
    for rid, qid, oid in rows.iterator(chunk_size=5000):
        out[rid][qid].append(oid)
    return out


@transaction.atomic
def compute_results(survey: Survey) -> int:
    """Count the raw responses into stored aggregates, deciding once what may be shown.

    Replaces the survey's computed results. Stored counts outlive the raw responses (see
    `purge_expired_responses`), and their disclosure is what every page, download and API
    response shows.
    """
    now = timezone.now()
    questions = list(questions_with_options(survey))
    answers = _answers_by_respondent(survey)
    ComputedResult.objects.filter(survey=survey).delete()
    if not answers:
        return 0
    demographics = [q for q in questions if q.kind == Question.Kind.DEMOGRAPHIC]
    rows: list[ComputedResult] = []

    def add(question, option, count, disclosure, group_question=None, group_option=None):
        rows.append(
            ComputedResult(
                survey=survey,
                question=question,
                option=option,
                group_question=group_question,
                group_option=group_option,
                count=count,
                disclosure=disclosure,
                computed_at=now,
            )
        )

    for q in questions:
        options = list(q.options.all())
        index = {o.pk: k for k, o in enumerate(options)}
        answering = [(rid, a[q.pk]) for rid, a in answers.items() if a.get(q.pk)]
        if q.is_multiple:
            base = len(answering)
            chosen = Counter(oid for _, oids in answering for oid in set(oids))
            base_status = SHOWN if base >= 10 else FEWER_THAN_10
            for o in options:
                line = protect_line([chosen[o.pk], base - chosen[o.pk]])
                add(q, o, chosen[o.pk], line.status[0][0])
            add(q, None, base, base_status)
            continue
        overall = [0] * len(options)
        for _, oids in answering:
            overall[index[oids[0]]] += 1
        breakdowns = {}
        if q.kind in BREAKDOWN_KINDS:
            for d in demographics:
                groups = list(d.options.all())
                gindex = {o.pk: k for k, o in enumerate(groups)}
                grid = [[0] * len(options) for _ in range(len(groups) + 1)]
                for rid, oids in answering:
                    g = answers[rid].get(d.pk)
                    grid[gindex[g[0]] if g else len(groups)][index[oids[0]]] += 1
                if not any(grid[-1]):
                    grid.pop()
                breakdowns[d.pk] = (d, groups, grid)
        try:
            line, tables = protect_item(overall, {k: v[2] for k, v in breakdowns.items()})
        except CannotProtect:
            line, tables = protect_line(overall), {}
        for k, o in enumerate(options):
            add(q, o, overall[k], line.status[0][k])
        add(q, None, sum(overall), line.status[0][len(options)])
        for key, (d, groups, grid) in breakdowns.items():
            table = tables.get(key) or _withhold_all(grid)
            for gi in range(len(grid)):
                group = groups[gi] if gi < len(groups) else None
                for k, o in enumerate(options):
                    add(q, o, table.values[gi][k], table.status[gi][k], d, group)
                add(
                    q,
                    None,
                    table.values[gi][len(options)],
                    table.status[gi][len(options)],
                    d,
                    group,
                )
    ComputedResult.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _withhold_all(grid) -> Protected:
    from .suppression import with_margins

    values = with_margins(grid)
    status = tuple(tuple(FEWER_THAN_10 if v < 10 else SUPPRESSED for v in row) for row in values)
    return Protected(values=tuple(tuple(r) for r in values), status=status)


# --- breakdowns ----------------------------------------------------------------------------


@dataclass
class BreakdownCell:
    count: int | None
    disclosure: str
    percentage: Decimal | None

    @property
    def label(self) -> str:
        if self.disclosure == FEWER_THAN_10:
            return "fewer than 10"
        if self.disclosure == SUPPRESSED:
            return "withheld"
        return f"{self.count:,}"


@dataclass
class BreakdownRow:
    label: str
    cells: list[BreakdownCell]
    total: BreakdownCell
    is_total: bool = False


@dataclass
class Breakdown:
    question: Question
    by: Question
    columns: list[str]
    rows: list[BreakdownRow]


def breakdown_questions(survey: Survey) -> tuple[list[Question], list[Question]]:
    """(items that can be broken down, demographic questions to break them down by)."""
    questions = list(questions_with_options(survey))
    return (
        [q for q in questions if q.kind in BREAKDOWN_KINDS],
        [q for q in questions if q.kind == Question.Kind.DEMOGRAPHIC],
    )


def breakdown(survey: Survey, question: Question, by: Question) -> Breakdown | None:
    """An item by a demographic group, as stored: withheld counts stay withheld, and a
    percentage is shown only where both its count and its group's total are shown."""
    cells = {
        (r.group_option_id, r.option_id): r
        for r in ComputedResult.objects.filter(survey=survey, question=question, group_question=by)
    }
    if not cells:
        return None
    overall = {
        r.option_id: r
        for r in ComputedResult.objects.filter(
            survey=survey, question=question, group_question__isnull=True
        )
    }
    options = list(question.options.all())
    groups = [(g.pk, g.label) for g in by.options.all()]
    if any(k[0] is None for k in cells):
        groups.append((None, "Did not say"))

    def cell(r, total) -> BreakdownCell:
        shown = r.disclosure == SHOWN
        pct = None
        if shown and total is not None and total.disclosure == SHOWN and total.count:
            pct = analysis.percent(r.count, total.count)
        return BreakdownCell(
            count=r.count if shown else None, disclosure=r.disclosure, percentage=pct
        )

    rows = []
    for gid, label in groups:
        total = cells.get((gid, None))
        if total is None:
            continue
        rows.append(
            BreakdownRow(
                label=label,
                cells=[cell(cells[(gid, o.pk)], total) for o in options],
                total=cell(total, total),
            )
        )
    grand = overall.get(None)
    rows.append(
        BreakdownRow(
            label="All who answered",
            cells=[cell(overall[o.pk], grand) for o in options],
            total=cell(grand, grand),
            is_total=True,
        )
    )
    return Breakdown(question=question, by=by, columns=[o.label for o in options], rows=rows)


# --- sections ------------------------------------------------------------------------------


def section_with_results(survey: Survey, key: str, exclude_dont_know: bool = False):
    section = get_object_or_404(Section.objects.filter(survey=survey), key=key)
    questions = [q for q in questions_with_options(survey) if q.section_id == section.pk]
    results = item_results(survey, questions)
    return section, [(r, r.distribution(exclude_dont_know)) for r in results]


# --- retention -----------------------------------------------------------------------------


@dataclass
class PurgeOutcome:
    survey: Survey
    respondents: int
    deadline: object


def surveys_past_retention(today) -> list[Survey]:
    out = []
    for survey in Survey.objects.filter(respondents_set__isnull=False).distinct():
        deadline = survey.retention_deadline
        if deadline is not None and deadline < today:
            out.append(survey)
    return out


def purge_expired_responses(today=None, dry_run: bool = False) -> list[PurgeOutcome]:
    """Delete raw responses past each survey's retention, keeping (fresh) aggregate results."""
    today = today or timezone.localdate()
    outcomes = []
    for survey in surveys_past_retention(today):
        count = Respondent.objects.filter(survey=survey).count()
        outcomes.append(
            PurgeOutcome(survey=survey, respondents=count, deadline=survey.retention_deadline)
        )
        if dry_run:
            continue
        with transaction.atomic():
            compute_results(survey)
            Respondent.objects.filter(survey=survey).delete()
            # Error reports and answer matches can quote what people typed: they go too.
            ResponseImport.objects.filter(survey=survey).update(
                content=b"", errors=[], answer_map={}
            )
            survey.responses_purged_at = timezone.now()
            survey.save(update_fields=["responses_purged_at"])
    return outcomes


# --- new surveys ---------------------------------------------------------------------------


def unique_slug(base: str, model=Survey, field_name: str = "slug", **scope) -> str:
    from django.utils.text import slugify

    root = slugify(base)[:70] or "survey"
    slug, n = root, 2
    while model.objects.filter(**scope, **{field_name: slug}).exists():
        slug, n = f"{root}-{n}", n + 1
    return slug


@transaction.atomic
def create_survey(
    user, *, partnership, title: str, copy_from: Survey | None = None, **fields
) -> Survey:
    """A new draft survey, optionally with the questionnaire of an earlier one.

    Copying keeps sections, items, answers and their concern / "Don't know" settings, and
    records each copied item as matching its original, confirmed by the officer who copied it.
    """
    if not is_officer(user, partnership.pk):
        raise PermissionError("Only an officer of the partnership can create its surveys.")
    survey = Survey.objects.create(
        partnership=partnership,
        title=title,
        slug=unique_slug(title),
        status=Survey.Status.DRAFT,
        **fields,
    )
    if copy_from is None:
        return survey
    sections = {}
    for s in copy_from.sections.all():
        sections[s.pk] = Section.objects.create(
            survey=survey, key=s.key, title=s.title, intro=s.intro, order=s.order
        )
    now = timezone.now()
    copied_q: dict[int, Question] = {}
    copied_o: dict[int, AnswerOption] = {}
    mappings = []
    for q in questions_with_options(copy_from):
        if q.kind == Question.Kind.DEMOGRAPHIC:
            continue  # asked afresh each time; added from the export's columns on import
        new_q = Question.objects.create(
            survey=survey,
            section=sections.get(q.section_id),
            key=q.key,
            kind=q.kind,
            text=q.text,
            order=q.order,
            parent=copied_q.get(q.parent_id),
            parent_option=copied_o.get(q.parent_option_id),
            max_choices=q.max_choices,
            dont_know_in_base=q.dont_know_in_base,
        )
        copied_q[q.pk] = new_q
        for o in q.options.all():
            copied_o[o.pk] = AnswerOption.objects.create(
                question=new_q,
                label=o.label,
                standard_label=o.standard_label,
                order=o.order,
                counts_as_concern=o.counts_as_concern,
                is_dont_know=o.is_dont_know,
            )
        if q.kind == Question.Kind.RATING:
            mappings.append(
                ItemMapping(
                    earlier_question=q,
                    later_question=new_q,
                    confirmed_by=user,
                    confirmed_at=now,
                    note="Copied from the earlier questionnaire.",
                )
            )
    ItemMapping.objects.bulk_create(mappings)
    return survey


# --- importing raw responses ---------------------------------------------------------------


class ImportFailed(Exception):
    """The import changed nothing; `errors` name each row, column and reason."""

    def __init__(self, errors, error_count: int) -> None:
        self.errors, self.error_count = errors, error_count
        super().__init__(f"{error_count} problems")


def can_import(survey: Survey) -> bool:
    """Published surveys from the documents keep their published figures; others take imports."""
    return (
        not survey.from_document
        and not PublishedResult.objects.filter(question__survey=survey).exists()
    )


def question_infos(survey: Survey) -> dict[str, imports.QuestionInfo]:
    out = {}
    for q in questions_with_options(survey):
        out[q.key] = imports.QuestionInfo(
            key=q.key,
            text=q.text,
            context=q.section.title if q.section_id else "",
            options=tuple((str(o.pk), o.label) for o in q.options.all()),
            multiple=q.is_multiple,
            max_choices=q.max_choices,
            demographic=q.kind == Question.Kind.DEMOGRAPHIC,
        )
    return out


def visible_import(user, survey: Survey, pk: int) -> ResponseImport:
    return get_object_or_404(ResponseImport.objects.visible_to(user).filter(survey=survey), pk=pk)


def start_import(user, survey: Survey, file_name: str, content: bytes) -> ResponseImport:
    """Read an uploaded export and keep it, with suggested column matches, for the mapping."""
    if not can_manage(user, survey):
        raise PermissionError("Only an officer of the partnership can import responses.")
    sheet = imports.read_export(file_name, content)
    suggestions = imports.suggest_columns(sheet, list(question_infos(survey).values()))
    return ResponseImport.objects.create(
        survey=survey,
        uploaded_by=user,
        file_name=file_name[:255],
        content=content,
        encoding=sheet.encoding,
        headers=sheet.headers,
        column_map={str(i): k for i, k in suggestions.items()},
        notes=sheet.notes,
    )


def load_sheet(response_import: ResponseImport) -> imports.Sheet:
    if not response_import.content:
        raise imports.ImportFileError("The uploaded file has been deleted: upload it again.")
    return imports.read_export(response_import.file_name, bytes(response_import.content))


def save_column_map(response_import: ResponseImport, column_map: dict[int, str]) -> None:
    response_import.column_map = {str(i): k for i, k in column_map.items()}
    response_import.save(update_fields=["column_map"])


@dataclass
class AnswerChoice:
    text: str
    rows: int
    suggestion: str | None  # an answer label, BLANK or NEW_ANSWER


@dataclass
class ColumnAnswers:
    index: int
    header: str
    question: imports.QuestionInfo
    matched_rows: int
    unknown_rows: int


@dataclass
class AnswerGroup:
    """Columns sharing one set of answers (a rating scale): each unknown text is asked once."""

    columns: list[ColumnAnswers]
    labels: list[str]
    demographic: bool
    unknown: list[AnswerChoice]

    @property
    def title(self) -> str:
        if len(self.columns) == 1:
            c = self.columns[0]
            return f"Column {imports.column_letter(c.index)}: {c.header}"
        return f"{len(self.columns)} columns answered with: {', '.join(self.labels)}"


def answers_to_match(response_import: ResponseImport) -> list[AnswerGroup]:
    """Columns matched to questions, grouped by their answers, with the texts that match none."""
    sheet = load_sheet(response_import)
    infos = question_infos(response_import.survey)
    saved = response_import.answer_map or {}
    groups: dict[tuple, AnswerGroup] = {}
    texts: dict[tuple, Counter] = defaultdict(Counter)
    for i_str, key in sorted(response_import.column_map.items(), key=lambda kv: int(kv[0])):
        if key not in infos:
            continue
        index, q = int(i_str), infos[key]
        labels = [label for _, label in q.options]
        group_key = ("question", key) if q.demographic else ("scale", q.multiple, *labels)
        group = groups.setdefault(group_key, AnswerGroup([], labels, q.demographic, []))
        counts = imports.distinct_answers(sheet, index, q.multiple)
        unknown = dict(imports.unknown_answers(sheet, index, q))
        texts[group_key].update(unknown)
        group.columns.append(
            ColumnAnswers(
                index,
                sheet.headers[index],
                q,
                sum(counts.values()) - sum(unknown.values()),
                sum(unknown.values()),
            )
        )
    for group_key, group in groups.items():
        first = group.columns[0].question
        label_of = dict(first.options)
        for text, n in sorted(texts[group_key].items(), key=lambda tn: (-tn[1], tn[0])):
            previous = saved.get(first.key, {}).get(text)
            if previous in label_of:
                suggestion = label_of[previous]
            elif previous in (imports.BLANK, imports.NEW_ANSWER):
                suggestion = previous
            else:
                match = imports.suggest_answer(text, [(label, label) for label in group.labels])
                suggestion = match or (imports.NEW_ANSWER if group.demographic else None)
            group.unknown.append(AnswerChoice(text=text, rows=n, suggestion=suggestion))
    return list(groups.values())


def expand_answer_choices(groups: list[AnswerGroup], chosen: dict[tuple[int, str], str]) -> dict:
    """The officer's choice per (group, text) → the answer map per question the import reads."""
    out: dict[str, dict[str, str]] = {}
    for g, group in enumerate(groups):
        for column in group.columns:
            key_of = {label: key for key, label in column.question.options}
            mapping = out.setdefault(column.question.key, {})
            for answer in group.unknown:
                choice = chosen.get((g, answer.text), "")
                mapping[answer.text] = key_of.get(choice, choice)
    return out


def queue_import(
    user, response_import: ResponseImport, answer_map: dict[str, dict[str, str]]
) -> bool:
    """Hand a confirmed import to the background worker; False if it was already handed over.

    The status changes from waiting to importing in one UPDATE, so a second click (or a second
    officer) cannot start the same import twice.
    """
    from .tasks import run_response_import

    if not can_manage(user, response_import.survey):
        raise PermissionError("Only an officer of the partnership can import responses.")
    waiting = (ResponseImport.Status.UPLOADED, ResponseImport.Status.FAILED)
    taken = ResponseImport.objects.filter(pk=response_import.pk, status__in=waiting).update(
        status=ResponseImport.Status.QUEUED, answer_map=answer_map, completed_at=None
    )
    if taken:
        run_response_import.enqueue(response_import.pk, user.pk)
    response_import.refresh_from_db()
    return bool(taken)


def record_import_failure(response_import: ResponseImport, failed: ImportFailed) -> None:
    """Keep the report of a failed import on its record; nothing else was changed."""
    response_import.status = ResponseImport.Status.FAILED
    response_import.errors = [
        {"row": e.row, "column": e.column, "reason": e.reason} for e in failed.errors
    ]
    response_import.notes = [n for n in response_import.notes if not n.startswith("In all, ")] + [
        f"In all, {failed.error_count} problems were found."
    ]
    response_import.completed_at = timezone.now()
    response_import.save(update_fields=["status", "errors", "notes", "answer_map", "completed_at"])


def run_import(user, response_import: ResponseImport, answer_map: dict[str, dict[str, str]]) -> int:
    """Import every row or none: replaces the survey's raw responses and recomputes results.

    Raises ImportFailed (after recording the report on the import) when any row cannot be
    imported; nothing else changes then.
    """
    survey = response_import.survey
    if not can_manage(user, survey):
        raise PermissionError("Only an officer of the partnership can import responses.")
    if not can_import(survey):
        raise ImportFailed(
            [imports.RowError(0, "file", "This survey keeps its published results.")], 1
        )
    sheet = load_sheet(response_import)
    response_import.answer_map = answer_map
    try:
        with transaction.atomic():
            Survey.objects.select_for_update().filter(pk=survey.pk).first()
            column_map = _prepare_questions(survey, sheet, response_import.column_map, answer_map)
            infos = question_infos(survey)
            built = imports.build_responses(
                sheet, column_map, _resolve_answers(answer_map, infos), infos
            )
            if built.error_count:
                raise ImportFailed(built.errors, built.error_count)
            count = _replace_responses(survey, response_import, built, infos)
    except ImportFailed as failed:
        record_import_failure(response_import, failed)
        raise
    skipped = len(built.skipped_rows)
    notes = list(response_import.notes)
    if skipped:
        notes.append(f"{skipped} rows with no answers were left out.")
    ResponseImport.objects.filter(survey=survey, status=ResponseImport.Status.IMPORTED).exclude(
        pk=response_import.pk
    ).update(status=ResponseImport.Status.REPLACED, content=b"")
    response_import.status = ResponseImport.Status.IMPORTED
    response_import.errors = []
    response_import.notes = notes
    response_import.respondents = count
    response_import.completed_at = timezone.now()
    response_import.content = b""  # the raw file is personal data: keep only what was imported
    response_import.save()
    return count


def _prepare_questions(survey, sheet, column_map: dict, answer_map: dict) -> dict[int, str]:
    """Create the demographic questions and answers the officer chose to add."""
    out: dict[int, str] = {}
    order = (
        Question.objects.filter(survey=survey)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
        or 0
    )
    for i_str, key in sorted(column_map.items(), key=lambda kv: int(kv[0])):
        index = int(i_str)
        if key == imports.NEW_DEMOGRAPHIC:
            order += 1
            header = sheet.headers[index]
            question = Question.objects.create(
                survey=survey,
                key=unique_slug(header, Question, "key", survey=survey),
                kind=Question.Kind.DEMOGRAPHIC,
                text=header[:300],
                order=order,
            )
            texts = sorted(imports.distinct_answers(sheet, index), key=analysis.normalise_text)
            seen = set()
            for n, text in enumerate(texts):
                if analysis.normalise_text(text) in seen:
                    continue
                seen.add(analysis.normalise_text(text))
                AnswerOption.objects.create(question=question, label=text[:200], order=n)
            out[index] = question.key
        elif key:
            out[index] = key
            for text, choice in answer_map.get(key, {}).items():
                if choice == imports.NEW_ANSWER:
                    question = Question.objects.get(survey=survey, key=key)
                    last = (
                        question.options.order_by("-order").values_list("order", flat=True).first()
                    )
                    AnswerOption.objects.get_or_create(
                        question=question, label=text[:200], defaults={"order": (last or 0) + 1}
                    )
    return out


def _resolve_answers(answer_map: dict, infos: dict) -> dict[str, dict[str, str]]:
    """Drop the "add as a new answer" choices (those answers now exist and match exactly)."""
    return {
        key: {t: c for t, c in choices.items() if c and c != imports.NEW_ANSWER}
        for key, choices in answer_map.items()
        if key in infos
    }


def _replace_responses(survey, response_import, built, infos) -> int:
    Respondent.objects.filter(survey=survey).delete()
    respondents = Respondent.objects.bulk_create(
        [
            Respondent(survey=survey, source_import=response_import, row_number=n)
            for n, _ in built.respondents
        ],
        batch_size=2000,
    )
    question_ids = dict(Question.objects.filter(survey=survey).values_list("key", "pk"))
    _insert_answers(
        (r.pk, question_ids[key], int(option))
        for r, (_, chosen) in zip(respondents, built.respondents, strict=True)
        for key, options in chosen.items()
        for option in options
    )
    compute_results(survey)
    survey.respondents = len(respondents)
    survey.responses_imported_at = timezone.now()
    survey.responses_purged_at = None
    survey.save(update_fields=["respondents", "responses_imported_at", "responses_purged_at"])
    return len(respondents)


def _insert_answers(rows: Iterator[tuple[int, int, int]]) -> None:
    """Store answers as plain rows: a model instance per answer made a 2,000-person file slow.

    Every value is an integer the import has already checked, so nothing needs escaping.
    """
    table = connection.ops.quote_name(Answer._meta.db_table)
    columns = ("respondent_id", "question_id", "option_id")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO("".join(f"{r}\t{q}\t{o}\n" for r, q, o in rows))
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
            return
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES (%s, %s, %s)",  # noqa: S608
            list(rows),
        )


def set_status(user, survey: Survey, status: str) -> Survey:
    """Publish a survey's results (public from then on) or take it back to draft."""
    if not can_manage(user, survey):
        raise PermissionError("Only an officer of the partnership can publish its surveys.")
    if status not in Survey.Status.values:
        raise ValueError(f"{status!r} is not a survey status.")
    if survey.status != status:
        survey.status = status
        survey.save(update_fields=["status", "updated_at"])
    return survey
