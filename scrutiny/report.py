"""The committee report as tables, a tagged PDF (WeasyPrint) and an Excel workbook (openpyxl).

The tables are built once here and rendered three ways: the HTML preview, the PDF (the same
HTML through WeasyPrint) and the workbook (one sheet per table), so the three always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from io import BytesIO
from types import SimpleNamespace
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .formatting import long_date, number, plain_number
from .queries import STATUS_LABELS, STATUS_ORDER, Dashboard, PrioritySummary

PDF_VARIANT = "pdf/ua-1"  # WeasyPrint 70: tags the PDF (pdf_tags) and marks it PDF/UA-1
STYLESHEET = "css/print-report.css"
# Text starting with these would run as a formula when the workbook is opened.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Cell:
    """One table cell: what the page shows, what the spreadsheet stores, tags and a link."""

    text: str
    value: Any = None
    tags: list[tuple[str, str]] = field(default_factory=list)
    href: str = ""
    numeric: bool = False

    @property
    def sheet_value(self) -> Any:
        return self.text if self.value is None else self.value


def num(value: Decimal | int | None) -> Cell:
    return Cell(number(value), plain_number(value), numeric=True)


def day(value: dt.date | None) -> Cell:
    return Cell(long_date(value), value or "")


def tag(words: str, rag: str) -> Cell:
    return Cell(words, tags=[(words, rag)])


def tags(pairs: list[tuple[str, str]]) -> Cell:
    return Cell("; ".join(w for w, _ in pairs), tags=pairs)


@dataclass
class Table:
    key: str
    title: str
    sheet: str
    columns: list[str]
    rows: list[list[Cell]]

    @property
    def headers(self) -> list[tuple[str, bool]]:
        """Each column's heading and whether it holds numbers (right-aligned, GOV.UK style)."""
        numeric = [bool(self.rows) and self.rows[0][i].numeric for i in range(len(self.columns))]
        return list(zip(self.columns, numeric, strict=True))


@dataclass
class FiguresRow:
    name: str
    values: list[str]  # one per column of the table, "" where the chart has no point
    target: str


@dataclass
class FiguresTable:
    """The figures behind a priority's charts as the page shows them: a row per chart and a
    column per period, so a reader reads across a row as they read along the line. The
    workbook keeps one row per value (values_table), which is what a spreadsheet wants."""

    key: str
    title: str
    periods: list[str]
    rows: list[FiguresRow]


@dataclass
class PrioritySection:
    summary: PrioritySummary
    actions: Table | None
    indicators: Table | None

    # Built when read: the report shows a row per value, the dashboard a row per chart, and
    # neither needs the other's (a national priority has hundreds of values).
    @cached_property
    def values(self) -> Table | None:
        return values_table(self.summary)

    @cached_property
    def figures(self) -> list[FiguresTable]:
        return figures_tables(self.summary)


@dataclass
class Report:
    dashboard: Dashboard
    status: Table
    exceptions: Table | None
    sections: list[PrioritySection]
    headlines: Table | None
    concerns: Table | None

    @property
    def tables(self) -> list[Table]:
        """Every table in the order the page shows them."""
        found = [self.status, self.exceptions]
        for s in self.sections:
            found += [s.actions, s.indicators, s.values]
        found += [self.headlines, self.concerns]
        return [t for t in found if t is not None]

    @property
    def filename(self) -> str:
        d = self.dashboard
        return f"{d.strategy.slug}-committee-report-{d.period.key}"


def _priority_name(summary: PrioritySummary) -> str:
    p = summary.priority
    return f"Priority {p.number}: {p.title}"


def status_table(d: Dashboard) -> Table:
    columns = ["Priority"] + [STATUS_LABELS[s] for s in STATUS_ORDER] + ["Overdue", "Total"]
    rows = []
    for s in d.priorities:
        counts = [num(c.count) for c in s.status_counts]
        rows.append([Cell(_priority_name(s)), *counts, num(s.overdue_count), num(len(s.actions))])
    totals = [num(c.count) for c in d.status_counts]
    rows.append([Cell("All priorities"), *totals, num(d.overdue_count), num(len(d.actions))])
    return Table("actions-by-status", "Actions by status", "Actions by status", columns, rows)


