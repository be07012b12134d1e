"""Reading pages and files back the way a person (or a spreadsheet) would."""

import re
from html.parser import HTMLParser


def squash(text: str) -> str:
    """Whitespace as a reader sees it: runs of spaces and line breaks are one space."""
    return re.sub(r"\s+", " ", text).strip()


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and ("data-sheet" in attrs or "id" in attrs):
            self._table = {"sheet": attrs.get("data-sheet"), "id": attrs.get("id"), "rows": []}
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("th", "td"):
            self._cell = []
        elif self._cell is not None and tag == "br":
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(squash("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def report_tables(html: str) -> list[dict]:
    """Every report table on a page, in order: {"sheet": name, "rows": [[cell text]]}."""
    parser = _Tables()
    parser.feed(html)
    return [t for t in parser.tables if t["sheet"] is not None]


def tables_by_id(html: str) -> dict[str, list[list[str]]]:
    """Every table with an id on a page: its rows of cell text, headings first."""
    parser = _Tables()
    parser.feed(html)
    return {t["id"]: t["rows"] for t in parser.tables if t["id"]}
