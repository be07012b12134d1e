"""Import data.police.uk street-level crime files: checked whole, written all or nothing.

One call imports one or several files (or a folder, or the monthly archive's zip with its
`2023-02/2023-02-kent-street.csv` layout). Every file is checked by content and header before any
row is read; rows are then read with pandas a chunk at a time (memory stays flat for a million
rows), checked, assigned to an area and written, all inside one transaction. Any bad row rolls the
whole import back and the report names file, row, column and reason for each problem found.

Importing a force-month again replaces it exactly: the rows of every force-month the import
contains are deleted first, so the same file twice equals once and a corrected file replaces
the old month. Files of the same force-month in one import are combined.

On PostgreSQL the rows go in with COPY; elsewhere with bulk_create.
"""

from __future__ import annotations

import csv
import io
import logging
import queue
import re
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from django.db import connection, connections, transaction

from partners.models import Area, Partnership

from .filechecks import ImportFailed, Problem, TextInfo, check_archive, max_problems, scan_text
from .models import ASB, POLICE_UK_CRIME_TYPES, CrimeRecord, ImportRun

logger = logging.getLogger(__name__)

POLICE_UK_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
# Column of the file -> field of CrimeRecord, and the longest text each field takes.
FIELDS = {
    "Crime ID": ("crime_id", 64),
    "Reported by": ("reported_by", 100),
    "Falls within": ("force", 100),
    "Location": ("location", 200),
    "LSOA code": ("lsoa_code", 9),
    "LSOA name": ("lsoa_name", 100),
    "Crime type": ("crime_type", 60),
    "Last outcome category": ("outcome", 150),
}
CHUNK_ROWS = 50_000
MONTH_RE = r"\d{4}-(?:0[1-9]|1[0-2])"
LSOA_CODE_RE = r"[EW]0\d{7}"
EXTRA = "__extra__"  # catches a 13th field, which pandas would otherwise take as an index

ProgressCallback = Callable[[int, int | None], None]


# --- where the rows come from ----------------------------------------------------------------


@dataclass
class Source:
    """One CSV to read: a file on disk or a member of a zip archive."""

    name: str
    opener: Callable[[], BinaryIO]
    info: TextInfo | None = None

    def open(self) -> BinaryIO:
        return self.opener()


@dataclass
class Collected:
    sources: list[Source]
    skipped: list[dict] = field(default_factory=list)
    archives: list[zipfile.ZipFile] = field(default_factory=list)

    def close(self) -> None:
        for archive in self.archives:
            archive.close()


def is_street_file(name: str) -> bool:
    """In a folder or archive, street-level files are the CSVs with "street" in their name."""
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(".csv") and "street" in base


def collect_police_sources(paths: Iterable[Path], display_names: dict | None = None) -> Collected:
    """Files named are read whatever they are called; folders and zips give their street files."""
    display_names = display_names or {}
    out = Collected(sources=[])
    problems: list[Problem] = []
    for path in paths:
        path = Path(path)
        shown = display_names.get(path, path.name)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = f"{shown}/{file.relative_to(path).as_posix()}"
                if is_street_file(file.name):
                    out.sources.append(Source(rel, _file_opener(file)))
                else:
                    out.skipped.append({"file": rel, "reason": "not a street-level CSV file"})
        elif not path.exists():
            problems.append(Problem(shown, "does not exist."))
        elif _looks_like_zip(path) and path.suffix.lower() == ".zip":
            try:
                archive = check_archive(shown, str(path))
            except ImportFailed as exc:
                problems.extend(exc.problems)
                continue
            out.archives.append(archive)
            for member in sorted(archive.infolist(), key=lambda m: m.filename):
                if member.is_dir():
                    continue
                rel = f"{shown}/{member.filename}"
                if is_street_file(member.filename):
                    out.sources.append(Source(rel, _member_opener(archive, member.filename)))
                else:
                    out.skipped.append({"file": rel, "reason": "not a street-level CSV file"})
        else:
            out.sources.append(Source(shown, _file_opener(path)))
    if not problems and not out.sources:
        problems.append(Problem(", ".join(str(p) for p in paths), "holds no street-level CSV."))
    if problems:
        out.close()
        raise ImportFailed(problems)
    return out


def _looks_like_zip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def _file_opener(path: Path) -> Callable[[], BinaryIO]:
    return lambda: path.open("rb")


def _member_opener(archive: zipfile.ZipFile, member: str) -> Callable[[], BinaryIO]:
    return lambda: archive.open(member)