def exceptions_table(d: Dashboard) -> Table | None:
    found = d.exceptions
    if not found:
        return None
    columns = [
        "Priority",
        "Type",
        "What",
        "Why it needs attention",
        "Latest commentary",
        "Commentary from",
    ]
    rows = [
        [
            Cell(f"Priority {e.priority.number}"),
            Cell(e.kind),
            Cell(e.title, href=e.url),
            tags(e.reasons),
            Cell(e.commentary or "None given"),
            Cell(e.commentary_label),
        ]
        for e in found
    ]
    return Table(
        "exceptions",
        "Exceptions: what needs the committee's attention",
        "Exceptions",
        columns,
        rows,
    )


def actions_table(s: PrioritySummary, public: bool = False) -> Table | None:
    if not s.actions:
        return None
    n = s.priority.number
    columns = ["Action", "Lead organisation", "Status", "Due date", "Overdue"]
    if not public:
        columns += ["Latest progress update", "Date of update"]
    rows = []
    for a in s.actions:
        row = [
            Cell(a.text, href="" if public else a.url),
            Cell(a.lead or "Not set"),
            tag(a.status_label, a.rag),
            day(a.due_date) if a.due_date else Cell("Not set"),
            Cell("Yes" if a.overdue else "No"),
        ]
        if not public:
            row += [Cell(a.commentary or "No update yet"), day(a.commentary_date)]
        rows.append(row)
    return Table(
        f"priority-{n}-actions", f"Priority {n} actions", f"Priority {n} actions", columns, rows
    )


def indicators_table(s: PrioritySummary, public: bool = False) -> Table | None:
    if not s.series:
        return None
    n = s.priority.number
    columns = ["Indicator", "Area", "Latest period", "Latest value", "Target", "Status", "Trend"]
    rows = []
    for x in s.series:
        latest = x.latest
        rows.append(
            [
                Cell(x.indicator.text, href="" if public else x.url),
                Cell(x.area or "Whole partnership"),
                Cell(latest.label if latest else "No value yet"),
                num(latest.value) if latest else Cell("None"),
                num(x.indicator.target) if x.indicator.target is not None else Cell("Not set"),
                tag(x.status, x.rag),
                Cell(x.trend),
            ]
        )
    return Table(
        f"priority-{n}-indicators",
        f"Priority {n} indicators",
        f"Priority {n} indicators",
        columns,
        rows,
    )


def values_table(s: PrioritySummary) -> Table | None:
    rows = []
    for x in s.series:
        for p in x.points:
            status, rag = x.indicator.assess(p.value)
            rows.append(
                [
                    Cell(x.indicator.text),
                    Cell(x.area or "Whole partnership"),
                    Cell(p.label),
                    num(p.value),
                    tag(status, rag),
                ]
            )
    if not rows:
        return None
    n = s.priority.number
    columns = ["Indicator", "Area", "Period", "Value", "Status"]
    return Table(
        f"priority-{n}-values",
        f"Priority {n} indicator values behind the charts",
        f"Priority {n} indicator values",
        columns,
        rows,
    )


FREQUENCY_WORDS = {"annual": "yearly"}  # the others read as their names


def figures_tables(s: PrioritySummary) -> list[FiguresTable]:
    """One table for each frequency the priority's indicators are reported at (most have one):
    monthly and quarterly figures in one table would leave most of its cells empty."""
    groups: dict[str, list] = {}
    for x in s.series:
        if x.points:
            groups.setdefault(x.indicator.frequency, []).append(x)
    n = s.priority.number
    tables = []
    for frequency, series in groups.items():
        starts = sorted({p.period_start for x in series for p in x.points})
        column = {start: i for i, start in enumerate(starts)}
        labels = {p.period_start: p.label for x in series for p in x.points}
        rows = []
        for x in series:
            values = [""] * len(starts)
            for p in x.points:
                values[column[p.period_start]] = p.shown
            rows.append(FiguresRow(x.name, values, x.target))
        words = FREQUENCY_WORDS.get(frequency, frequency)
        title = f"Priority {n} {words} figures behind the charts"
        if len(groups) == 1:
            title = f"Priority {n} figures behind the charts"
        tables.append(
            FiguresTable(
                f"priority-{n}-figures-{frequency}",
                title,
                [labels[start] for start in starts],
                rows,
            )
        )
    return tables


