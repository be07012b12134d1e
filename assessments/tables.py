"""An assessment's tables, the same for the page and for CSV and Excel downloads.

Tables are built from the figures stored with the assessment, never from the imported data, so
a published assessment reads the same however much data arrives later. Text cells that a
spreadsheet would run as a formula (starting with = + - @, tab or carriage return) are prefixed
with a single quote in both downloads; numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .computations import change_arrow, change_in_words, share_percent
from .models import Assessment, Figure, Measure

Cell = str | int | Decimal | dt.date | None
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


# --- words for values --------------------------------------------------------------------------


def plain_number(value: Decimal) -> str:
    """12066.00 -> "12,066"; 39.60 -> "39.6"; never an exponent."""
    return format(value.normalize(), ",f")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def value_in_words(figure: Figure) -> str:
    """The value as the page shows it: "12,066", "over 40%", "123.4 per 1,000", "6th of 12"."""
    if figure.value is None:
        return "Not given"
    unit = figure.measure.unit
    if unit == Measure.Unit.PERCENTAGE:
        text = f"{plain_number(figure.value)}%"
    elif unit == Measure.Unit.RATE_PER_1000:
        text = f"{plain_number(figure.value)} per 1,000 population"
    elif unit == Measure.Unit.RANK:
        text = ordinal(int(figure.value)) + (f" of {figure.out_of:,}" if figure.out_of else "")
    else:
        text = plain_number(figure.value)
    qualifier = figure.get_value_qualifier_display().lower() if figure.value_qualifier else ""
    return f"{qualifier} {text}" if qualifier else text


def comparison_in_words(figure: Figure) -> str:
    """ "down 2.2% ↓"-style change with the earlier value where the source gives one."""
    parts = []
    if figure.change_percent is not None:
        parts.append(change_in_words(figure.change_percent))
    if figure.comparison_value is not None:
        earlier = _value_only(figure, figure.comparison_value)
        parts.append(f"from {earlier}" if parts else f"{earlier} the period before")
    return ", ".join(parts)


def _value_only(figure: Figure, value: Decimal) -> str:
    if figure.measure.unit == Measure.Unit.PERCENTAGE:
        return f"{plain_number(value)}%"
    return plain_number(value)


def arrow(figure: Figure) -> str:
    return change_arrow(figure.change_percent)


def period_in_words(start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"{start:%-d %B %Y}"
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


# --- the tables --------------------------------------------------------------------------------


def by_section(figures: list[Figure]) -> dict[str, list[Figure]]:
    out: dict[str, list[Figure]] = defaultdict(list)
    for f in figures:
        out[f.section].append(f)
    return out


TABLE_TITLES = {
    "headlines": "Headline figures",
    "profile": "Profile",
    "categories": "Crime by category",
    "trend": "Crime and anti-social behaviour by month",
    "streets": "Streets with most crime",
    "lsoas": "Neighbourhoods (LSOAs) with most crime",
    "comparison": "Comparison with the force's other partnerships",
    "type-streets": "Streets with most crime, by crime type",
    "type-lsoas": "Neighbourhoods (LSOAs) with most crime, by crime type",
}


def figure_rows(figures: list[Figure]) -> list[list[Cell]]:
    return [
        [
            f.measure.name + (f": {f.label}" if f.label else ""),
            f.where,
            f.period_label or period_in_words(f.period_start, f.period_end),
            f.value,
            f.measure.get_unit_display(),
            f.get_value_qualifier_display() if f.value_qualifier else "",
            f.out_of,
            f.comparison_value,
            period_in_words(f.comparison_period_start, f.comparison_period_end)
            if f.comparison_period_start and f.comparison_period_end
            else "",
            f.change_percent,
            f.source_organisation.name if f.source_organisation else "",
            f.source_dataset,
            f.source_sentence,
            f.note,
        ]
        for f in figures
    ]


FIGURE_COLUMNS = [
    "Figure",
    "Area",
    "Period",
    "Value",
    "Unit",
    "Qualifier",
    "Out of",
    "Comparison value",
    "Comparison period",
    "Change (%)",
    "Source organisation",
    "Source dataset",
    "Source sentence",
    "Note",
]


def category_table(figures: list[Figure]) -> list[dict]:
    """Rows of the category table with each category's share of the total."""
    total = sum((f.value or 0) for f in figures)
    return [
        {"figure": f, "share": share_percent(f.value or 0, total) if total else None}
        for f in figures
    ]