# --- checking a file before its rows -----------------------------------------------------------


def check_header(source: Source) -> None:
    """The first line must be the format's header, exactly."""
    with source.open() as raw:
        text = io.TextIOWrapper(raw, encoding=source.info.encoding, newline="")
        first = text.readline()
        rest = any(line.strip(" \r\n\t,") for line in _lines(text, 5))
    header = next(csv.reader([first]), [])
    if header != POLICE_UK_HEADER:
        column, reason = _header_difference(header)
        raise ImportFailed([Problem(source.name, reason, row=1, column=column)])
    if not rest:
        raise ImportFailed([Problem(source.name, "has a header but no rows.")])


def _lines(text: io.TextIOWrapper, limit: int) -> Iterator[str]:
    for _ in range(limit):
        line = text.readline()
        if not line:
            return
        yield line


def _header_difference(header: list[str]) -> tuple[str, str]:
    expected = ",".join(POLICE_UK_HEADER)
    if not header or header == [""]:
        return "", f"the first line is empty; it must be the header {expected}"
    for i, (found, wanted) in enumerate(zip(header, POLICE_UK_HEADER, strict=False), start=1):
        if found != wanted:
            return (
                wanted,
                f"column {i} of the header is {found!r} where {wanted!r} was expected "
                f"(the header must be exactly {expected})",
            )
    if len(header) < len(POLICE_UK_HEADER):
        missing = POLICE_UK_HEADER[len(header)]
        return missing, f"the header stops before {missing!r} (it must be exactly {expected})"
    return header[len(POLICE_UK_HEADER)], (
        f"the header has {len(header)} columns where {len(POLICE_UK_HEADER)} were expected "
        f"(it must be exactly {expected})"
    )


# --- areas -----------------------------------------------------------------------------------


class AreaMatcher:
    """Which area a row is in: by the district its LSOA name begins with, else its LSOA code.

    Work is done once per distinct LSOA name (a force has a few thousand), not once per row.
    """

    def __init__(self, partnership: Partnership | None) -> None:
        areas = list(Area.objects.all())
        self.by_name = {a.name.casefold(): a.pk for a in areas}
        self.names = {a.pk: a.name for a in areas}
        self.partnership_area_ids = (
            set(partnership.areas.values_list("pk", flat=True)) if partnership else set()
        )
        self.by_code: dict[str, int] = {}
        self.district_of: dict[str, str] = {}

    def _district(self, name: str) -> str:
        """ "Dartford 006B" -> "Dartford": the LSOA name without its last word."""
        if name not in self.district_of:
            self.district_of[name] = name.rsplit(" ", 1)[0] if " " in name else name
        return self.district_of[name]

    def district(self, lsoa_names: pd.Series) -> pd.Series:
        return lsoa_names.map({n: self._district(n) for n in lsoa_names.unique()})

    def assign(self, chunk: pd.DataFrame) -> tuple[pd.Series, bool]:
        """Areas by LSOA name, or by a code already seen with a name in this import; and
        whether rows with a code but no name are left for resolve_codes. No database."""
        names = chunk["LSOA name"]
        area_of = {n: self.by_name.get(self._district(n).casefold()) for n in names.unique()}
        area = names.map(area_of).astype("float64")
        codes = chunk["LSOA code"]
        unnamed = area.isna() & (codes != "")
        if unnamed.any():
            # Learn which area each code is in from rows that name it, then place the others.
            named = ~area.isna() & (codes != "")
            pairs = zip(codes[named].tolist(), area[named].astype(int).tolist(), strict=True)
            self.by_code.update(pairs)
            known = dict(self.by_code)
            area = area.where(~unnamed, codes.map(known).astype("float64"))
        return area, bool((area.isna() & (codes != "")).any())

    def resolve_codes(self, chunk: pd.DataFrame, area: pd.Series) -> pd.Series:
        """Areas for rows with an LSOA code but no name, from codes earlier imports placed."""
        codes = chunk["LSOA code"]
        unnamed = area.isna() & (codes != "")
        missing = set(codes[unnamed].unique()) - set(self.by_code)
        if missing:
            self.by_code.update(
                CrimeRecord.objects.filter(lsoa_code__in=missing, area__isnull=False)
                .values_list("lsoa_code", "area_id")
                .distinct()
            )
        known = dict(self.by_code)
        return area.where(~unnamed, codes.map(known).astype("float64"))


