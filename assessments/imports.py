"""Import data.police.uk street-level crime files: checked whole, written all or nothing.

One call imports one or several files (or a folder, or the monthly archive's zip with its
`2023-02/2023-02-kent-street.csv` layout). Every file is checked by content and header before any
row is read; rows are then read a chunk at a time (memory stays flat for a million rows),
checked, assigned to an area and written, all inside one transaction. Any bad row rolls the
whole import back and the report names file, row, column and reason for each problem found.
Rows with an LSOA code but no district the portal knows take the area another row with that
code has (in this import or an earlier one), in one pass at the end.

Two readers share that work. The fast one (pyarrow, UTF-8 files) parses in C++ threads and
checks, places and counts each distinct value once; it takes only rows it is sure the exact
one would take, and at anything else its writes for the file are undone (a savepoint) and the
exact one (pandas) reads the file again, finding and naming every problem.

Importing a force-month again replaces it exactly: the rows of every force-month the import
contains are deleted first, so the same file twice equals once and a corrected file replaces
the old month. Files of the same force-month in one import are combined.

On PostgreSQL the rows go in with COPY (binary format from the fast reader, text from the
exact one); elsewhere with bulk_create.
"""

from __future__ import annotations

import copy
import csv
import datetime
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
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.db import connection, connections, models, transaction

from partners.models import Area, Partnership