def headlines_table(d: Dashboard) -> Table | None:
    if not d.headline_figures:
        return None
    columns = ["Measure", "Value", "Change", "Period", "Source"]
    rows = [
        [
            Cell(h.name),
            Cell(h.value),
            Cell(h.change or "Not given"),
            Cell(h.period),
            Cell(h.source or "Not given"),
        ]
        for h in d.headline_figures
    ]
    return Table(
        "headline-figures",
        "Strategic assessment headline figures",
        "Headline figures",
        columns,
        rows,
    )


def concerns_table(d: Dashboard) -> Table | None:
    if not d.top_concerns:
        return None
    columns = ["Issue", "Survey section", "Very or fairly big problem"]
    rows = [
        [
            Cell(c.item),
            Cell(c.section or "None"),
            Cell(
                c.shown,
                plain_number(c.net_concern) if c.net_concern is not None else c.shown,
                numeric=True,
            ),
        ]
        for c in d.top_concerns
    ]
    return Table(
        "top-concerns", "Residents' top concerns (public survey)", "Top concerns", columns, rows
    )


@dataclass
class ContextTables:
    """The assessment's and survey's tables alone, for a page whose body came from the cache."""

    headlines: Table | None
    concerns: Table | None


def context_tables(headline_figures: list, top_concerns: list) -> ContextTables:
    """The same tables build_report makes from a dashboard's context figures."""
    figures = SimpleNamespace(headline_figures=headline_figures, top_concerns=top_concerns)
    return ContextTables(headlines_table(figures), concerns_table(figures))


def build_report(d: Dashboard) -> Report:
    public = d.public
    sections = [
        PrioritySection(
            s,
            actions_table(s, public),
            indicators_table(s, public),
        )
        for s in d.priorities
    ]
    return Report(
        dashboard=d,
        status=status_table(d),
        exceptions=None if public else exceptions_table(d),
        sections=sections,
        headlines=headlines_table(d),
        concerns=concerns_table(d),
    )


# --- PDF -----------------------------------------------------------------------------------


def render_pdf(report: Report, *, base_url: str, prepared_on: dt.date) -> bytes:
    """The report as a tagged PDF/UA-1 document in British English."""
    from weasyprint import CSS, HTML  # imported here: it needs pango, only PDFs need it

    html = render_to_string(
        "scrutiny/report_document.html",
        {
            "report": report,
            "dashboard": report.dashboard,
            "prepared_on": prepared_on,
            "for_pdf": True,
        },
    )
    stylesheet = CSS(filename=finders.find(STYLESHEET))
    return HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=[stylesheet], pdf_variant=PDF_VARIANT, pdf_tags=True
    )


# --- Excel ---------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render_xlsx(report: Report) -> bytes:
    """One sheet per table of the report, in the page's order, with the page's headings."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    d = report.dashboard
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"{d.strategy.title}: committee report, {d.period.label}"
    wb.properties.creator = d.strategy.partnership.name
    wb.properties.language = "en-GB"
    for table in report.tables:
        ws = wb.create_sheet(title=table.sheet[:31])
        ws.append(table.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([neutralise(c.sheet_value) for c in row])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "d mmmm yyyy"
        for i, heading in enumerate(table.columns, start=1):
            longest = max([len(heading)] + [len(str(r[i - 1].text)) for r in table.rows])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
                max(12, longest + 2), 60
            )
        ws.freeze_panes = "A2"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