# --- the import ------------------------------------------------------------------------------


@dataclass
class PoliceReport:
    """What an import read and where its rows went; stored as the ImportRun's report."""

    files: list[dict] = field(default_factory=list)
    skipped_files: list[dict] = field(default_factory=list)
    rows: int = 0
    crimes: int = 0
    asb: int = 0
    by_crime_type: Counter = field(default_factory=Counter)
    in_partnership: Counter = field(default_factory=Counter)  # area name -> rows
    other_areas: Counter = field(default_factory=Counter)  # known area outside partnership
    unknown_districts: Counter = field(default_factory=Counter)  # LSOA district, no Area
    no_location: int = 0
    no_location_asb: int = 0
    force_months: dict = field(default_factory=dict)  # "force|YYYY-MM" -> rows imported
    replaced: dict = field(default_factory=dict)  # "force|YYYY-MM" -> rows deleted

    def as_dict(self) -> dict:
        return {
            "files": self.files,
            "skipped_files": self.skipped_files,
            "rows": self.rows,
            "crimes": self.crimes,
            "asb": self.asb,
            "by_crime_type": dict(sorted(self.by_crime_type.items())),
            "in_partnership": dict(sorted(self.in_partnership.items())),
            "in_partnership_total": sum(self.in_partnership.values()),
            "other_areas": dict(sorted(self.other_areas.items())),
            "unknown_districts": dict(sorted(self.unknown_districts.items())),
            "outside_partnership_total": sum(self.other_areas.values())
            + sum(self.unknown_districts.values()),
            "no_location": self.no_location,
            "no_location_asb": self.no_location_asb,
            "force_months": [
                {
                    "force": key.split("|")[0],
                    "month": key.split("|")[1],
                    "rows": rows,
                    "replaced_rows": self.replaced.get(key, 0),
                }
                for key, rows in sorted(self.force_months.items())
            ],
        }


class _Problems:
    """Collects problems up to a page, counting the rest."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.total = 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if len(self.items) < max_problems():
            self.items.append(problem)

    def __bool__(self) -> bool:
        return self.total > 0


def import_police_uk(
    paths: Iterable[Path],
    run: ImportRun,
    partnership: Partnership | None = None,
    progress: ProgressCallback | None = None,
    display_names: dict | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> dict:
    """Import street-level files for `run`; return the report, or raise ImportFailed."""
    collected = collect_police_sources(paths, display_names)
    try:
        return _import_sources(collected, run, partnership, progress, chunk_rows)
    finally:
        collected.close()


def _import_sources(
    collected: Collected,
    run: ImportRun,
    partnership: Partnership | None,
    progress: ProgressCallback | None,
    chunk_rows: int,
) -> dict:
    report = PoliceReport(skipped_files=collected.skipped)
    problems = _Problems()
    # 1. Every file: content, encoding and header, before any row is read.
    for source in collected.sources:
        try:
            source.info = scan_text(source.name, source.open)
            check_header(source)
        except ImportFailed as exc:
            for p in exc.problems:
                problems.add(p)
    if problems:
        raise ImportFailed(problems.items, problems.total, report.as_dict())
    rows_total = sum(max(s.info.lines - 1, 0) for s in collected.sources)
    if progress:
        progress(0, rows_total)
    matcher = AreaMatcher(partnership)
    writer = _writer_for(run)
    done = 0
    # 2. Rows, a chunk at a time, in one transaction: any problem rolls all of it back.
    with transaction.atomic():
        for source in collected.sources:
            file_rows = 0
            months: set[str] = set()
            prepared = _prepare(source, chunk_rows, problems, matcher, writer.wants_text, run.pk)
            if writer.background:
                prepared = _in_background(prepared)
            for item in prepared:
                file_rows += item.rows_read
                if problems or item.chunk is None:
                    continue  # keep checking to report every problem, but write nothing more
                chunk, areas, text = item.chunk, item.areas, item.text
                if item.unresolved:
                    areas, text = matcher.resolve_codes(chunk, areas), None
                _count(report, chunk, areas, matcher)
                months.update(chunk["Month"].unique())
                _replace_force_months(report, chunk, run)
                writer.write(chunk, areas, text)
                done += len(chunk)
                if progress:
                    progress(done, rows_total)
            report.files.append(
                {
                    "name": source.name,
                    "rows": file_rows,
                    "encoding": source.info.label,
                    "months": sorted(months),
                }
            )
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ImportFailed(problems.items, problems.total, report.as_dict())
    return report.as_dict()


@dataclass
class _Prepared:
    """A chunk read, checked and given areas, ready to write (chunk is None once a problem
    has been found: from then on rows are only checked)."""

    rows_read: int
    chunk: pd.DataFrame | None = None
    areas: pd.Series | None = None
    text: str | None = None  # COPY text, when the writer wants it and areas are final
    unresolved: bool = False  # rows with an LSOA code but no name still need the database


def _prepare(
    source: Source,
    chunk_rows: int,
    problems: _Problems,
    matcher: AreaMatcher,
    wants_text: bool,
    run_id: int,
) -> Iterator[_Prepared]:
    """Read, check and place each chunk. Touches no database, so it can run in a thread."""
    for chunk in _chunks(source, chunk_rows, problems):
        good = _check_chunk(source.name, chunk, problems)
        if problems:
            yield _Prepared(len(chunk))
            continue
        rows = len(chunk)
        chunk = chunk[good]
        areas, unresolved = matcher.assign(chunk)
        text = copy_text(chunk, areas, run_id) if wants_text and not unresolved else None
        yield _Prepared(rows, chunk, areas, text, unresolved)


def _in_background(items: Iterator[_Prepared], depth: int = 2) -> Iterator[_Prepared]:
    """Run `items` in a thread, `depth` chunks ahead, so reading and checking the next chunk
    overlaps with the database writing this one."""
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        out.put(item, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            out.put(done)
        except BaseException as exc:  # handed to the importing thread, which re-raises it
            out.put(exc)

    thread = threading.Thread(target=work, name="police-import-reader", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=10)


def _chunks(source: Source, chunk_rows: int, problems: _Problems) -> Iterator[pd.DataFrame]:
    """The file's rows as text, a chunk at a time; a row with extra columns is a problem."""
    with source.open() as raw:
        try:
            reader = pd.read_csv(
                raw,
                encoding=source.info.encoding,
                header=None,
                skiprows=1,  # the header, already checked
                names=[*POLICE_UK_HEADER, EXTRA],
                dtype=object,
                na_filter=False,  # every cell stays text; "" is empty, never NaN
                skip_blank_lines=False,
                chunksize=chunk_rows,
            )
            yield from reader
        except pd.errors.ParserError as exc:
            problems.add(_parser_problem(source.name, str(exc)))
        except UnicodeDecodeError as exc:  # pragma: no cover - scan_text refuses these first
            problems.add(Problem(source.name, f"cannot be decoded: {exc.reason}."))


