"""Every survey table as rows for CSV and Excel downloads, built from what the pages show.

Withheld counts are written as "fewer than 10" or "withheld", exactly as on the pages (the
disclosure is stored once, see services.compute_results). Text cells that a spreadsheet would
run as a formula (starting = + - @, tab or carriage return) are written with a leading
apostrophe.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify

from . import services
from .analysis import FEWER_THAN_10, SUPPRESSED, Distribution, Share, tidy
from .models import PublishedResult, Question, Survey

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Value = str | int | Decimal | None


@dataclass
class DataTable:
    title: str
    headers: list[str]
    rows: list[list[Value]]
    notes: list[str]

    def file_name(self, ext: str) -> str:
        return f"{slugify(self.title)[:120]}.{ext}"


def neutralise(value: Value) -> Value:
    """Text a spreadsheet would treat as a formula gets a leading apostrophe; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def withheld_text(disclosure: str) -> str:
    return {FEWER_THAN_10: "fewer than 10", SUPPRESSED: "withheld"}.get(disclosure, "")


def _share_count(share: Share) -> Value:
    return withheld_text(share.disclosure) if share.withheld else share.count


def _share_pct(share: Share) -> Value:
    if share.withheld:
        return withheld_text(share.disclosure)
    return tidy(
        share.percentage, share.places if share.figure and share.figure.percentage else None
    )


FLAG_TEXT = dict(PublishedResult.Flag.choices)


def results_table(survey: Survey) -> DataTable:
    """Every answer of every question: count, percentage as published or computed, base, flags."""
    rows = []
    for r in services.item_results(survey):
        q = r.question
        dist = r.distribution()
        for share in dist.shares:
            f = share.figure
            rows.append(
                [
                    q.section.title if q.section_id else "",
                    q.text,
                    q.get_kind_display(),
                    share.label,
                    f.standard_label if f else "",
                    _share_count(share),
                    _share_pct(share),
                    tidy(f.chart_percentage) if f else None,
                    tidy(share.computed_percentage) if not r.computed else None,
                    dist.base if dist.base is not None else withheld_text(dist.base_disclosure),
                    FLAG_TEXT.get(f.flag, "") if f and f.flag else "",
                    f.note if f else "",
                ]
            )
    return DataTable(
        title=f"{survey.title} – all results",
        headers=[
            "Section",
            "Question or item",
            "Kind",
            "Answer",
            "Standard wording",
            "Count",
            "Percentage",
            "Percentage in the chart",
            "Percentage calculated from the count",
            "Base",
            "Flag",
            "Note",
        ],
        rows=rows,
        notes=_notes(survey),
    )


def _notes(survey: Survey) -> list[str]:
    source = (
        "computed from imported responses"
        if services.has_computed_results(survey)
        else "as published"
    )
    notes = [f"Figures {source}."]
    if survey.results_note:
        notes.append(survey.results_note)
    return notes


def section_table(survey: Survey, key: str, exclude_dont_know: bool = False) -> DataTable:
    section, items = services.section_with_results(survey, key, exclude_dont_know)
    labels = answer_labels(items)
    rows = []
    for r, dist in items:
        by_label = {s.label: s for s in dist.shares}
        rows.append(
            [
                r.question.text,
                *[_share_pct(by_label[label]) if label in by_label else None for label in labels],
                tidy(dist.row_sum),
                tidy(dist.net_concern),
                dist.base if dist.base is not None else withheld_text(dist.base_disclosure),
            ]
        )
    suffix = " (without “Don’t know”)" if exclude_dont_know else ""
    return DataTable(
        title=f"{survey.title} – {section.title}{suffix}",
        headers=[
            "Item",
            *[f"{label} (%)" for label in labels],
            "Row sum (%)",
            "Net concern (%)",
            "Base",
        ],
        rows=rows,
        notes=_notes(survey),
    )


def answer_labels(items: list[tuple[services.ItemResult, Distribution]]) -> list[str]:
    labels: list[str] = []
    for _, dist in items:
        for s in dist.shares:
            if s.label not in labels:
                labels.append(s.label)
    return labels


def concerns_table(survey: Survey, exclude_dont_know: bool = False) -> DataTable:
    rows = [
        [
            item.rank.rank_label,
            item.question.text,
            item.question.section.title if item.question.section_id else "",
            item.section_rank.rank_label,
            tidy(item.net_concern),
        ]
        for item in services.ranked_concerns(survey, exclude_dont_know)
    ]
    suffix = " (without “Don’t know”)" if exclude_dont_know else ""
    return DataTable(
        title=f"{survey.title} – ranked concerns{suffix}",
        headers=["Rank", "Item", "Section", "Rank in section", "Net concern (%)"],
        rows=rows,
        notes=[*_notes(survey), "Net concern: very big problem plus fairly big problem."],
    )


def comparison_table(earlier: Survey, later: Survey) -> DataTable:
    rows = []
    for _mapping, row, ie, il in services.comparison(earlier, later).rows:
        rows.append(
            [
                ie.label,
                ie.context,
                tidy(row.earlier.percentage),
                row.earlier.description,
                row.earlier.base,
                il.label,
                il.context,
                tidy(row.later.percentage),
                row.later.description,
                row.later.base,
                "Yes" if row.like_for_like else "No: different questions",
                tidy(row.difference),
            ]
        )
    return DataTable(
        title=f"{earlier.title} compared with {later.title}",
        headers=[
            f"{earlier.title}: item",
            "Asked as",
            "Percentage",
            "Meaning",
            "Base",
            f"{later.title}: item",
            "Asked as",
            "Percentage",
            "Meaning",
            "Base",
            "Same question?",
            "Change (percentage points)",
        ],
        rows=rows,
        notes=["Only items an officer confirmed as matching are compared."],
    )


def breakdown_table(survey: Survey, question: Question, by: Question) -> DataTable | None:
    table = services.breakdown(survey, question, by)
    if table is None:
        return None
    rows = []
    for row in table.rows:
        out: list[Value] = [row.label]
        for cell in [*row.cells, row.total]:
            out.append(cell.count if cell.disclosure == "shown" else withheld_text(cell.disclosure))
            out.append(tidy(cell.percentage))
        rows.append(out)
    headers = [by.text]
    for label in [*table.columns, "Total"]:
        headers += [f"{label} (count)", f"{label} (% of row)"]
    return DataTable(
        title=f"{survey.title} – {question.text} by {by.text}",
        headers=headers,
        rows=rows,
        notes=[
            "Counts under 10 (zero included) are shown as “fewer than 10”; others are withheld "
            "where they would let a small count be worked out from the totals."
        ],
    )


# --- writing -------------------------------------------------------------------------------


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    return str(neutralise(value))


def as_csv(table: DataTable) -> HttpResponse:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([_csv_value(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{table.file_name("csv")}"'
    return response


def as_xlsx(table: DataTable) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Table"
    sheet.append([neutralise(table.title)])
    sheet["A1"].font = Font(bold=True)
    sheet.append([neutralise(h) for h in table.headers])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([neutralise(v) if not isinstance(v, Decimal) else float(v) for v in row])
    notes = book.create_sheet("Notes")
    for note in table.notes:
        notes.append([neutralise(note)])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{table.file_name("xlsx")}"'
    return response
