"""Survey pages and downloads: what each persona sees, and the same figures everywhere."""

import csv
import io
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from partners.models import Partnership
from surveys import services
from surveys.models import AnswerOption, ItemMapping, Question, Respondent, Survey

from .conftest import SURVEY_2019, SURVEY_2025
from .exports import UNKNOWN, generate, officer_answer_map


def text_of(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def draft(surveys) -> Survey:
    """A draft survey Dartford's officers are still setting up."""
    survey = Survey.objects.create(
        partnership=Partnership.objects.get(key="dartford"),
        slug="dartford-draft-2026",
        title="Dartford draft survey 2026",
    )
    q = Question.objects.create(survey=survey, key="litter", kind="rating", text="Litter", order=1)
    AnswerOption.objects.create(question=q, label='=HYPERLINK("http://evil")', order=1)
    return survey


# --- reading ---------------------------------------------------------------------------------


def test_it_lists_the_published_surveys_for_anyone(client, surveys, django_assert_max_num_queries):
    """Published survey results are public documents; the list stays cheap."""
    with django_assert_max_num_queries(4):
        response = client.get(reverse("survey_list"))
    assert response.status_code == 200
    page = text_of(response)
    assert "Dartford public opinion survey 2025" in page
    assert "Dartford and Gravesham public opinion survey 2019" in page
    assert "31 January 2025 to 2 March 2025" in page


def test_it_shows_a_survey_overview_in_a_fixed_number_of_queries(
    client, surveys, django_assert_max_num_queries
):
    """The overview must not slow down as surveys grow."""
    with django_assert_max_num_queries(10):
        response = client.get(reverse("survey_detail", args=[SURVEY_2025]))
    page = text_of(response)
    assert "We received a total of one hundred and sixty-three (163) responses" in page
    assert "Violent Crime (12 items)" in page


def test_it_shows_the_2019_figures_with_both_percentages_where_they_disagree(client, surveys):
    """Readers see what the document printed and what its counts give, side by side."""
    page = text_of(client.get(reverse("survey_detail", args=[SURVEY_2019])))
    assert "37 of 407 is 9.1%" in page
    assert re.search(r"Violence 37 10% 9% 37 of 407 is 9.1% Disagrees with its count", page)
    assert "Total 407 101%" in page
    assert "61 of 154 is 39.6% Rounded down" in page
    assert re.search(r"Cannabis use Not published 45% No count published", page)
    assert "Gravesham 299 71.19%" in page
    assert "Age, from 342 responses" in page
    assert "45-54 27.0%" in page
    assert "Transgender 0.25%" in page


def test_it_draws_each_section_as_an_svg_with_its_numbers_and_row_sums(
    client, surveys, django_assert_max_num_queries
):
    """Charts work without JavaScript, carry patterns and labels, and have their numbers in a table."""
    with django_assert_max_num_queries(10):
        response = client.get(reverse("survey_section", args=[SURVEY_2025, "violent-crime"]))
    html = response.content.decode()
    assert (
        '<svg class="app-chart__svg" role="img" aria-labelledby="chart-violent-crime-title' in html
    )
    assert '<title id="chart-violent-crime-title">' in html
    assert "<script" not in html.split("</head>")[1].replace(
        '<script src="/static/js/supported.js"></script>', ""
    )
    assert 'fill="url(#chart-violent-crime-concern-2)"' in html  # pattern as well as colour
    page = text_of(response)
    assert "Robbery 29% 42% 15% 3% 12% 101% 71%" in page
    assert "Stalking and harassment 7% 19% 23% 6% 44% 99% 26%" in page
    assert "the standard wording is “Not a very big problem”" in page


def test_it_shows_every_2025_row_sum_on_the_section_pages(client, surveys):
    """Rounded published rows add up to 99-102, and each page says so in its Row sum column."""
    row = re.compile(r"(?:\d+% ){5}(\d+)% \d+%")
    sums = []
    for section in surveys["2025"].sections.all():
        page = text_of(client.get(reverse("survey_section", args=[SURVEY_2025, section.key])))
        sums += [int(s) for s in row.findall(page)]
    assert len(sums) == 43
    assert set(sums) == {99, 100, 101, 102}


def test_it_can_leave_dont_know_out_of_the_base(client, surveys):
    """Councillors ask what people with a view think; the answer says it is approximate."""
    url = reverse("survey_section", args=[SURVEY_2025, "violent-crime"])
    page = text_of(client.get(url, {"dont_know": "exclude"}))
    assert "close but not exact" in page
    assert "Sexual crime 7.3% 27.3% 41.8% 23.6% 100% 34.6%" in page


def test_it_ranks_the_concerns(client, surveys, django_assert_max_num_queries):
    """The ranked concerns page is what councillors read first."""
    with django_assert_max_num_queries(10):
        response = client.get(reverse("survey_concerns", args=[SURVEY_2025]))
    page = text_of(response)
    assert "1 Theft of motor vehicle Property Crime 1 86%" in page
    assert "7= Shoplifting Property Crime 2 79%" in page


def test_it_compares_through_matches_an_officer_confirms(client, surveys, officer):
    """The comparison shows both measures and their meaning, never a false change."""
    url = reverse("survey_compare", args=[SURVEY_2025, SURVEY_2019])
    client.force_login(officer)
    page = text_of(client.get(url))
    assert "No items have been matched yet." in page
    assert "Suggested matches" in page
    comparison = services.comparison(surveys["2019"], surveys["2025"], with_suggestions=True)
    earlier, later, _ = next(
        s for s in comparison.suggestions if s[0].label == "Theft of motor vehicles"
    )
    response = client.post(
        reverse("survey_mapping_confirm", args=[SURVEY_2025, SURVEY_2019]),
        {"earlier": earlier.key, "later": later.key},
    )
    assert response.status_code == 302
    page = text_of(client.get(url))
    assert "Theft of motor vehicles (Top 3 within Property crime) 57% put it in their top 3" in page
    assert (
        "Theft of motor vehicle (Property Crime) 86% said it was a very big problem or fairly big problem"
        in page
    )
    assert "No: asked differently Not worked out" in page
    rows = csv_rows(
        client.get(
            reverse("survey_download", args=[SURVEY_2025, f"comparison-{SURVEY_2019}", "csv"])
        )
    )
    assert rows[1][0] == "Theft of motor vehicles" and rows[1][5] == "Theft of motor vehicle"


def test_it_lets_only_officers_confirm_matches(client, surveys, councillor):
    """Non-officers can read comparisons but not change them."""
    client.force_login(councillor)
    page = text_of(client.get(reverse("survey_compare", args=[SURVEY_2025, SURVEY_2019])))
    assert "Suggested matches" not in page
    response = client.post(
        reverse("survey_mapping_confirm", args=[SURVEY_2025, SURVEY_2019]),
        {"earlier": "1:", "later": "2:"},
    )
    assert response.status_code == 404
    assert ItemMapping.objects.count() == 0


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, status",
    [("officer", 200), ("partner_lead", 200), ("councillor", 200), ("outsider", 404), (None, 404)],
)
def test_it_shows_a_draft_only_to_people_in_its_partnership(
    client, draft, request, persona, status
):
    """Drafts are the partnership's own; others get a 404 that confirms nothing."""
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("survey_detail", args=[draft.slug])).status_code == status
    assert (
        client.get(reverse("survey_download", args=[draft.slug, "results", "csv"])).status_code
        == status
    )
    listed = draft.title in text_of(client.get(reverse("survey_list")))
    assert listed == (status == 200)


