"""Checks every imported file passes before it is parsed: type by content, encoding, zip size.

A file is judged by its bytes, never its name: a binary renamed `.csv` is refused, and an archive
(a `.zip`, or an `.xlsx`/`.ods`, which are zip archives) is measured from its directory before a
byte of it is unpacked, so a zip bomb never reaches pandas or openpyxl.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings

BLOCK = 1 << 20

MAGIC = [
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx, an .ods or a .zip file)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel (.xls) or Word document"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
]


@dataclass
class Problem:
    """One reason an import stops: the file, the row (1 is the header), the column and why."""

    file: str
    reason: str
    row: int | None = None
    column: str = ""

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}"


@dataclass
class ImportFailed(Exception):
    """The import wrote nothing; `problems` says why (at most a page of them, `total` in all)."""

    problems: list[Problem]
    total: int = 0
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.total = max(self.total, len(self.problems))
        super().__init__("; ".join(str(p) for p in self.problems[:3]))


def max_problems() -> int:
    return getattr(settings, "IMPORT_MAX_PROBLEMS", 50)


def max_unpacked_bytes() -> int:
    """How much an uploaded archive may unpack to: 20 times the upload limit by default."""
    return getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 20 * settings.MAX_UPLOAD_BYTES)


def max_zip_ratio() -> int:
    return getattr(settings, "IMPORT_MAX_ZIP_RATIO", 100)


def what_binary(head: bytes) -> str | None:
    """What a file that is not text looks like, from its first bytes; None for text."""
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (save it again as “CSV UTF-8”)"
    if b"\x00" in head:
        return "binary data"
    return None


@dataclass
class TextInfo:
    """What scanning a text file found: its encoding and how many lines it has."""

    encoding: str  # the codec name to read it with
    label: str  # the encoding in words for the report
    lines: int
    size: int


def scan_text(name: str, open_stream) -> TextInfo:
    """Refuse binaries and undecodable bytes; tell UTF-8 (with or without BOM) from Windows-1252.

    Reads the whole file once, a block at a time, so memory stays flat whatever its size.
    """
    size = 0
    lines = 0
    last = b""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    bom = False
    with open_stream() as stream:
        first = True
        while block := stream.read(BLOCK):
            if first:
                kind = what_binary(block[:8192])
                if kind:
                    raise ImportFailed([Problem(name, f"is not a CSV file: it is {kind}.")])
                bom = block.startswith(codecs.BOM_UTF8)
                first = False
            if b"\x00" in block:
                raise ImportFailed([Problem(name, "is not a CSV file: it contains binary data.")])
            size += len(block)
            lines += block.count(b"\n")
            last = block[-1:]
            if is_utf8:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    is_utf8 = False
        if is_utf8:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                is_utf8 = False
    if size == 0:
        raise ImportFailed([Problem(name, "is empty: there is no header and no rows.")])
    if last and last != b"\n":
        lines += 1
    if is_utf8:
        return TextInfo("utf-8-sig", "UTF-8 with BOM" if bom else "UTF-8", lines, size)
    # Not UTF-8: Windows-1252 (Excel's "CSV" on Windows) is the only other encoding accepted.
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    offset = 0
    with open_stream() as stream:
        while block := stream.read(BLOCK):
            try:
                cp1252.decode(block)
            except UnicodeDecodeError as exc:
                byte = block[exc.start]
                raise ImportFailed(
                    [
                        Problem(
                            name,
                            f"is neither UTF-8 nor Windows-1252 text (byte 0x{byte:02X} at "
                            f"position {offset + exc.start:,}). Save it as “CSV UTF-8”.",
                        )
                    ]
                ) from None
            offset += len(block)
    return TextInfo("cp1252", "Windows-1252", lines, size)


def check_archive(name: str, file: BinaryIO | str) -> zipfile.ZipFile:
    """Open a zip archive only if its directory says it unpacks to a sane size and ratio."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise ImportFailed([Problem(name, "is not a readable ZIP archive.")]) from None
    members = archive.infolist()
    limit = max_unpacked_bytes()
    ratio_limit = max_zip_ratio()
    if len(members) > 10_000:
        archive.close()
        raise ImportFailed([Problem(name, f"holds {len(members):,} files: refused.")])
    total = sum(m.file_size for m in members)
    if total > limit:
        archive.close()
        raise ImportFailed(
            [
                Problem(
                    name,
                    f"would unpack to {_size(total)}, more than the {_size(limit)} allowed: "
                    "refused before unpacking.",
                )
            ]
        )
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > ratio_limit * max(m.compress_size, 1):
            archive.close()
            raise ImportFailed(
                [
                    Problem(
                        name,
                        f"{m.filename} is compressed {m.file_size // max(m.compress_size, 1):,} "
                        f"times ({_size(m.compress_size)} unpacking to {_size(m.file_size)}), "
                        "which only a zip bomb does: refused before unpacking.",
                    )
                ]
            )
    return archive


def _size(n: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:,.1f} {unit}"
    return f"{n} bytes"
