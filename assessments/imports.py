"""Import data.police.uk street-level crime files: checked whole, written all or nothing.

One call imports one or several files (or a folder, or the monthly archive's zip with its
`2023-02/2023-02-kent-street.csv` layout). Every file is checked by content and header before any
row is read; rows are then read with pandas a chunk at a time (memory stays flat for a million
rows), checked, assigned to an area and written, all inside one transaction. Any bad row rolls the
whole import back and the report names file, row, column and reason for each problem found.
Rows with an LSOA code but no district the portal knows take the area another row with that
code has (in this import or an earlier one), in one pass at the end.

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

import numpy as np
import pandas as pd
from django.db import connection, connections, models, transaction

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
CHUNK_ROWS = 20_000
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

    def assign(self, chunk: pd.DataFrame) -> tuple[pd.Series, set[str]]:
        """Areas by LSOA name, or by a code already seen with a name in this import; and the
        codes of rows still without an area, for place_by_earlier_codes. No database."""
        names = chunk["LSOA name"]
        area_of = {n: self.by_name.get(self._district(n).casefold()) for n in names.unique()}
        area = names.map(area_of).astype("float64")
        missing = area.isna().to_numpy()
        if not missing.any():
            return area, set()
        codes = chunk["LSOA code"]
        has_code = codes.to_numpy() != ""
        unnamed = missing & has_code
        if unnamed.any():
            # Learn which area each code is in from rows that name it, then place the others.
            named = ~missing & has_code
            pairs = zip(codes[named].tolist(), area[named].astype(int).tolist(), strict=True)
            self.by_code.update(pairs)
            known = dict(self.by_code)
            area = area.where(~unnamed, codes.map(known).astype("float64"))
        left = area.isna().to_numpy() & has_code
        return area, set(pd.unique(codes.to_numpy()[left])) if left.any() else set()

    def place_by_earlier_codes(self, run: ImportRun, codes: set[str], report: PoliceReport):
        """Give an area to this import's rows that have an LSOA code but no known district,
        where a row (of this import or an earlier one) with that code has one.

        Done once at the end, in SQL, so the rows are read and written without stopping the
        pipeline: one look-up and, only where a code is found, one UPDATE per area.
        """
        found: dict[str, int] = {}
        codes = sorted(codes)
        for i in range(0, len(codes), 5000):  # SQLite limits the parameters of one query
            found.update(
                CrimeRecord.objects.filter(lsoa_code__in=codes[i : i + 5000], area__isnull=False)
                .values_list("lsoa_code", "area_id")
                .distinct()
            )
        if not found:
            return
        rows = CrimeRecord.objects.filter(import_run=run, area__isnull=True)
        by_area: dict[int, list[str]] = {}
        for code, area_id in found.items():
            by_area.setdefault(area_id, []).append(code)
        for area_id, area_codes in by_area.items():
            placed = rows.filter(lsoa_code__in=area_codes)
            counted = placed.values_list("lsoa_name").annotate(n=models.Count("pk")).order_by()
            for lsoa_name, n in counted:
                district = self._district(lsoa_name) if lsoa_name else "(no LSOA name)"
                report.unknown_districts[district] -= n
                inside = area_id in self.partnership_area_ids
                counter = report.in_partnership if inside else report.other_areas
                counter[self.names[area_id]] += n
            placed.update(area_id=area_id)
        report.unknown_districts = +report.unknown_districts  # drop districts now at zero


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

    def merge(self, part: PoliceReport) -> None:
        """Add one chunk's counts (worked out away from the database) to the report."""
        self.rows += part.rows
        self.crimes += part.crimes
        self.asb += part.asb
        self.no_location += part.no_location
        self.no_location_asb += part.no_location_asb
        for mine, theirs in (
            (self.by_crime_type, part.by_crime_type),
            (self.in_partnership, part.in_partnership),
            (self.other_areas, part.other_areas),
            (self.unknown_districts, part.unknown_districts),
        ):
            mine.update(theirs)

    def force_months_in_chunk_months(self) -> set[str]:
        """The months of a chunk's force-months (keys are "force|YYYY-MM")."""
        return {key.rsplit("|", 1)[1] for key in self.force_months}

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
    pending: set[str] = set()  # LSOA codes of rows written without an area
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
                chunk, areas, text, counts = item.chunk, item.areas, item.text, item.counts
                pending |= item.pending
                report.merge(counts)
                months.update(counts.force_months_in_chunk_months())
                _replace_force_months(report, counts.force_months, run)
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
        elif pending:
            matcher.place_by_earlier_codes(run, pending, report)
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
    text: bytes | None = None  # COPY data, when the writer wants it
    pending: set[str] = field(default_factory=set)  # codes of rows left without an area
    counts: PoliceReport | None = None  # the chunk's share of the report


