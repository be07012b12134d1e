"""Reading survey-tool exports and matching them to a questionnaire (no database access).

An export has one row per respondent and one column per question, each cell holding the answer
text; demographic questions are columns too. This module reads CSV (UTF-8 with or without a
byte order mark, or Windows-1252) and XLSX, suggests which column is which question and which
answer text is which answer, and turns the rows into answers, collecting every problem as
(row, column, reason) so an import is all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .analysis import best_matches, normalise_text, similarity

BLANK = "__blank__"
NEW_ANSWER = "__new__"
NEW_DEMOGRAPHIC = "__new_demographic__"
SKIP = ""
MULTIPLE_SEPARATOR = ";"
MAX_ERRORS_KEPT = 500
COLUMN_THRESHOLD = 0.8
ANSWER_THRESHOLD = 0.9


class ImportFileError(ValueError):
    """A file that cannot be read at all; the message says why in plain English."""


@dataclass
class Sheet:
    """An export read into text: headers, data rows, how it was read and what to check."""

    headers: list[str]
    rows: list[list[str]]
    encoding: str
    notes: list[str] = field(default_factory=list)

    def column_label(self, index: int) -> str:
        return f"column {column_letter(index)} (“{self.headers[index]}”)"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, as spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- reading -------------------------------------------------------------------------------


def read_export(file_name: str, content: bytes) -> Sheet:
    """Read a CSV or XLSX export; raise ImportFileError with a plain reason if it can't be."""
    if not content:
        raise ImportFileError("The file is empty.")
    if content[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        headers, rows, encoding = _read_xlsx(content)
    else:
        headers, rows, encoding = _read_csv(content)
    return _tidy(headers, rows, encoding)


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8"), "UTF-8 with a byte order mark"
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "The file is not text we can read: save it from the survey tool or Excel as "
            "“CSV UTF-8” and upload it again."
        ) from exc


def _read_csv(content: bytes) -> tuple[list[str], list[list[str]], str]:
    text, encoding = _decode(content)
    if "\x00" in text:
        raise ImportFileError("The file is not a CSV file: upload a .csv or .xlsx export.")
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count) if first_line else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}.") from exc
    if not records:
        raise ImportFileError("The file has no header row.")
    return records[0], records[1:], encoding


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _read_xlsx(content: bytes) -> tuple[list[str], list[list[str]], str]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportFileError("The file is not an Excel workbook we can read (.xlsx).") from exc
    try:
        sheet = book.worksheets[0]
        records = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not records:
        raise ImportFileError("The first sheet of the workbook is empty.")
    return records[0], records[1:], "Excel workbook (first sheet)"


def _tidy(headers: list[str], rows: list[list[str]], encoding: str) -> Sheet:
    headers = [" ".join(str(h).split()) for h in headers]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise ImportFileError("The file has no header row.")
    notes = []
    for i, h in enumerate(headers):
        if not h:
            headers[i] = f"Column {column_letter(i)}"
            notes.append(f"Column {column_letter(i)} has no heading.")
    width = len(headers)
    tidy_rows = []
    for n, row in enumerate(rows, start=2):
        cells = [str(c).strip() for c in row]
        if len(cells) > width and any(cells[width:]):
            raise ImportFileError(
                f"Row {n} has answers beyond the last heading (column {column_letter(width - 1)}): "
                "check the file has one heading for every column."
            )
        cells = (cells + [""] * width)[:width]
        tidy_rows.append(cells)
    while tidy_rows and not any(tidy_rows[-1]):
        tidy_rows.pop()
    if not tidy_rows:
        raise ImportFileError("The file has a header row but no responses.")
    by_name: dict[str, list[int]] = {}
    for i, h in enumerate(headers):
        by_name.setdefault(normalise_text(h), []).append(i)
    for indexes in by_name.values():
        if len(indexes) > 1:
            cols = [column_letter(i) for i in indexes]
            notes.append(
                f"Columns {', '.join(cols[:-1])} and {cols[-1]} have the same heading "
                f"“{headers[indexes[0]]}”. We matched them to questions in the order they appear: "
                "check each one below."
            )
    return Sheet(headers=headers, rows=tidy_rows, encoding=encoding, notes=notes)


# --- suggestions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInfo:
    """What matching needs to know about a question."""

    key: str
    text: str
    context: str  # the section title, for headings like "Violent Crime: Robbery"
    options: tuple[tuple[str, str], ...]  # (option key, label)
    multiple: bool = False
    max_choices: int | None = None
    demographic: bool = False