def _parser_problem(name: str, message: str) -> Problem:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        _expected, line, saw = (int(x) for x in found.groups())
        return Problem(
            name, f"has {saw} columns where the header has {len(POLICE_UK_HEADER)}.", row=line
        )
    return Problem(name, f"cannot be read as CSV: {message}")


def _bad(series: pd.Series, ok: Callable[[str], bool]) -> pd.Series:
    """Rows whose value fails `ok`, testing each distinct value once."""
    bad = [v for v in series.unique() if not ok(v)]
    return series.isin(bad) if bad else pd.Series(False, index=series.index)


def _check_chunk(name: str, chunk: pd.DataFrame, problems: _Problems) -> pd.Series:
    """Mark each row good or bad, adding a problem for every bad cell (vectorised)."""
    bad = pd.Series(False, index=chunk.index)

    def flag(mask: pd.Series, column: str, reason: Callable[[str], str]) -> None:
        nonlocal bad
        if mask.any():
            for index, value in chunk.loc[mask, column].items():
                problems.add(Problem(name, reason(value), row=int(index) + 2, column=column))
            bad |= mask

    extra = chunk[EXTRA] != ""
    if extra.any():
        for index in chunk.index[extra.to_numpy()]:
            problems.add(Problem(name, "has 13 columns where the header has 12.", row=index + 2))
        bad |= extra
    maybe_empty = (chunk["Month"] == "") & (chunk["Crime type"] == "")
    empty_row = pd.Series(False, index=chunk.index)
    if maybe_empty.any():
        empty_row[maybe_empty] = (chunk[maybe_empty] == "").all(axis=1)
        for index in chunk.index[empty_row.to_numpy()]:
            problems.add(Problem(name, "the row is empty.", row=int(index) + 2))
        bad |= empty_row
    filled = ~empty_row
    month_re, code_re = re.compile(MONTH_RE), re.compile(LSOA_CODE_RE)
    flag(
        filled & _bad(chunk["Month"], lambda v: bool(month_re.fullmatch(v))),
        "Month",
        lambda v: f"{v!r} is not a month like 2023-02." if v else "is empty.",
    )
    flag(
        filled & _bad(chunk["Falls within"], lambda v: bool(v.strip())),
        "Falls within",
        lambda v: "is empty.",
    )
    flag(
        filled & ~chunk["Crime type"].isin(POLICE_UK_CRIME_TYPES),
        "Crime type",
        lambda v: f"{v!r} is not one of the 14 police.uk crime types." if v else "is empty.",
    )
    for column, low, high in (("Longitude", -180, 180), ("Latitude", -90, 90)):
        text = chunk[column]
        number = pd.to_numeric(text, errors="coerce")
        flag(
            filled & (text != "") & ~number.between(low, high),
            column,
            lambda v, low=low, high=high: f"{v!r} is not a number between {low} and {high}.",
        )
    flag(
        _bad(chunk["LSOA code"], lambda v: not v or bool(code_re.fullmatch(v))),
        "LSOA code",
        lambda v: f"{v!r} is not an LSOA code like E01024148.",
    )
    for column, (_field, longest) in FIELDS.items():
        values = chunk[column].tolist()
        if values and max(map(len, values)) > longest:
            flag(
                chunk[column].str.len() > longest,
                column,
                lambda v, longest=longest: f"is {len(v)} characters long; at most {longest} fit.",
            )
    return ~bad


