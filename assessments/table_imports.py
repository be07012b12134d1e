"""Import the Home Office CSP-level recorded crime tables and ONS mid-year population estimates.

Both arrive as CSV, Excel (.xlsx) or OpenDocument (.ods). The file is judged by its bytes: a
workbook's zip directory is checked before it is unpacked (a zip bomb is refused), and text must
be UTF-8 or Windows-1252. In a workbook each sheet is read (the Home Office tables have a sheet
per financial year); the header row is found among the first rows, since published sheets start
with titles and notes, and sheets without the expected columns are skipped and listed.

All or nothing, as for police.uk: every row is checked, any bad row stops the import with its
file, sheet, row and column, and nothing is written. Importing a force's financial quarter (or an
area's population for a year) again replaces it exactly.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.db import transaction

from partners.models import Area, AreaPopulation

from .filechecks import ImportFailed, Problem, check_archive, max_problems, scan_text
from .models import ImportRun, OffenceCount

HEADER_SEARCH_ROWS = 30
MAX_CSV_COLUMNS = 60


def _norm(text) -> str:
    """Header and name matching ignores capitals and spacing: " Police  force" = "police force"."""
    return " ".join(str(text).split()).casefold()


@dataclass
class Sheet:
    name: str  # "file.ods, sheet 2023-24" or "file.csv"
    frame: pd.DataFrame  # every cell as text, no header applied
    first_row: int = 1  # spreadsheet row number of frame's first row


def read_sheets(path: Path, shown: str) -> list[Sheet]:
    """Every sheet of a CSV, XLSX or ODS file as text, after the content checks."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(b"PK\x03\x04"):
        archive = check_archive(shown, str(path))
        names = set(archive.namelist())
        mimetype = (
            archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
        )
        archive.close()
        if "xl/workbook.xml" in names:
            engine = "openpyxl"
        elif "spreadsheet" in mimetype:
            engine = "odf"
        else:
            raise ImportFailed(
                [Problem(shown, "is a ZIP archive but not an .xlsx or .ods workbook.")]
            )
        try:
            frames = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine=engine)
        except (ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise ImportFailed([Problem(shown, f"cannot be read as a workbook: {exc}")]) from None
        return [
            Sheet(f"{shown}, sheet {name}", frame.fillna("").astype(str))
            for name, frame in frames.items()
        ]
    info = scan_text(shown, lambda: path.open("rb"))
    try:
        # Generous column names let title lines and the table have different widths.
        frame = pd.read_csv(
            path,
            header=None,
            names=list(range(MAX_CSV_COLUMNS)),
            dtype=str,
            keep_default_na=False,
            encoding=info.encoding,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:
        raise ImportFailed([Problem(shown, f"cannot be read as CSV: {exc}")]) from None
    used = [c for c in frame.columns if (frame[c] != "").any()]
    return [Sheet(shown, frame[used] if used else frame)]


def find_header(sheet: Sheet, columns: dict[str, tuple[str, ...]]) -> tuple[int, dict] | None:
    """The row holding every wanted column (by any of its names) and where each column is."""
    for i in range(min(HEADER_SEARCH_ROWS, len(sheet.frame))):
        cells = [_norm(v) for v in sheet.frame.iloc[i].tolist()]
        found = {}
        for key, names in columns.items():
            hits = [j for j, cell in enumerate(cells) if cell in names]
            if hits:
                found[key] = hits[0]
        if len(found) == len(columns):
            return i, found
    return None


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.total = 0

    def add(self, sheet: Sheet, index: int, column: str, reason: str) -> None:
        self.total += 1
        if len(self.items) < max_problems():
            row = sheet.first_row + index if index >= 0 else None
            self.items.append(Problem(sheet.name, reason, row=row, column=column))

    def fail(self, details: dict | None = None) -> ImportFailed:
        return ImportFailed(self.items, self.total, details or {})


def _rows(sheet: Sheet, header_index: int, where: dict[str, int]):
    """(index, {key: text}) for each non-blank row under the header."""
    frame = sheet.frame
    for index in range(header_index + 1, len(frame)):
        row = frame.iloc[index]
        values = {k: str(row.iloc[j]).strip() for k, j in where.items()}
        if not any(values.values()):
            continue  # blank rows and notes' spacing under published tables
        yield index, values


def _whole_number(text: str) -> int | None:
    """ "1,234", "1234" or "1234.0" -> 1234; anything else None."""
    cleaned = text.replace(",", "").strip()
    try:
        number = float(cleaned)
    except ValueError:
        return None
    if not number.is_integer() or number < 0:
        return None
    return int(number)


# --- Home Office police recorded crime, CSP level ----------------------------------------------

HOME_OFFICE_COLUMNS = {
    "financial_year": ("financial year",),
    "quarter": ("financial quarter",),
    "force": ("police force", "force name"),
    "csp_name": ("csp name", "community safety partnership"),
    "offence_description": ("offence description",),
    "offence_group": ("offence group",),
    "offence_subgroup": ("offence subgroup",),
    "offence_code": ("offence code",),
    "count": ("offence count", "number of offences"),
}
FINANCIAL_YEAR = re.compile(r"(\d{4})\s*/\s*(\d{2})")
QUARTER = re.compile(r"q?\s*([1-4])", re.IGNORECASE)


def quarter_start(financial_year: int, quarter: int) -> dt.date:
    """Financial quarters run April–June = Q1, so 2023/24 Q3 starts on 1 October 2023."""
    month = 4 + (quarter - 1) * 3
    return dt.date(financial_year + (month > 12), (month - 1) % 12 + 1, 1)


def import_home_office(path: Path, run: ImportRun, shown: str | None = None, progress=None) -> dict:
    """Import a Home Office CSP-level table (all sheets); return the report or raise."""
    shown = shown or path.name
    sheets = read_sheets(path, shown)
    problems = _Problems()
    rows: list[OffenceCount] = []
    read, skipped = [], []
    areas = {_norm(a.name): a for a in Area.objects.all()}
    spellings: dict[str, set[str]] = {}
    for sheet in sheets:
        header = find_header(sheet, HOME_OFFICE_COLUMNS)
        if header is None:
            skipped.append(sheet.name)
            continue
        header_index, where = header
        header_cells = sheet.frame.iloc[header_index].tolist()
        names = {k: str(header_cells[j]).strip() for k, j in where.items()}
        count_before = len(rows)
        years = set()
        for index, v in _rows(sheet, header_index, where):
            fy = FINANCIAL_YEAR.fullmatch(v["financial_year"])
            if not fy or (int(fy.group(1)) + 1) % 100 != int(fy.group(2)):
                problems.add(
                    sheet,
                    index,
                    names["financial_year"],
                    f"{v['financial_year']!r} is not a financial year like 2023/24.",
                )
                continue
            q = QUARTER.fullmatch(v["quarter"])
            if not q:
                problems.add(
                    sheet, index, names["quarter"], f"{v['quarter']!r} is not a quarter 1 to 4."
                )
                continue
            count = _whole_number(v["count"])
            if count is None:
                problems.add(sheet, index, names["count"], f"{v['count']!r} is not a whole number.")
                continue
            missing = [
                k for k in ("force", "csp_name", "offence_description", "offence_group") if not v[k]
            ]
            if missing:
                problems.add(sheet, index, names[missing[0]], "is empty.")
                continue
            too_long = [
                k
                for k, n in (
                    ("offence_description", 250),
                    ("csp_name", 150),
                    ("force", 100),
                    ("offence_group", 120),
                    ("offence_subgroup", 120),
                    ("offence_code", 20),
                )
                if len(v[k]) > n
            ]
            if too_long:
                problems.add(sheet, index, names[too_long[0]], "is too long.")
                continue
            year = int(fy.group(1))
            years.add(v["financial_year"])
            csp_key = _norm(v["csp_name"])
            spellings.setdefault(csp_key, set()).add(v["csp_name"])
            rows.append(
                OffenceCount(
                    financial_year=f"{year}/{fy.group(2)}",
                    quarter=int(q.group(1)),
                    quarter_start=quarter_start(year, int(q.group(1))),
                    force=" ".join(v["force"].split()),
                    csp_name=" ".join(v["csp_name"].split()),
                    is_unassigned="unassigned" in csp_key,
                    area=areas.get(csp_key),
                    offence_description=v["offence_description"],
                    offence_group=v["offence_group"],
                    offence_subgroup=v["offence_subgroup"],
                    offence_code=v["offence_code"],
                    count=count,
                    import_run=run,
                )
            )
        read.append(
            {
                "sheet": sheet.name,
                "rows": len(rows) - count_before,
                "financial_years": sorted(years),
            }
        )
    details = {"sheets": read, "skipped_sheets": skipped}
    if problems.total:
        raise problems.fail(details)
    if not rows:
        wanted = ", ".join(v[0].title() for v in HOME_OFFICE_COLUMNS.values())
        raise ImportFailed(
            [
                Problem(
                    shown, f"has no sheet with the columns {wanted} (or Force Name), or no rows."
                )
            ],
            details=details,
        )
    if progress:
        progress(0, len(rows))
    quarters = Counter((r.financial_year, r.quarter, r.force.casefold()) for r in rows)
    replaced = {}
    with transaction.atomic():
        for (fy, q, force), _n in quarters.items():
            deleted, _ = (
                OffenceCount.objects.filter(financial_year=fy, quarter=q, force__iexact=force)
                .exclude(import_run=run)
                .delete()
            )
            replaced[(fy, q, force)] = deleted
        OffenceCount.objects.bulk_create(rows, batch_size=5000)
    if progress:
        progress(len(rows), len(rows))
    unassigned = sum(r.is_unassigned for r in rows)
    unmatched = sorted(
        {r.csp_name for r in rows if r.area_id is None and not r.is_unassigned}, key=str.casefold
    )
    variants = sorted(", ".join(sorted(s)) for s in spellings.values() if len(s) > 1)
    forces = sorted({r.force for r in rows})
    summary = [
        ["Rows", f"{len(rows):,}"],
        ["Sheets read", "; ".join(f"{s['sheet']} ({s['rows']:,} rows)" for s in read)],
        ["Forces", ", ".join(forces)],
        [
            "Financial quarters",
            "; ".join(
                f"{fy} Q{q} {force}: {n:,} rows"
                + (f", replacing {replaced[(fy, q, force)]:,}" if replaced[(fy, q, force)] else "")
                for (fy, q, force), n in sorted(quarters.items())
            ),
        ],
        ["“Unassigned” rows", f"{unassigned:,}: counted for the force, never for a partnership"],
    ]
    if skipped:
        summary.append(["Sheets skipped (no table with the expected columns)", "; ".join(skipped)])
    if unmatched:
        summary.append(["CSP names that are not an area in the portal", ", ".join(unmatched)])
    if variants:
        summary.append(
            ["Names written in different capitals (treated as one)", "; ".join(variants)]
        )
    return {"rows": len(rows), "summary": summary, **details}


# --- ONS mid-year population estimates ---------------------------------------------------------

ONS_COLUMNS = {
    "code": ("code", "area code", "gss code", "la code", "ladcode", "geography code"),
    "name": ("name", "area name", "la name", "geography name"),
    "population": ("population", "all ages", "mid-year population"),
    "year": ("year", "mid-year", "mid year"),
}
GSS_CODE = re.compile(r"[EWSN]\d{8}")
YEAR = re.compile(r"(?:mid[- ]?)?(\d{4})", re.IGNORECASE)


def import_ons_population(
    path: Path, run: ImportRun, shown: str | None = None, progress=None
) -> dict:
    """Import population estimates (code, name, population, year) into AreaPopulation."""
    shown = shown or path.name
    sheets = read_sheets(path, shown)
    problems = _Problems()
    wanted: dict[tuple[str, int], tuple[str, int]] = {}
    where_seen: dict[tuple[str, int], str] = {}
    skipped = []
    for sheet in sheets:
        header = find_header(sheet, ONS_COLUMNS)
        if header is None:
            skipped.append(sheet.name)
            continue
        header_index, where = header
        header_cells = sheet.frame.iloc[header_index].tolist()
        names = {k: str(header_cells[j]).strip() for k, j in where.items()}
        for index, v in _rows(sheet, header_index, where):
            if not GSS_CODE.fullmatch(v["code"]):
                problems.add(
                    sheet, index, names["code"], f"{v['code']!r} is not a GSS code like E07000107."
                )
                continue
            if not v["name"]:
                problems.add(sheet, index, names["name"], "is empty.")
                continue
            people = _whole_number(v["population"])
            if not people:
                problems.add(
                    sheet,
                    index,
                    names["population"],
                    f"{v['population']!r} is not a population (a whole number above 0).",
                )
                continue
            year_match = YEAR.fullmatch(v["year"])
            year = int(year_match.group(1)) if year_match else None
            if not year or not 1981 <= year <= 2100:
                problems.add(sheet, index, names["year"], f"{v['year']!r} is not a year like 2023.")
                continue
            key = (v["code"], year)
            row_name = f"{sheet.name} row {sheet.first_row + index}"
            if key in wanted and wanted[key][1] != people:
                problems.add(
                    sheet,
                    index,
                    names["population"],
                    f"{v['code']} {year} is also given as {wanted[key][1]:,} at {where_seen[key]}.",
                )
                continue
            wanted[key] = (v["name"][:100], people)
            where_seen[key] = row_name
    details = {"skipped_sheets": skipped}
    if problems.total:
        raise problems.fail(details)
    if not wanted:
        raise ImportFailed(
            [
                Problem(
                    shown,
                    "has no table with columns for code, name, population and year, or no rows.",
                )
            ],
            details=details,
        )
    source = f"ONS mid-year population estimates (import {run.pk}: {shown})"[:200]
    created_areas, renamed, added, changed, same = [], [], 0, 0, 0
    with transaction.atomic():
        areas = {a.gss_code: a for a in Area.objects.filter(gss_code__in={c for c, _ in wanted})}
        for (code, year), (name, people) in sorted(wanted.items()):
            area = areas.get(code)
            if area is None:
                area = areas[code] = Area.objects.create(gss_code=code, name=name)
                created_areas.append(f"{name} ({code})")
            elif _norm(area.name) != _norm(name):
                renamed.append(f"{code}: “{name}” in the file, “{area.name}” in the portal")
            obj, created = AreaPopulation.objects.get_or_create(
                area=area, year=year, defaults={"population": people, "source": source}
            )
            if created:
                added += 1
            elif obj.population != people:
                obj.population, obj.source = people, source
                obj.save(update_fields=["population", "source"])
                changed += 1
            else:
                same += 1
    if progress:
        progress(len(wanted), len(wanted))
    summary = [
        ["Estimates", f"{len(wanted):,} ({added:,} new, {changed:,} replaced, {same:,} unchanged)"],
        ["Years", ", ".join(str(y) for y in sorted({y for _, y in wanted}))],
    ]
    if created_areas:
        summary.append(["Areas added to the portal", ", ".join(created_areas)])
    if renamed:
        summary.append(["Names that differ (the portal’s name is kept)", "; ".join(renamed)])
    if skipped:
        summary.append(["Sheets skipped (no table with the expected columns)", "; ".join(skipped)])
    return {"rows": len(wanted), "summary": summary, **details}