@pytest.mark.parametrize("persona", ["partner_lead", "councillor", "outsider", None])
def test_it_keeps_raw_responses_and_imports_to_officers(client, draft, request, persona):
    """Raw responses are personal data (ethnicity is special category)."""
    Respondent.objects.create(survey=draft, row_number=2)
    if persona:
        client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("survey_detail", args=[SURVEY_2025])).content.decode()
    assert "Raw responses" not in page
    assert client.get(reverse("survey_import", args=[draft.slug])).status_code == 404


def test_it_neutralises_spreadsheet_formulas_in_downloads(client, draft, officer):
    """An answer text must never run as a formula in someone's spreadsheet."""
    client.force_login(officer)
    rows = csv_rows(client.get(reverse("survey_download", args=[draft.slug, "results", "csv"])))
    assert rows[1][3] == '\'=HYPERLINK("http://evil")'
    rows = xlsx_rows(client.get(reverse("survey_download", args=[draft.slug, "results", "xlsx"])))
    assert rows[2][3] == '\'=HYPERLINK("http://evil")'


def test_it_downloads_each_table_as_csv_and_excel_with_the_published_figures(client, surveys):
    """Analysts get every table, with the same figures and flags as the pages."""
    rows = csv_rows(
        client.get(reverse("survey_download", args=[SURVEY_2025, "section-violent-crime", "csv"]))
    )
    assert rows[0][:6] == [
        "Item",
        "Very big problem (%)",
        "Fairly big problem (%)",
        "Not a big problem (%)",
        "Not a problem at all (%)",
        "Don’t know (%)",
    ]
    assert rows[3][:8] == ["Robbery", "29", "42", "15", "3", "12", "101", "71"]
    book = xlsx_rows(client.get(reverse("survey_download", args=[SURVEY_2025, "concerns", "xlsx"])))
    assert book[2] == ["1", "Theft of motor vehicle", "Property Crime", "1", 86]
    results = csv_rows(client.get(reverse("survey_download", args=[SURVEY_2019, "results", "csv"])))
    violence = next(r for r in results if r[3] == "Violence")
    assert violence[5:11] == [
        "37",
        "10",
        "9",
        "9.1",
        "407",
        "Published percentage disagrees with its count",
    ]
    assert (
        client.get(reverse("survey_download", args=[SURVEY_2025, "results", "pdf"])).status_code
        == 404
    )


