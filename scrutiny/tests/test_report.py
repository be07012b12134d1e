"""The committee report: preview page, tagged PDF and Excel workbook agree with each other."""

import datetime as dt
from decimal import Decimal
from html import unescape
from io import BytesIO

import openpyxl
import pandas as pd
import pytest
from django.urls import reverse
from pypdf import PdfReader

from priorities import services
from scrutiny.formatting import number

from .conftest import Q2, SLUG
from .helpers import report_tables, squash

PREVIEW = reverse("scrutiny_report", args=[SLUG])
PDF = reverse("scrutiny_report_pdf", args=[SLUG])
XLSX = reverse("scrutiny_report_xlsx", args=[SLUG])

PRIORITY_TITLES = [
    "Serious Violent Crime and Serious Acquisitive Crime",
    "Violence Against Women & Girls (VAWG) and Domestic Abuse",
    "Persistent Anti-Social Behaviour and Environmental Crime",
    "Preventing Offending and Reducing Re-offending",
    "Protecting Vulnerable People, Strengthening Communities and guarding against extremism",
]


def pdf_text(content: bytes) -> str:
    """The PDF's words in reading order; a word hyphenated across lines is joined again."""
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    return squash(text).replace("- ", "-")


@pytest.fixture
def signed_in(client, councillor, known_quarter):
    client.force_login(councillor)
    return client


def test_it_previews_the_report_with_a_cover_summary_exceptions_and_each_priority(signed_in):
    """The officer checks the report in the browser before anything is downloaded."""
    response = signed_in.get(PREVIEW, {"period": Q2.key})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    text = squash(html)
    assert "Community safety progress report" in text
    assert "To the Crime and Disorder Scrutiny Committee" in text
    assert "2025-26 Q2 (July to September 2025)" in text
    assert "Figures as at</dt>" in html and "30 September 2025" in text
    assert (
        "7 actions across 5 priorities: 1 off track, 1 at risk, 1 on track, 1 completed, "
        "1 not started, 2 no update yet." in text
    )
    assert "2 actions overdue." in text
    assert "5 indicators: 1 outside tolerance, 1 worse for two periods running." in text
    for n, title in enumerate(PRIORITY_TITLES, start=1):
        assert f"Priority {n}: {title}" in text
    assert "Two licensing officers are on long-term leave." in text
    # No names of people anywhere in a paper that is published with the committee agenda.
    assert "Olivia" not in text and "olivia.officer" not in text


def test_it_uses_the_same_svg_charts_as_the_dashboard(signed_in):
    """What the committee sees on screen is what is printed."""
    preview = signed_in.get(PREVIEW, {"period": Q2.key})
    dashboard = signed_in.get(reverse("scrutiny_dashboard", args=[SLUG]), {"period": Q2.key})
    charts = [str(s.chart) for s in preview.context["dashboard"].series if s.points]
    assert len(charts) == 5
    for chart in charts:
        assert chart.startswith("<svg") and 'role="img"' in chart
        assert chart in preview.content.decode()
        assert chart in dashboard.content.decode()


