"""CSV and Excel downloads of any list: streamed row by row, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from rest_framework.renderers import BaseRenderer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns; lists become '; '-joined text."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = "; ".join(
                str(v.get("name") or v.get("text") or v.get("id"))
                if isinstance(v, dict)
                else str(v)
                for v in value
            )
        else:
            out[name] = value
    return out


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[dict[str, Any]], filename: str) -> StreamingHttpResponse:
    """Stream CSV: memory stays flat however many rows there are."""

    def generate() -> Iterator[str]:
        writer = None
        echo = _Echo()
        yield "\ufeff"  # Excel reads UTF-8 correctly only with a byte-order mark
        for row in rows:
            flat = flatten(row)
            if writer is None:
                writer = csv.DictWriter(echo, fieldnames=list(flat), extrasaction="ignore")
                yield writer.writeheader()
            yield writer.writerow({k: safe_cell(v) for k, v in flat.items()})

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(rows: Iterable[dict[str, Any]], filename: str, sheet: str) -> FileResponse:
    """A write-only workbook spooled to disk, then streamed: rows are never all in memory."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    header: list[str] | None = None
    for row in rows:
        flat = flatten(row)
        if header is None:
            header = list(flat)
            worksheet.append(header)
        worksheet.append([safe_cell(_excel_value(flat.get(k))) for k in header])
    if header is None:
        worksheet.append(["No rows"])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _excel_value(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return str(value)


class CSVRenderer(BaseRenderer):
    """Declares `?format=csv`; lists stream their own response (see ExportMixin)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data]
        import io

        buffer = io.StringIO()
        writer = None
        for row in rows:
            flat = flatten(row) if isinstance(row, dict) else {"detail": row}
            if writer is None:
                writer = csv.DictWriter(buffer, fieldnames=list(flat), extrasaction="ignore")
                writer.writeheader()
            writer.writerow({k: safe_cell(v) for k, v in flat.items()})
        return buffer.getvalue().encode()


class XLSXRenderer(BaseRenderer):
    """Declares `?format=xlsx`; lists stream their own response (see ExportMixin)."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data]
        response = xlsx_response(
            (r if isinstance(r, dict) else {"detail": r} for r in rows), "export", "Export"
        )
        return b"".join(response.streaming_content)