from .filechecks import ImportFailed, Problem, TextInfo, check_archive, max_problems, scan_text
from .models import ASB, POLICE_UK_CRIME_TYPES, CrimeRecord, ImportRun, Lsoa, PoliceMonth

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
        # Every LSOA code this import gave an area, remembered in Lsoa when it succeeds.
        self.placed: dict[str, int] = {}
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
        codes = chunk["LSOA code"]
        has_code = codes.to_numpy() != ""
        if not missing.any():
            self._remember(codes, area, has_code)
            return area, set()
        unnamed = missing & has_code
        if unnamed.any():
            # Learn which area each code is in from rows that name it, then place the others.
            named = ~missing & has_code
            pairs = zip(codes[named].tolist(), area[named].astype(int).tolist(), strict=True)
            self.by_code.update(pairs)
            known = dict(self.by_code)
            area = area.where(~unnamed, codes.map(known).astype("float64"))
        self._remember(codes, area, has_code)
        left = area.isna().to_numpy() & has_code
        return area, set(pd.unique(codes.to_numpy()[left])) if left.any() else set()

    def _remember(self, codes: pd.Series, area: pd.Series, has_code: np.ndarray) -> None:
        placed = ~area.isna().to_numpy() & has_code
        last = pd.Series(area[placed].to_numpy(), index=codes[placed].to_numpy())
        last = last[~last.index.duplicated(keep="last")]
        self.placed.update(zip(last.index.tolist(), last.astype(int).tolist(), strict=True))

    def place_by_earlier_codes(self, run: ImportRun, codes: set[str], report: PoliceReport):
        """Give an area to this import's rows that have an LSOA code but no known district,
        where a row of this import, or of an earlier one (remembered in Lsoa), with that code
        has one.

        Done once at the end, in SQL, so the rows are read and written without stopping the
        pipeline: one look-up in Lsoa (not in the crime records, which grow with every import)
        and, only where a code is found, one UPDATE per area.
        """
        found = {c: self.placed[c] for c in codes if c in self.placed}
        rest = sorted(c for c in codes if c not in found)
        for i in range(0, len(rest), 5000):  # SQLite limits the parameters of one query
            found.update(
                Lsoa.objects.filter(code__in=rest[i : i + 5000]).values_list("code", "area_id")
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

    def remember_placed(self) -> None:
        """Keep each LSOA code this import placed, for later imports' rows with only a code."""
        Lsoa.objects.bulk_create(
            [Lsoa(code=code, area_id=area_id) for code, area_id in self.placed.items()],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["area"],
            batch_size=2000,
        )


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
    tick = (lambda done: progress(done, rows_total)) if progress else None
    matcher = AreaMatcher(partnership)
    writer = _writer_for(run)
    done = 0
    pending: set[str] = set()  # LSOA codes of rows written without an area
    # 2. Rows, a chunk at a time, in one transaction: any problem rolls all of it back.
    with transaction.atomic():
        for source in collected.sources:
            state = None
            if not problems and source.info.encoding == "utf-8-sig":
                # The fast reader takes only files it is sure of; at the first thing it is not
                # sure of, what it wrote of this file is undone and the file is read again by
                # the exact reader below, which finds and names every problem.
                saved = (
                    copy.deepcopy(report),
                    set(pending),
                    dict(matcher.by_code),
                    dict(matcher.placed),
                    done,
                )
                savepoint = transaction.savepoint()
                try:
                    fast = _prepare_fast(source, chunk_rows, matcher, writer.wants_text, run.pk)
                    state = _FileState()
                    done = _write_all(fast, writer, run, report, pending, state, done, tick)
                except _NotFast as exc:
                    logger.info("%s: read again by the exact reader (%s)", source.name, exc)
                    transaction.savepoint_rollback(savepoint)
                    report, pending, matcher.by_code, matcher.placed, done = saved
                    state = None
                else:
                    transaction.savepoint_commit(savepoint)
            if state is None:
                state = _FileState()
                exact = _prepare(source, chunk_rows, problems, matcher, writer.wants_text, run.pk)
                done = _write_all(exact, writer, run, report, pending, state, done, tick, problems)
            report.files.append(
                {
                    "name": source.name,
                    "rows": state.rows,
                    "encoding": source.info.label,
                    "months": sorted(state.months),
                }
            )
        if problems:
            transaction.set_rollback(True)
        else:
            if pending:
                matcher.place_by_earlier_codes(run, pending, report)
            matcher.remember_placed()
            _hold_force_months(report, run)
    if problems:
        raise ImportFailed(problems.items, problems.total, report.as_dict())
    return report.as_dict()


@dataclass
class _FileState:
    rows: int = 0
    months: set[str] = field(default_factory=set)


def _write_all(
    prepared: Iterator[_Prepared],
    writer,
    run: ImportRun,
    report: PoliceReport,
    pending: set[str],
    state: _FileState,
    done: int,
    tick: Callable[[int], None] | None,
    problems: _Problems | None = None,
) -> int:
    """Write each prepared chunk (reading the next ones in a thread on PostgreSQL); return the
    rows written so far. Once a problem is found, chunks are only read, to report them all."""
    if writer.background:
        prepared = _in_background(prepared)
    for item in prepared:
        state.rows += item.rows_read
        if problems or item.chunk is None:
            continue  # keep checking to report every problem, but write nothing more
        pending |= item.pending
        report.merge(item.counts)
        state.months.update(item.counts.force_months_in_chunk_months())
        _replace_force_months(report, item.counts.force_months, run)
        writer.write(item.chunk, item.areas, item.text)
        done += len(item.chunk)
        if tick:
            tick(done)
    return done


@dataclass
class _Prepared:
    """A chunk read, checked and given areas, ready to write (chunk is None once a problem
    has been found: from then on rows are only checked)."""

    rows_read: int
    chunk: pd.DataFrame | pa.RecordBatch | None = None  # a record batch from the fast reader
    areas: pd.Series | np.ndarray | None = None
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


# --- the fast reader: pyarrow, for files it is sure of ----------------------------------------
#
# pyarrow parses the CSV in C++ threads, outside the GIL, into dictionary-encoded columns, so
# a check or a count looks at each distinct value once and at rows only as integer arrays; the
# COPY data is built in binary format, which PostgreSQL reads more cheaply than text.
# It is conservative: it accepts only rows that the exact reader accepts, reads them exactly as
# it does, and raises _NotFast at anything else (a row with another number of fields, an empty
# line, a value that fails or might fail a check), so that reader reads the file again.

FAST_BLOCK_BYTES = (64 << 10, 8 << 20)  # the smallest and largest block parsed at once
PLAIN = {"Crime ID", "Longitude", "Latitude"}  # nearly one value a row: not dictionary-encoded
COORDINATE_RE = r"^(-?[0-9]{1,3}(\.[0-9]{1,15})?)?$"  # what float() and PostgreSQL read alike
PG_EPOCH = datetime.date(2000, 1, 1)


class _NotFast(Exception):
    """The fast reader is not sure of this file: the exact reader must read it."""


def _fast_batches(source: Source, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """The file's rows, at most chunk_rows at a time; _NotFast if any row is not 12 fields."""
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {c: pa.string() if c in PLAIN else dictionary for c in POLICE_UK_HEADER}
    # Blocks of a little under chunk_rows rows (pyarrow makes a batch of each), so that most
    # batches need no slicing; but at most a twentieth of the file, because nothing is written
    # until the first block is parsed and checked: a smaller file starts writing sooner.
    row_bytes = source.info.size / max(source.info.lines, 1)
    low, high = FAST_BLOCK_BYTES
    block = int(min(max(min(chunk_rows * row_bytes * 0.95, source.info.size / 20), low), high))
    with source.open() as raw:
        paced = _Paced(raw)
        reader = None
        try:
            reader = pa_csv.open_csv(
                paced,
                read_options=pa_csv.ReadOptions(
                    column_names=POLICE_UK_HEADER, skip_rows=1, block_size=block
                ),
                parse_options=pa_csv.ParseOptions(
                    newlines_in_values=True,  # as pandas: a quoted value may span lines
                    ignore_empty_lines=False,  # an empty line is one field: not sure, so exact
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
                ),
            )
            for batch in reader:
                paced.used()
                for start in range(0, batch.num_rows, chunk_rows):
                    yield batch.slice(start, chunk_rows)
        except (pa.ArrowException, ValueError) as exc:
            raise _NotFast(str(exc).split("\n", 1)[0]) from None
        finally:
            paced.close()
            if reader is not None:
                reader.close()


class _Paced(io.RawIOBase):
    """The file for pyarrow's reader, which would otherwise read up to 32 blocks (256 MB)
    ahead of the rows taken from it: a read waits while `AHEAD` blocks are not yet used."""

    AHEAD = 3

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self.raw = raw
        self.ahead = threading.Condition()
        self.reads = self.batches = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        with self.ahead:
            # Never forever: if pyarrow needs more blocks before its next batch, it gets them.
            self.ahead.wait_for(lambda: self.reads - self.batches < self.AHEAD, timeout=1)
            self.reads += 1
        if self.closed:
            return b""  # the rows are no longer wanted
        try:
            return self.raw.read(size)
        except ValueError:  # closed meanwhile
            return b""

    def used(self) -> None:
        with self.ahead:
            self.batches += 1
            self.ahead.notify_all()

    def close(self) -> None:
        with self.ahead:
            self.batches = 1 << 62  # let a waiting read go, so the reader can finish
            self.ahead.notify_all()
        super().close()


class _Column:
    """A dictionary-encoded column: its distinct values and, per row, which one."""

    def __init__(self, array: pa.DictionaryArray) -> None:
        self.array = array
        self.index = array.indices.to_numpy(zero_copy_only=False)
        self._values: list[str] | None = None

    @property
    def values(self) -> list[str]:
        if self._values is None:  # only the columns that need them become Python strings
            self._values = self.array.dictionary.to_pylist()
        return self._values

    def each(self, f: Callable[[str], object], dtype=object) -> np.ndarray:
        """f of every row's value, computing f once per distinct value."""
        return np.array([f(v) for v in self.values], dtype=dtype)[self.index]

    def counts(self, mask: np.ndarray | None = None) -> dict[str, int]:
        index = self.index if mask is None else self.index[mask]
        n = np.bincount(index, minlength=len(self.values))
        return {self.values[i]: int(n[i]) for i in np.flatnonzero(n)}


def _fast_check(batch: pa.RecordBatch) -> tuple[dict[str, _Column], dict[str, np.ndarray]]:
    """Every value of every row must pass the exact reader's checks; else _NotFast.
    Returns the dictionary-encoded columns and the coordinates as numbers (NaN if empty)."""
    columns = {c: _Column(batch.column(c)) for c in POLICE_UK_HEADER if c not in PLAIN}
    month_re, code_re = re.compile(MONTH_RE), re.compile(LSOA_CODE_RE)
    checks = {
        "Month": lambda v: bool(month_re.fullmatch(v)),
        "Falls within": lambda v: bool(v.strip()),
        "Crime type": lambda v: v in POLICE_UK_CRIME_TYPES,
        "LSOA code": lambda v: not v or bool(code_re.fullmatch(v)),
    }
    for column, ok in checks.items():
        if not all(map(ok, columns[column].values)):
            raise _NotFast(f"a value of {column} fails its check")
    for column, (_field, longest) in FIELDS.items():
        values = columns[column].array.dictionary if column in columns else batch.column(column)
        # Characters, as len() counts them (the exact reader's check).
        if (pc.max(pc.utf8_length(values)).as_py() or 0) > longest:
            raise _NotFast(f"a value of {column} is too long")
    numbers = {}
    for column, low, high in (("Longitude", -180, 180), ("Latitude", -90, 90)):
        text = batch.column(column)
        if not pc.all(pc.match_substring_regex(text, COORDINATE_RE)).as_py():
            raise _NotFast(f"a value of {column} is not a plain number")
        empty = pc.equal(text, "")
        number = np.array(pc.cast(pc.if_else(empty, "0", text), pa.float64()))
        number[empty.to_numpy(zero_copy_only=False)] = np.nan
        if ((number < low) | (number > high)).any():  # NaN (empty) compares false: allowed
            raise _NotFast(f"a value of {column} is out of range")
        numbers[column] = number
    return columns, numbers


def _fast_areas(matcher: AreaMatcher, columns: dict[str, _Column]) -> tuple[np.ndarray, set]:
    """AreaMatcher.assign on dictionary-encoded columns: the same areas, the same learning."""
    names, codes = columns["LSOA name"], columns["LSOA code"]
    by_name = matcher.by_name
    area = names.each(
        lambda n: by_name.get(matcher._district(n).casefold(), np.nan), dtype=np.float64
    )
    missing = np.isnan(area)
    has_code = codes.each(bool, dtype=bool)
    if not missing.any():
        matcher.placed.update(_last_area_of_each_code(codes, area, has_code))
        return area, set()
    unnamed = missing & has_code
    if unnamed.any():
        matcher.by_code.update(_last_area_of_each_code(codes, area, ~missing & has_code))
        known = codes.each(lambda c: matcher.by_code.get(c, np.nan), dtype=np.float64)
        area = np.where(unnamed, known, area)
    matcher.placed.update(_last_area_of_each_code(codes, area, ~np.isnan(area) & has_code))
    left = np.isnan(area) & has_code
    return area, {codes.values[i] for i in np.unique(codes.index[left])}


def _last_area_of_each_code(codes: _Column, area: np.ndarray, rows: np.ndarray) -> dict:
    """Among `rows`, the area of the last row with each code, as dict.update of pairs gives."""
    reverse_codes, reverse_areas = codes.index[rows][::-1], area[rows][::-1]
    seen, last = np.unique(reverse_codes, return_index=True)
    return dict(
        zip(
            [codes.values[i] for i in seen],
            reverse_areas[last].astype(np.int64).tolist(),
            strict=True,
        )
    )


def _fast_counts(columns: dict[str, _Column], area: np.ndarray, m: AreaMatcher) -> PoliceReport:
    """_chunk_counts on dictionary-encoded columns."""
    report = PoliceReport()
    by_type = columns["Crime type"].counts()
    n = len(area)
    report.rows = n
    report.asb = by_type.get(ASB, 0)
    report.crimes = n - report.asb
    report.by_crime_type.update(by_type)
    is_asb = columns["Crime type"].each(lambda t: t == ASB, dtype=bool)
    no_location = columns["LSOA code"].each(lambda c: c == "", dtype=bool) & columns[
        "LSOA name"
    ].each(lambda c: c == "", dtype=bool)
    report.no_location = int(no_location.sum())
    report.no_location_asb = int((no_location & is_asb).sum())
    placed = ~np.isnan(area)
    for area_id, count in zip(*np.unique(area[placed], return_counts=True), strict=True):
        inside = int(area_id) in m.partnership_area_ids
        counter = report.in_partnership if inside else report.other_areas
        counter[m.names[int(area_id)]] += int(count)
    unknown = ~placed & ~no_location
    if unknown.any():
        for name, count in columns["LSOA name"].counts(unknown).items():
            report.unknown_districts[m._district(name) or "(no LSOA name)"] += count
    force, month = columns["Falls within"], columns["Month"]
    pair = force.index.astype(np.int64) * len(month.values) + month.index
    counts = np.bincount(pair)
    for key in np.flatnonzero(counts):
        f, mo = divmod(int(key), len(month.values))
        report.force_months[f"{force.values[f]}|{month.values[mo]}"] = int(counts[key])
    return report


def _prepare_fast(
    source: Source, chunk_rows: int, matcher: AreaMatcher, wants_data: bool, run_id: int
) -> Iterator[_Prepared]:
    """_prepare with the fast reader: chunks as Arrow record batches, COPY data in binary."""
    for batch in _fast_batches(source, chunk_rows):
        columns, numbers = _fast_check(batch)
        areas, pending = _fast_areas(matcher, columns)
        counts = _fast_counts(columns, areas, matcher)
        data = copy_binary(batch, columns, numbers, areas, run_id) if wants_data else None
        yield _Prepared(batch.num_rows, batch, areas, data, pending, counts)


# --- COPY in binary format --------------------------------------------------------------------
#
# Each row: a 16-bit field count, then each field as a 32-bit length (-1 for NULL) and its
# bytes, all big-endian. The fixed-width pieces between text values are built for all rows at
# once with numpy, and pyarrow joins them with the text row by row in C++.

COPY_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
COPY_BINARY_TRAILER = b"\xff\xff"


def _as_binary(pieces: np.ndarray) -> pa.Array:
    """A numpy array of fixed-width records as an Arrow binary array, one record a row."""
    raw = np.ascontiguousarray(pieces).view(np.uint8)
    width = pieces.dtype.itemsize
    offsets = np.arange(0, (len(pieces) + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(), len(pieces), [None, pa.py_buffer(offsets), pa.py_buffer(raw)]
    )


def _maybe_null(values: np.ndarray, null: np.ndarray, dtype: str) -> pa.Array:
    """Per row, [length][value] or, where null, [-1]: a binary array of two widths."""
    n = len(values)
    pieces = np.zeros(n, dtype=[("length", ">i4"), ("value", dtype)])
    pieces["length"] = np.where(null, -1, pieces.dtype["value"].itemsize)
    pieces["value"][~null] = values[~null]
    width = pieces.dtype.itemsize
    sizes = np.where(null, 4, width)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    raw = pieces.view(np.uint8).reshape(n, width)
    data = raw[np.arange(width) < sizes[:, None]]  # row by row, the bytes each keeps
    return pa.Array.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    )


def copy_binary(
    batch: pa.RecordBatch,
    columns: dict[str, _Column],
    numbers: dict[str, np.ndarray],
    areas: np.ndarray,
    run_id: int,
) -> bytes:
    """The batch as COPY binary-format data in COLUMNS order (with header and trailer)."""
    n = batch.num_rows

    def text(column: str) -> pa.Array:
        array = batch.column(column)
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        return array.cast(pa.binary())

    def length(values: pa.Array) -> np.ndarray:
        return pc.binary_length(values).to_numpy(zero_copy_only=False)

    def lengths(values: pa.Array, **before) -> pa.Array:
        """The fixed fields `before` (name: (dtype, value)) then the length of `values`."""
        spec = [(name, dtype) for name, (dtype, _v) in before.items()] + [("length", ">i4")]
        pieces = np.empty(n, dtype=spec)
        for name, (_dtype, value) in before.items():
            pieces[name] = value
        pieces["length"] = length(values)
        return _as_binary(pieces)

    days = columns["Month"].each(
        lambda m: (datetime.date.fromisoformat(f"{m}-01") - PG_EPOCH).days, dtype=np.int32
    )

    def coordinate(column: str) -> pa.Array:
        number = numbers[column]
        return _maybe_null(number, np.isnan(number), ">f8")

    force, reported_by, crime_type = text("Falls within"), text("Reported by"), text("Crime type")
    crime_id, lsoa_code, lsoa_name = text("Crime ID"), text("LSOA code"), text("LSOA name")
    location, outcome, context = text("Location"), text("Last outcome category"), text("Context")
    no_area = np.isnan(areas)
    run = np.empty(n, dtype=[("length", ">i4"), ("value", ">i8")])
    run["length"], run["value"] = 8, run_id
    parts = [
        lengths(force, count=(">i2", len(COLUMNS))),
        force,
        lengths(reported_by),
        reported_by,
        lengths(crime_type, date_length=(">i4", 4), date=(">i4", days)),
        crime_type,
        lengths(crime_id),
        crime_id,
        lengths(lsoa_code),
        lsoa_code,
        lengths(lsoa_name),
        lsoa_name,
        lengths(location),
        location,
        coordinate("Longitude"),
        coordinate("Latitude"),
        _maybe_null(np.where(no_area, 0, areas).astype(np.int64), no_area, ">i8"),
        lengths(outcome),
        outcome,
        lengths(context),
        context,
        _as_binary(run),
    ]
    rows = pc.binary_join_element_wise(*parts, b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=n + 1, offset=rows.offset * 4)
    body = rows.buffers()[2][int(offsets[0]) : int(offsets[-1])]
    return b"".join((COPY_BINARY_HEADER, body, COPY_BINARY_TRAILER))


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
    """Delete what an earlier import held for each force-month first met in this import.

    Only force-months held (PoliceMonth) have rows to delete: a new month reads no records.
    """
    for key, n in pairs.items():
        force, month = key.rsplit("|", 1)
        if key not in report.force_months:
            first = f"{month}-01"
            deleted = 0
            if (
                PoliceMonth.objects.filter(force=force, month=first)
                .exclude(import_run=run)
                .exists()
            ):
                records = CrimeRecord.objects.filter(force=force, month=first)
                deleted, _ = records.exclude(import_run=run).delete()
            report.replaced[key] = deleted
            report.force_months[key] = 0
        report.force_months[key] += int(n)


def _hold_force_months(report: PoliceReport, run: ImportRun) -> None:
    """Record each force-month this import now holds, in its own transaction."""
    held = []
    for key, rows in report.force_months.items():
        force, month = key.rsplit("|", 1)
        held.append(PoliceMonth(force=force, month=f"{month}-01", import_run=run, rows=rows))
    PoliceMonth.objects.bulk_create(
        held,
        update_conflicts=True,
        unique_fields=["force", "month"],
        update_fields=["import_run", "rows"],
        batch_size=2000,
    )


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
    """PostgreSQL: each chunk goes in with COPY, the fastest way in, while a thread reads and
    checks the next chunk: in binary format from the fast reader, text from the exact one."""

    wants_text = True
    background = True

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        table = CrimeRecord._meta.db_table
        self.sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"

    def write(self, chunk: pd.DataFrame | pa.RecordBatch, areas, data: bytes | None) -> None:
        if not len(chunk):
            return
        sql = self.sql
        if isinstance(chunk, pa.RecordBatch):
            sql += " WITH (FORMAT binary)"  # dates and numbers need no parsing on the server
        elif data is None:
            # Bytes, not str: psycopg2 would otherwise encode in this thread, holding the GIL.
            data = copy_text(chunk, areas, self.run.pk).encode()
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, io.BytesIO(data), size=1 << 20)


class _OrmWriter:
    """Other databases (SQLite in development and tests): bulk_create, in the same thread."""

    wants_text = False
    background = False

    def __init__(self, run: ImportRun) -> None:
        self.run = run

    def write(self, chunk: pd.DataFrame | pa.RecordBatch, areas, data: bytes | None) -> None:
        if isinstance(chunk, pa.RecordBatch):  # from the fast reader
            chunk = pd.DataFrame(
                {c: np.array(chunk.column(c).to_pylist(), dtype=object) for c in POLICE_UK_HEADER}
            )
            areas = pd.Series(areas)
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