# --- importing through the pages, then breakdowns ------------------------------------------


def test_it_lets_an_officer_import_an_export_through_the_mapping_pages(client, surveys, officer):
    """Upload, confirm the columns, say what the unknown answers mean, import, see the results."""
    client.force_login(officer)
    response = client.post(
        reverse("survey_create"),
        {
            "partnership": Partnership.objects.get(key="dartford").pk,
            "title": "Dartford public opinion survey 2026",
            "fieldwork_start": "2026-02-01",
            "fieldwork_end": "2026-03-01",
            "retention_days": "365",
            "copy_from": surveys["2025"].pk,
        },
    )
    survey = Survey.objects.get(title="Dartford public opinion survey 2026")
    assert response.status_code == 302 and response.url == survey.get_absolute_url()
    export = generate(survey, respondents=300, seed=6)
    response = client.post(
        reverse("survey_import", args=[survey.slug]),
        {"file": SimpleUploadedFile("export.csv", export.content, content_type="text/csv")},
    )
    assert response.status_code == 302
    columns_url = response.url
    page = text_of(client.get(columns_url))
    assert "read as Windows-1252" in page
    assert "have the same heading “Robbery”" in page
    form = {}
    for name, value in re.findall(
        r'<select[^>]*name="(column_\d+)"[^>]*>.*?<option value="([^"]*)" selected',
        client.get(columns_url).content.decode(),
        re.S,
    ):
        form[name] = value
    assert len(form) == len(export.headers)
    response = client.post(columns_url, form)
    assert response.status_code == 302
    answers_url = response.url
    html = client.get(answers_url).content.decode()
    fields = dict(
        re.findall(r'<label class="govuk-label" for="id_(answer_\d+)">\s*“([^”]+)”', html)
    )
    assert set(fields.values()) == set(UNKNOWN)
    chosen = {name: UNKNOWN[text] or "__blank__" for name, text in fields.items()}
    response = client.post(answers_url, chosen)
    assert response.status_code == 302
    page = text_of(client.get(response.url))
    assert "300 responses imported" in page
    page = text_of(client.get(reverse("survey_concerns", args=[survey.slug])))
    assert "Theft of motor vehicle" in page and "Not ranked" not in page


def test_it_shows_the_same_withheld_counts_in_the_breakdown_page_and_its_downloads(
    client, surveys, officer
):
    """A download must not reveal what the page withholds."""
    survey = services.create_survey(
        officer,
        partnership=Partnership.objects.get(key="dartford"),
        title="Small survey",
        copy_from=surveys["2025"],
    )
    export = generate(survey, respondents=90, seed=7)
    upload = services.start_import(officer, survey, "export.csv", export.content)
    answer_map = officer_answer_map(upload)
    services.run_import(officer, upload, answer_map)
    client.force_login(officer)
    query = {"question": "violent-crime-robbery", "by": "age-band"}
    page = text_of(client.get(reverse("survey_breakdown", args=[survey.slug]), query))
    assert "fewer than 10" in page
    table = services.breakdown(
        survey,
        Question.objects.get(survey=survey, key=query["question"]),
        Question.objects.get(survey=survey, key="age-band"),
    )
    shown_on_page = [c.label for row in table.rows for c in [*row.cells, row.total]]
    for fmt, reader in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = reader(
            client.get(reverse("survey_download", args=[survey.slug, "breakdown", fmt]), query)
        )
        body = rows[1:] if fmt == "csv" else rows[2:]
        downloaded = [str(v) for row in body for v in row[1::2]]
        assert downloaded == [s.replace(",", "") for s in shown_on_page]
    withheld = [c for row in table.rows for c in [*row.cells, row.total] if c.disclosure != "shown"]
    assert withheld and all(c.count is None and c.percentage is None for c in withheld)


@pytest.mark.parametrize("persona, status", [("officer", 200), ("partner_lead", 404), (None, 302)])
def test_it_lets_only_officers_set_up_a_survey(client, surveys, request, persona, status):
    """Setting up a survey is the CSU officer's job."""
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("survey_create")).status_code == status


def test_it_lets_an_officer_publish_a_survey_they_set_up(client, draft, officer, partner_lead):
    """A draft becomes public only when an officer of its partnership publishes it."""
    url = reverse("survey_status", args=[draft.slug])
    client.force_login(partner_lead)
    assert client.post(url, {"status": "published"}).status_code == 404
    client.force_login(officer)
    assert client.post(url, {"status": "published"}).status_code == 302
    client.logout()
    assert client.get(reverse("survey_detail", args=[draft.slug])).status_code == 200