def _count(report: PoliceReport, chunk: pd.DataFrame, areas: pd.Series, m: AreaMatcher) -> None:
    is_asb = chunk["Crime type"] == ASB
    report.rows += len(chunk)
    report.asb += int(is_asb.sum())
    report.crimes += int((~is_asb).sum())
    report.by_crime_type.update(chunk["Crime type"].value_counts().to_dict())
    no_location = (chunk["LSOA code"] == "") & (chunk["LSOA name"] == "")
    report.no_location += int(no_location.sum())
    report.no_location_asb += int((no_location & is_asb).sum())
    inside = areas.isin(m.partnership_area_ids)
    for area_id, n in areas[inside].value_counts().items():
        report.in_partnership[m.names[int(area_id)]] += int(n)
    other = areas.notna() & ~inside
    for area_id, n in areas[other].value_counts().items():
        report.other_areas[m.names[int(area_id)]] += int(n)
    unknown = areas.isna() & ~no_location
    if unknown.any():
        districts = m.district(chunk.loc[unknown, "LSOA name"]).replace("", "(no LSOA name)")
        report.unknown_districts.update(districts.value_counts().to_dict())


def _replace_force_months(report: PoliceReport, chunk: pd.DataFrame, run: ImportRun) -> None:
    """Delete what an earlier import held for each force-month first met in this import."""
    pairs = chunk.groupby(["Falls within", "Month"], sort=False).size()
    for (force, month), n in pairs.items():
        key = f"{force}|{month}"
        if key not in report.force_months:
            deleted, _ = (
                CrimeRecord.objects.filter(force=force, month=f"{month}-01")
                .exclude(import_run=run)
                .delete()
            )
            report.replaced[key] = deleted
            report.force_months[key] = 0
        report.force_months[key] += int(n)


# --- writing ---------------------------------------------------------------------------------

COLUMNS = [
    "force",
    "reported_by",
    "month",
    "crime_type",
    "crime_id",
    "lsoa_code",
    "lsoa_name",
    "location",
    "longitude",
    "latitude",
    "area_id",
    "outcome",
    "context",
    "import_run_id",
]


def _rows_out(chunk: pd.DataFrame, areas: pd.Series, run_id: int) -> Iterator[tuple]:
    """The chunk's rows in COLUMNS order; coordinates stay the text they were checked as."""
    month = chunk["Month"].map({m: f"{m}-01" for m in chunk["Month"].unique()})
    area_ids = [None if pd.isna(a) else int(a) for a in areas.tolist()]
    return zip(
        chunk["Falls within"].tolist(),
        chunk["Reported by"].tolist(),
        month.tolist(),
        chunk["Crime type"].tolist(),
        chunk["Crime ID"].tolist(),
        chunk["LSOA code"].tolist(),
        chunk["LSOA name"].tolist(),
        chunk["Location"].tolist(),
        chunk["Longitude"].tolist(),
        chunk["Latitude"].tolist(),
        area_ids,
        chunk["Last outcome category"].tolist(),
        chunk["Context"].tolist(),
        repeat(run_id),
        strict=False,
    )


SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_column(values: list[str], null_if_empty: bool = False) -> list[str]:
    """One column for COPY's text format: special characters escaped; empty as NULL if asked."""
    joined = "".join(values)
    if any(ch in joined for ch in "\\\t\n\r"):
        values = [v.translate(SPECIAL) for v in values]
    if null_if_empty:
        values = [v or "\\N" for v in values]
    return values


def copy_text(chunk: pd.DataFrame, areas: pd.Series, run_id: int) -> str:
    """The chunk as COPY text-format lines in COLUMNS order, built with C-speed joins."""
    month = chunk["Month"].map({m: f"{m}-01" for m in chunk["Month"].unique()})
    ids = {a: str(int(a)) for a in areas.dropna().unique()}
    area_ids = [ids.get(a, "\\N") for a in areas.tolist()]  # NaN is in no dict: NULL
    columns = [
        _copy_column(chunk["Falls within"].tolist()),
        _copy_column(chunk["Reported by"].tolist()),
        month.tolist(),
        _copy_column(chunk["Crime type"].tolist()),
        _copy_column(chunk["Crime ID"].tolist()),
        _copy_column(chunk["LSOA code"].tolist()),
        _copy_column(chunk["LSOA name"].tolist()),
        _copy_column(chunk["Location"].tolist()),
        _copy_column(chunk["Longitude"].tolist(), null_if_empty=True),
        _copy_column(chunk["Latitude"].tolist(), null_if_empty=True),
        area_ids,
        _copy_column(chunk["Last outcome category"].tolist()),
        _copy_column(chunk["Context"].tolist()),
        [str(run_id)] * len(chunk),
    ]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


class _CopyWriter:
    """PostgreSQL: each chunk goes in with COPY (text format), the fastest way in, while a
    thread reads and checks the next chunk."""

    wants_text = True
    background = True

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        table = CrimeRecord._meta.db_table
        self.sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"

    def write(self, chunk: pd.DataFrame, areas: pd.Series, text: str | None) -> None:
        if chunk.empty:
            return
        buffer = io.StringIO(text if text is not None else copy_text(chunk, areas, self.run.pk))
        with connection.cursor() as cursor:
            cursor.copy_expert(self.sql, buffer, size=1 << 20)


class _OrmWriter:
    """Other databases (SQLite in development and tests): bulk_create, in the same thread."""

    wants_text = False
    background = False

    def __init__(self, run: ImportRun) -> None:
        self.run = run

    def write(self, chunk: pd.DataFrame, areas: pd.Series, text: str | None) -> None:
        objs = []
        for row in _rows_out(chunk, areas, self.run.pk):
            values = dict(zip(COLUMNS, row, strict=True))
            for key in ("longitude", "latitude"):
                values[key] = float(values[key]) if values[key] else None
            objs.append(CrimeRecord(**values))
        CrimeRecord.objects.bulk_create(objs, batch_size=2000)


def _writer_for(run: ImportRun):
    return _CopyWriter(run) if connection.vendor == "postgresql" else _OrmWriter(run)


# --- progress that others can see during the transaction -------------------------------------


class RunProgress:
    """Writes rows_done for the progress page while the import's own transaction is open.

    On PostgreSQL a second connection writes it, so the page sees it before the import commits;
    elsewhere it is written in the import's own transaction and seen when it finishes.
    """

    def __init__(self, run: ImportRun, every: int = 20_000) -> None:
        self.run = run
        self.every = every
        self.last = -every
        self.side = None
        if connection.vendor == "postgresql":
            try:
                self.side = connections.create_connection("default")
            except Exception:  # pragma: no cover - progress is best effort
                logger.exception("No second connection for import progress")

    def __call__(self, done: int, total: int | None) -> None:
        if done - self.last < self.every and done != total:
            return
        self.last = done
        self.run.rows_done, self.run.rows_total = done, total
        table = ImportRun._meta.db_table
        sql = f"UPDATE {table} SET rows_done = %s, rows_total = %s WHERE id = %s"  # noqa: S608
        try:
            if self.side is not None:
                with self.side.cursor() as cursor:
                    cursor.execute(sql, [done, total, self.run.pk])
            else:
                ImportRun.objects.filter(pk=self.run.pk).update(rows_done=done, rows_total=total)
        except Exception:  # pragma: no cover - progress is best effort
            logger.exception("Could not record import progress")

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