def _prepare(
    source: Source,
    chunk_rows: int,
    problems: _Problems,
    matcher: AreaMatcher,
    wants_text: bool,
    run_id: int,
) -> Iterator[_Prepared]:
    """Read, check, place, count and encode each chunk. No database: it can run in a thread."""
    for chunk in _chunks(source, chunk_rows, problems):
        good = _check_chunk(source.name, chunk, problems)
        if problems:
            yield _Prepared(len(chunk))
            continue
        rows = len(chunk)
        if not good.all():  # pragma: no cover - a bad row is a problem, handled above
            chunk = chunk[good]
        areas, pending = matcher.assign(chunk)
        text = copy_text(chunk, areas, run_id).encode() if wants_text else None
        yield _Prepared(rows, chunk, areas, text, pending, _chunk_counts(chunk, areas, matcher))


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


def _bad(values: np.ndarray, ok: Callable[[str], bool]) -> np.ndarray:
    """Rows whose value fails `ok`, testing each distinct value once."""
    bad = [v for v in pd.unique(values) if not ok(v)]
    return np.isin(values, bad) if bad else np.zeros(len(values), dtype=bool)


def _numbers(text: np.ndarray) -> np.ndarray:
    """Each cell as a float, NaN where empty or not a number; twice as fast as to_numeric
    when every cell is a plain number, which is almost always."""
    if "_" not in "".join(text):  # float() takes "1_0"; PostgreSQL does not
        values = text.copy()
        values[text == ""] = "nan"
        try:
            return values.astype(np.float64)
        except ValueError:
            pass
    return pd.to_numeric(text, errors="coerce").astype(np.float64)


def _check_chunk(name: str, chunk: pd.DataFrame, problems: _Problems) -> np.ndarray:
    """Mark each row good or bad, adding a problem for every bad cell (vectorised).

    Masks are plain numpy arrays: comparing object arrays through pandas costs several times
    more, and this runs for every row of every import.
    """
    cells = {column: chunk[column].to_numpy() for column in chunk.columns}
    rows = chunk.index.to_numpy()
    bad = np.zeros(len(chunk), dtype=bool)

    def flag(mask: np.ndarray, column: str, reason: Callable[[str], str]) -> None:
        nonlocal bad
        if mask.any():
            for index, value in zip(rows[mask], cells[column][mask], strict=True):
                problems.add(Problem(name, reason(value), row=int(index) + 2, column=column))
            bad |= mask

    extra = cells[EXTRA] != ""
    if extra.any():
        for index in rows[extra]:
            problems.add(Problem(name, "has 13 columns where the header has 12.", row=index + 2))
        bad |= extra
    empty_row = (cells["Month"] == "") & (cells["Crime type"] == "")
    if empty_row.any():
        for column in POLICE_UK_HEADER:
            empty_row &= cells[column] == ""
        for index in rows[empty_row]:
            problems.add(Problem(name, "the row is empty.", row=int(index) + 2))
        bad |= empty_row
    filled = ~empty_row
    month_re, code_re = re.compile(MONTH_RE), re.compile(LSOA_CODE_RE)
    flag(
        filled & _bad(cells["Month"], lambda v: bool(month_re.fullmatch(v))),
        "Month",
        lambda v: f"{v!r} is not a month like 2023-02." if v else "is empty.",
    )
    flag(
        filled & _bad(cells["Falls within"], lambda v: bool(v.strip())),
        "Falls within",
        lambda v: "is empty.",
    )
    flag(
        filled & _bad(cells["Crime type"], lambda v: v in POLICE_UK_CRIME_TYPES),
        "Crime type",
        lambda v: f"{v!r} is not one of the 14 police.uk crime types." if v else "is empty.",
    )
    for column, low, high in (("Longitude", -180, 180), ("Latitude", -90, 90)):
        text = cells[column]
        number = _numbers(text)
        within = (number >= low) & (number <= high)  # NaN (not a number) is never within
        flag(
            filled & (text != "") & ~within,
            column,
            lambda v, low=low, high=high: f"{v!r} is not a number between {low} and {high}.",
        )
    flag(
        _bad(cells["LSOA code"], lambda v: not v or bool(code_re.fullmatch(v))),
        "LSOA code",
        lambda v: f"{v!r} is not an LSOA code like E01024148.",
    )
    for column, (_field, longest) in FIELDS.items():
        values = cells[column]
        if len(values) and max(map(len, values)) > longest:
            flag(
                np.fromiter(map(len, values), dtype=np.int64, count=len(values)) > longest,
                column,
                lambda v, longest=longest: f"is {len(v)} characters long; at most {longest} fit.",
            )
    return ~bad