def distinct_answers(sheet: Sheet, index: int, multiple: bool = False) -> Counter:
    """Each different answer text in a column with how many rows give it (blanks left out)."""
    counts: Counter = Counter()
    for row in sheet.rows:
        for text in split_cell(row[index], multiple):
            counts[text] += 1
    return counts


def split_cell(cell: str, multiple: bool) -> list[str]:
    cell = cell.strip()
    if not cell:
        return []
    if not multiple:
        return [cell]
    return [part.strip() for part in cell.split(MULTIPLE_SEPARATOR) if part.strip()]


def suggest_columns(sheet: Sheet, questions: Sequence[QuestionInfo]) -> dict[int, str]:
    """Column index → question key (or NEW_DEMOGRAPHIC, or SKIP), by similar wording.

    Columns with the same heading go to questions with that text in document order.
    """
    pairs = []
    for ci, header in enumerate(sheet.headers):
        for qi, q in enumerate(questions):
            score = max(
                similarity(header, q.text),
                similarity(header, f"{q.context} {q.text}") if q.context else 0.0,
            )
            if score >= COLUMN_THRESHOLD:
                pairs.append((-score, ci, qi))
    pairs.sort()
    out: dict[int, str] = {}
    used: set[int] = set()
    for _neg, ci, qi in pairs:
        if ci in out or qi in used:
            continue
        out[ci] = questions[qi].key
        used.add(qi)
    for ci in range(len(sheet.headers)):
        if ci not in out:
            distinct = distinct_answers(sheet, ci)
            out[ci] = NEW_DEMOGRAPHIC if 2 <= len(distinct) <= 15 else SKIP
    return out


def exact_option(text: str, options: Sequence[tuple[str, str]]) -> str | None:
    """The option whose label is this text once case, quotes and spacing are folded away."""
    wanted = normalise_text(text)
    for key, label in options:
        if normalise_text(label) == wanted:
            return key
    return None


def suggest_answer(text: str, options: Sequence[tuple[str, str]]) -> str | None:
    """The most alike option for an answer text that is not an exact match, if any is close."""
    match = best_matches([("text", text)], options, threshold=ANSWER_THRESHOLD)
    return match["text"][0] if match else None


def unknown_answers(sheet: Sheet, index: int, question: QuestionInfo) -> list[tuple[str, int]]:
    """Answer texts in a column that match none of the question's answers, most common first."""
    counts = distinct_answers(sheet, index, question.multiple)
    return sorted(
        ((t, n) for t, n in counts.items() if exact_option(t, question.options) is None),
        key=lambda tn: (-tn[1], tn[0]),
    )


# --- building responses --------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.reason}"


@dataclass
class Built:
    respondents: list[tuple[int, dict[str, list[str]]]]
    errors: list[RowError]
    error_count: int
    skipped_rows: list[int]


def build_responses(
    sheet: Sheet,
    column_map: dict[int, str],
    answer_map: dict[str, dict[str, str]],
    questions: dict[str, QuestionInfo],
) -> Built:
    """Rows → {question key: [option keys]} per respondent, or every reason it cannot be.

    `answer_map[question key][normalised answer text]` is an option key or BLANK; exact
    matches of an answer's label need no entry. Rows with no answer at all are skipped.
    """
    errors: list[RowError] = []
    error_count = 0
    respondents = []
    skipped = []
    mapped = [(ci, questions[k]) for ci, k in sorted(column_map.items()) if k in questions]
    lookup: dict[str, dict[str, str]] = {}
    for _ci, q in mapped:
        table = {normalise_text(label): key for key, label in q.options}
        table.update({normalise_text(t): v for t, v in answer_map.get(q.key, {}).items()})
        lookup[q.key] = table

    def fail(row: int, ci: int, reason: str) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_ERRORS_KEPT:
            errors.append(RowError(row, sheet.column_label(ci), reason))

    for n, row in enumerate(sheet.rows, start=2):
        answers: dict[str, list[str]] = {}
        for ci, q in mapped:
            chosen = []
            for text in split_cell(row[ci], q.multiple):
                key = lookup[q.key].get(normalise_text(text))
                if key is None:
                    fail(n, ci, f"“{text}” does not match any answer to “{q.text}”.")
                elif key != BLANK and key not in chosen:
                    chosen.append(key)
            if q.max_choices and len(chosen) > q.max_choices:
                fail(n, ci, f"gives {len(chosen)} answers; “{q.text}” allows {q.max_choices}.")
            if chosen:
                answers[q.key] = chosen
        if answers:
            respondents.append((n, answers))
        else:
            skipped.append(n)
    return Built(
        respondents=respondents, errors=errors, error_count=error_count, skipped_rows=skipped
    )