def test_it_makes_a_tagged_pdf_in_british_english_with_the_priorities_exceptions_and_figures(
    signed_in,
):
    """Councillors using screen readers need a tagged PDF with its language set."""
    response = signed_in.get(PDF, {"period": Q2.key})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="dartford-2025-2028-committee-report-2025-26-q2.pdf"'
    )
    reader = PdfReader(BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert reader.metadata.title == (
        "Dartford Community Safety Strategy 2025-2028: progress report, 2025-26 Q2"
    )
    text = pdf_text(response.content)
    for title in PRIORITY_TITLES:
        assert title in text
    for expected in [
        "2025-26 Q2 (July to September 2025)",
        # exceptions, with why and the latest commentary
        "Licensing visits to town-centre premises At risk Two licensing officers are on "
        "long-term leave.",
        "Prolific shoplifter scheme with DTAC Off track ; Overdue: due 30 June 2025",
        "Map violence hot spots with the Violence Reduction Unit Overdue: due 1 September 2025",
        "Number of violence with injury offences Outside tolerance",
        "Worse for two periods running",
        # figures
        "All priorities 1 1 1 1 1 2 2 7",
        "2025-26 Q2 115 100 Outside tolerance",
        "2025-26 Q2 1,320 Not set No target set",
    ]:
        assert expected in text, expected


def _sheet_text(value) -> str:
    """A spreadsheet value written as the page writes it."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, int | float):
        return number(Decimal(str(value)))
    return squash(str(value))


def test_it_writes_one_sheet_per_table_equal_to_the_pages_tables(signed_in):
    """An analyst's workbook must say exactly what the committee's paper says."""
    page = report_tables(signed_in.get(PREVIEW, {"period": Q2.key}).content.decode())
    response = signed_in.get(XLSX, {"period": Q2.key})
    assert response["Content-Disposition"] == (
        'attachment; filename="dartford-2025-2028-committee-report-2025-26-q2.xlsx"'
    )
    sheets = pd.read_excel(BytesIO(response.content), sheet_name=None, header=None, dtype=object)
    assert list(sheets) == [t["sheet"] for t in page]
    assert list(sheets) == [
        "Actions by status",
        "Exceptions",
        "Priority 1 actions",
        "Priority 1 indicators",
        "Priority 1 indicator values",
        "Priority 2 actions",
        "Priority 2 indicators",
        "Priority 2 indicator values",
    ]
    for table in page:
        frame = sheets[table["sheet"]]
        rows = [[_sheet_text(v) for v in row] for row in frame.itertuples(index=False)]
        assert rows == table["rows"], table["sheet"]


def test_it_keeps_numbers_and_dates_as_numbers_and_dates_in_the_workbook(signed_in):
    """So an analyst can sum and sort them without retyping."""
    workbook = openpyxl.load_workbook(BytesIO(signed_in.get(XLSX, {"period": Q2.key}).content))
    totals = [c.value for c in workbook["Actions by status"][7]]
    assert totals == ["All priorities", 1, 1, 1, 1, 1, 2, 2, 7]
    due = workbook["Priority 1 actions"]["D2"]
    assert due.is_date and due.value.date() == dt.date(2026, 3, 31)
    assert workbook.properties.language == "en-GB"


def test_it_neutralises_cells_that_a_spreadsheet_would_run_as_formulas(
    signed_in, known_quarter, officer
):
    """Someone may type a formula into commentary; opening the workbook must not run it."""
    services.add_progress_update(
        action=known_quarter["licensing"],
        update_date=dt.date(2025, 9, 20),
        status="at_risk",
        commentary='=HYPERLINK("http://attacker.example","Click")',
        user=officer,
    )
    for action, text in [("workshops", "+SUM(1,2)"), ("mentoring", "@cmd"), ("events", "-2+3")]:
        known_quarter[action].text = text
        known_quarter[action].save()
    workbook = openpyxl.load_workbook(BytesIO(signed_in.get(XLSX, {"period": Q2.key}).content))
    values = []
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    assert '\'=HYPERLINK("http://attacker.example","Click")' in values
    assert "'+SUM(1,2)" in values and "'@cmd" in values and "'-2+3" in values


def test_it_reports_a_whole_financial_year(signed_in, known_quarter):
    """A committee may take an annual report: figures as at the year's end, or today."""
    response = signed_in.get(PREVIEW, {"period": "2025-26"})
    dashboard = response.context["dashboard"]
    assert dashboard.period.label == "2025-26 financial year (April 2025 to March 2026)"
    assert dashboard.as_at == min(dt.date(2026, 3, 31), dashboard.today)
    assert dashboard.at_risk_count == 2  # October's report is inside the year
    violence = next(s for s in dashboard.series if s.indicator.pk == known_quarter["violence"].pk)
    assert violence.latest.shown == "130"


def test_it_says_so_when_nothing_needs_attention(client, councillor, strategy):
    """An empty exceptions section must read as good news, not as a broken page."""
    client.force_login(councillor)
    html = client.get(PREVIEW, {"period": Q2.key}).content.decode()
    assert "Nothing needs the committee's attention for this period." in unescape(html)