def _chunk_counts(chunk: pd.DataFrame, areas: pd.Series, m: AreaMatcher) -> PoliceReport:
    """One chunk's share of the report; no database, so the reading thread can do it."""
    report = PoliceReport()
    _count(report, chunk, areas, m)
    pairs = chunk.groupby(["Falls within", "Month"], sort=False).size()
    report.force_months = {f"{force}|{month}": int(n) for (force, month), n in pairs.items()}
    return report


def _count(report: PoliceReport, chunk: pd.DataFrame, areas: pd.Series, m: AreaMatcher) -> None:
    by_type = {t: int(n) for t, n in chunk["Crime type"].value_counts().items()}
    report.rows += len(chunk)
    report.asb += by_type.get(ASB, 0)
    report.crimes += len(chunk) - by_type.get(ASB, 0)
    report.by_crime_type.update(by_type)
    is_asb = chunk["Crime type"].to_numpy() == ASB
    no_location = (chunk["LSOA code"].to_numpy() == "") & (chunk["LSOA name"].to_numpy() == "")
    report.no_location += int(no_location.sum())
    report.no_location_asb += int((no_location & is_asb).sum())
    for area_id, n in areas.value_counts().items():  # NaN (no area) is not counted here
        inside = int(area_id) in m.partnership_area_ids
        counter = report.in_partnership if inside else report.other_areas
        counter[m.names[int(area_id)]] += int(n)
    unknown = areas.isna().to_numpy() & ~no_location
    if unknown.any():
        districts = m.district(chunk.loc[unknown, "LSOA name"]).replace("", "(no LSOA name)")
        report.unknown_districts.update(districts.value_counts().to_dict())


def _replace_force_months(report: PoliceReport, pairs: dict[str, int], run: ImportRun) -> None:
    """Delete what an earlier import held for each force-month first met in this import."""
    for key, n in pairs.items():
        force, month = key.rsplit("|", 1)
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

    def write(self, chunk: pd.DataFrame, areas: pd.Series, text: bytes | None) -> None:
        if chunk.empty:
            return
        # Bytes, not str: psycopg2 would otherwise encode in this thread, holding the GIL.
        data = text if text is not None else copy_text(chunk, areas, self.run.pk).encode()
        with connection.cursor() as cursor:
            cursor.copy_expert(self.sql, io.BytesIO(data), size=1 << 20)


class _OrmWriter:
    """Other databases (SQLite in development and tests): bulk_create, in the same thread."""

    wants_text = False
    background = False

    def __init__(self, run: ImportRun) -> None:
        self.run = run

    def write(self, chunk: pd.DataFrame, areas: pd.Series, text: bytes | None) -> None:
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