def trend_rows(figures: list[Figure]) -> list[dict]:
    """One row per month: crimes and ASB incidents side by side."""
    months: dict[dt.date, dict] = {}
    for f in figures:
        row = months.setdefault(f.period_start, {"month": f.period_start, "crimes": 0, "asb": 0})
        row["asb" if f.measure.key == "asb-incidents" else "crimes"] = int(f.value or 0)
    return [months[m] for m in sorted(months)]


def comparison_rows(figures: list[Figure]) -> list[dict]:
    """One row per partnership: offences, rate and rank (stored as separate figures)."""
    rows: dict[str, dict] = {}
    for f in figures:
        row = rows.setdefault(f.label, {"csp": f.label, "offences": None, "rate": None})
        if f.measure.unit == Measure.Unit.RATE_PER_1000:
            row["rate"] = f.value
        else:
            row["offences"] = int(f.value) if f.value is not None else None
    ordered = sorted(rows.values(), key=lambda r: (r["rate"] is None, -(r["rate"] or 0)))
    for i, row in enumerate(ordered, start=1):
        row["rank"] = i if row["rate"] is not None else None
    return ordered


def type_hotspot_groups(figures: list[Figure]) -> list[dict]:
    """Hotspots grouped by crime type, in stored order, each ranked from 1."""
    groups: dict[str, list[dict]] = {}
    for f in figures:
        rows = groups.setdefault(f.crime_type, [])
        rows.append({"rank": len(rows) + 1, "label": f.label, "count": _int(f.value)})
    return [{"crime_type": t, "rows": rows} for t, rows in groups.items()]


def _type_hotspot_rows(figures: list[Figure]) -> list[list[Cell]]:
    return [
        [g["crime_type"], r["rank"], r["label"], r["count"]]
        for g in type_hotspot_groups(figures)
        for r in g["rows"]
    ]


def build_tables(assessment: Assessment, figures: list[Figure]) -> dict[str, Table]:
    """Every table of the assessment that has rows, keyed for download URLs."""
    sections = by_section(figures)
    tables: dict[str, Table] = {}

    def add(key: str, columns: list[str], rows: list[list[Cell]]) -> None:
        if rows:
            tables[key] = Table(key, TABLE_TITLES[key], columns, rows)

    add("headlines", FIGURE_COLUMNS, figure_rows(sections[Figure.Section.HEADLINE]))
    add("profile", FIGURE_COLUMNS, figure_rows(sections[Figure.Section.PROFILE]))
    add(
        "categories",
        ["Crime type", "Crimes", "Previous period", "Change (%)", "Share of all crime (%)"],
        [
            [
                r["figure"].label,
                _int(r["figure"].value),
                _int(r["figure"].comparison_value),
                r["figure"].change_percent,
                r["share"],
            ]
            for r in category_table(sections[Figure.Section.CATEGORY])
        ],
    )
    add(
        "trend",
        ["Month", "Crimes", "ASB incidents"],
        [[f"{r['month']:%B %Y}", r["crimes"], r["asb"]] for r in trend_rows(sections["trend"])],
    )
    add(
        "streets",
        ["Street (LSOA)", "Crimes"],
        [[f.label, _int(f.value)] for f in sections[Figure.Section.HOTSPOT_LOCATION]],
    )
    add(
        "lsoas",
        ["LSOA", "Crimes"],
        [[f.label, _int(f.value)] for f in sections[Figure.Section.HOTSPOT_LSOA]],
    )
    add(
        "type-streets",
        ["Crime type", "Rank", "Street (LSOA)", "Crimes or incidents"],
        _type_hotspot_rows(sections[Figure.Section.TYPE_HOTSPOT_LOCATION]),
    )
    add(
        "type-lsoas",
        ["Crime type", "Rank", "LSOA", "Crimes or incidents"],
        _type_hotspot_rows(sections[Figure.Section.TYPE_HOTSPOT_LSOA]),
    )
    add(
        "comparison",
        ["Partnership", "Recorded offences", "Rate per 1,000 population", "Rank"],
        [
            [r["csp"], r["offences"], r["rate"], r["rank"]]
            for r in comparison_rows(sections[Figure.Section.COMPARISON])
        ],
    )
    return tables


def _int(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


# --- downloads -------------------------------------------------------------------------------


def safe_text(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading single quote."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _csv_value(value: Cell) -> str | int:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, str):
        return safe_text(value)
    return value


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_text(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue()


def to_xlsx(table: Table, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.title[:31])
    heading = WriteOnlyCell(sheet, value=safe_text(title))
    heading.font = Font(bold=True)
    sheet.append([heading])
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=safe_text(column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_value(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Cell):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, str):
        return safe_text(value)
    return value
