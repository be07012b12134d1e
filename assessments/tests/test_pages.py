"""Assessment pages: who sees what, figures in words, downloads, drafts, edits and publishing."""

import csv
import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessments import services
from assessments.models import Assessment, CrimeRecord, Figure, ImportRun, KeyFinding, Measure
from assessments.tests.conftest import POLICE_NO_LOCATION, POLICE_SAMPLE

FEB_2023 = dt.date(2023, 2, 1)


def detail(slug: str) -> str:
    return reverse("assessment_detail", args=[slug])


def test_it_lists_published_assessments_for_everyone(client, published, draft):
    page = client.get(reverse("assessment_list")).content.decode()
    assert published.title in page
    assert draft.title not in page


def test_it_lists_drafts_for_the_partnerships_people(client, published, draft, councillor):
    client.force_login(councillor)
    page = client.get(reverse("assessment_list")).content.decode()
    assert draft.title in page and published.title in page


def test_the_list_filters_with_the_apis_filterset(client, published, draft, councillor):
    client.force_login(councillor)
    page = client.get(reverse("assessment_list"), {"status": "draft"}).content.decode()
    assert draft.title in page and published.title not in page
    page = client.get(reverse("assessment_list"), {"partnership": "swale"}).content.decode()
    assert "No assessments match" in page


def test_a_draft_is_not_found_for_anyone_outside_the_partnership(client, draft, outsider):
    assert client.get(detail(draft.slug)).status_code == 404
    client.force_login(outsider)
    assert client.get(detail(draft.slug)).status_code == 404
    table = reverse("assessment_table", args=[draft.slug, "headlines", "csv"])
    assert client.get(table).status_code == 404


def test_it_shows_the_change_in_words_and_with_an_arrow(client, assessment_seed):
    page = client.get(detail("dartford-2023-24")).content.decode()
    assert "12,066" in page
    assert 'down 2.2% <span aria-hidden="true">↓</span>' in page
    assert "Kent Police recorded a total of 12,066 offences" in page
    assert "over 40%" in client.get(detail("dartford-gravesham-2017-18")).content.decode()


def test_it_shows_the_key_findings_and_profile(client, assessment_seed):
    page = client.get(detail("dartford-2023-24")).content.decode()
    assert "Violence against the person is the most reported area" in page
    assert "120,700" in page
    assert "6th of 12" in page and "145th of 317" in page


def test_it_downloads_a_table_as_csv_and_excel(client, assessment_seed):
    url = reverse("assessment_table", args=["dartford-2023-24", "headlines", "csv"])
    response = client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Figure", "Area", "Period", "Value"]
    assert rows[1][:2] == ["Total recorded crime", "Dartford CSP"]
    assert rows[1][3] == "12066" and rows[1][9] == "-2.2"
    xlsx = client.get(reverse("assessment_table", args=["dartford-2023-24", "headlines", "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][:2] == ("Figure", "Area")
    assert values[2][3] == 12066 and values[2][9] == pytest.approx(-2.2)


def test_it_refuses_an_unknown_table_or_format(client, assessment_seed):
    for table, fmt in (("nope", "csv"), ("headlines", "pdf")):
        url = reverse("assessment_table", args=["dartford-2023-24", table, fmt])
        assert client.get(url).status_code == 404


def test_downloads_neutralise_text_a_spreadsheet_would_run(client, published):
    measure = Measure.objects.create(key="crimes-by-type", name="Crimes by type")
    Figure.objects.create(
        assessment=published,
        measure=measure,
        section="category",
        label='=HYPERLINK("http://example.com","x")',
        period_start=published.period_start,
        period_end=published.period_end,
        value=5,
        comparison_value=7,
        change_percent=Decimal("-28.6"),
    )
    response = client.get(reverse("assessment_table", args=[published.slug, "categories", "csv"]))
    row = list(csv.reader(io.StringIO(response.content.decode())))[1]
    assert row[0].startswith("'=HYPERLINK")
    assert row[3] == "-28.6"  # numbers are left as numbers
    xlsx = client.get(reverse("assessment_table", args=[published.slug, "categories", "xlsx"]))
    cells = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert cells[2][0].startswith("'=HYPERLINK")
    assert cells[2][3] == pytest.approx(-28.6)


def import_sample(partnership):
    return services.import_police_paths([POLICE_SAMPLE, POLICE_NO_LOCATION], partnership)


def test_an_officer_drafts_an_assessment_from_the_imported_data(client, officer, dartford):
    import_sample(dartford)
    client.force_login(officer)
    form = client.get(reverse("assessment_draft")).content.decode()
    assert "February 2023" in form
    response = client.post(
        reverse("assessment_draft"),
        {"partnership": dartford.pk, "first_month": "2023-02-01", "last_month": "2023-02-01"},
    )
    assessment = Assessment.objects.get(status="draft")
    assert response.url == assessment.get_absolute_url()
    with POLICE_SAMPLE.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["LSOA name"].startswith("Dartford ")]
    crimes = [r for r in rows if r["Crime type"] != "Anti-social behaviour"]
    total = assessment.figures.get(section="headline", measure__key="total-recorded-crime")
    assert total.value == len(crimes)
    asb = assessment.figures.get(section="headline", measure__key="asb-incidents")
    assert asb.value == len(rows) - len(crimes)
    by_type = {f.label: int(f.value) for f in assessment.figures.filter(section="category")}
    assert sum(by_type.values()) == len(crimes)
    assert "Anti-social behaviour" not in by_type
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Streets with most crime" in page and "<svg" in page
    assert 'role="img"' in page
    assert any("no location" in note for note in assessment.data_notes)


def test_the_draft_shows_hotspots_by_crime_type_with_downloads(client, officer, dartford):
    import_sample(dartford)
    assessment = services.draft_from_data(dartford, FEB_2023, dt.date(2023, 2, 28), officer)
    with POLICE_SAMPLE.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["LSOA name"].startswith("Dartford ")]
    crimes = Counter(r["Crime type"] for r in rows if r["Crime type"] != "Anti-social behaviour")
    largest = crimes.most_common(1)[0][0]
    lsoas = Counter(r["LSOA code"] for r in rows if r["Crime type"] == largest)
    top = assessment.figures.filter(section="type_hotspot_lsoa", crime_type=largest).first()
    assert int(top.value) == max(lsoas.values())
    assert set(
        assessment.figures.filter(section="type_hotspot_lsoa").values_list("crime_type", flat=True)
    ) == {t for t, _ in crimes.most_common(5)} | {"Anti-social behaviour"}
    client.force_login(officer)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Streets with most crime, by crime type" in page
    assert "Neighbourhoods (LSOAs) with most crime, by crime type" in page
    url = reverse("assessment_table", args=[assessment.slug, "type-lsoas", "csv"])
    assert url in page
    table = list(csv.reader(io.StringIO(client.get(url).content.decode())))
    assert table[0] == ["Crime type", "Rank", "LSOA", "Crimes or incidents"]
    assert [largest, "1", top.label, str(int(top.value))] in table
    xlsx = client.get(reverse("assessment_table", args=[assessment.slug, "type-streets", "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]] == [
        "Crime type",
        "Rank",
        "Street (LSOA)",
        "Crimes or incidents",
    ]


def test_a_published_assessment_does_not_change_when_new_data_arrives(
    client, officer, dartford, tmp_path
):
    import_sample(dartford)
    assessment = services.draft_from_data(dartford, FEB_2023, dt.date(2023, 2, 28), officer)
    services.publish(assessment, assessment.version)
    before = list(assessment.figures.values_list("measure__key", "label", "value"))
    lines = POLICE_SAMPLE.read_text(encoding="utf-8").splitlines()[:11]
    corrected = tmp_path / "2023-02-kent-street.csv"
    corrected.write_text("\n".join(lines), encoding="utf-8")
    services.import_police_paths([corrected], dartford)
    assert CrimeRecord.objects.count() == 10
    assert list(assessment.figures.values_list("measure__key", "label", "value")) == before


def test_an_officer_edits_the_key_findings(client, officer, draft):
    client.force_login(officer)
    url = reverse("assessment_edit", args=[draft.slug])
    assert "A finding of dartford-draft." in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "title": "Draft 2024",
            "findings": "First finding.\r\n\r\nSecond\r\nfinding.",
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert list(draft.findings.values_list("text", flat=True)) == [
        "First finding.",
        "Second finding.",
    ]


def test_a_second_officers_save_never_overwrites_the_first(client, officer, draft):
    client.force_login(officer)
    url = reverse("assessment_edit", args=[draft.slug])
    client.post(url, {"title": "Theirs", "findings": "Their finding.", "version": 1})
    response = client.post(url, {"title": "Mine", "findings": "My finding.", "version": 1})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this assessment" in page
    assert "My finding." in page and "Their finding." in page
    draft.refresh_from_db()
    assert draft.title == "Theirs"


def test_only_the_partnerships_officers_edit_or_publish(client, councillor, draft):
    client.force_login(councillor)
    assert client.get(reverse("assessment_edit", args=[draft.slug])).status_code == 403
    assert (
        client.post(reverse("assessment_publish", args=[draft.slug]), {"version": 1}).status_code
        == 403
    )


def test_an_officer_publishes_and_it_can_no_longer_change(client, officer, draft):
    client.force_login(officer)
    url = reverse("assessment_publish", args=[draft.slug])
    assert "can no longer be changed" in client.get(url).content.decode()
    client.post(url, {"version": draft.version})
    draft.refresh_from_db()
    assert draft.is_published and draft.published_at
    client.post(
        reverse("assessment_edit", args=[draft.slug]),
        {"title": "x", "findings": "y", "version": draft.version},
    )
    assert list(KeyFinding.objects.filter(assessment=draft).values_list("text", flat=True)) == [
        "A finding of dartford-draft."
    ]
    assert client.get(reverse("assessment_list")).status_code == 200


def test_an_officer_uploads_police_data_and_sees_the_report(client, officer, dartford):
    client.force_login(officer)
    upload = SimpleUploadedFile("2023-02-kent-street.csv", POLICE_SAMPLE.read_bytes(), "text/csv")
    response = client.post(
        reverse("assessment_import_new", args=["police-uk"]),
        {"partnership": dartford.pk, "file": upload},
    )
    run = ImportRun.objects.get()
    assert response.url == run.get_absolute_url()
    assert run.status == ImportRun.Status.SUCCEEDED
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Succeeded" in page and "1,059" in page and "948" in page
    assert "Draft an assessment from data" in page


def test_a_failed_upload_reports_row_and_column(client, officer, dartford):
    client.force_login(officer)
    text = POLICE_SAMPLE.read_text(encoding="utf-8").replace(",2023-02,", ",2023-13,", 1)
    upload = SimpleUploadedFile("street.csv", text.encode(), "text/csv")
    client.post(
        reverse("assessment_import_new", args=["police-uk"]),
        {"partnership": dartford.pk, "file": upload},
    )
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Nothing was imported" in page and "&#x27;2023-13&#x27; is not a month" in page
    assert CrimeRecord.objects.count() == 0


def test_the_upload_form_refuses_a_binary_named_csv(client, officer, dartford):
    client.force_login(officer)
    upload = SimpleUploadedFile("street.csv", b"%PDF-1.7\n" + bytes(300), "text/csv")
    response = client.post(
        reverse("assessment_import_new", args=["police-uk"]),
        {"partnership": dartford.pk, "file": upload},
    )
    assert "The selected file is not a CSV file: it is a PDF document" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_the_upload_form_refuses_a_file_over_the_limit(client, officer, dartford, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(officer)
    upload = SimpleUploadedFile("street.csv", b"x" * (2 * 1024 * 1024), "text/csv")
    response = client.post(
        reverse("assessment_import_new", args=["police-uk"]),
        {"partnership": dartford.pk, "file": upload},
    )
    assert response.status_code == 413
    assert "must be smaller than 1 MB" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_imports_are_for_officers_only(client, councillor, outsider, officer, dartford):
    url = reverse("assessment_import_new", args=["police-uk"])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(councillor)
    assert client.get(url).status_code == 403
    run = import_sample(dartford)
    client.force_login(outsider)
    assert client.get(run.get_absolute_url()).status_code == 404
    client.force_login(officer)
    assert client.get(run.get_absolute_url()).status_code == 200
    assert client.get(reverse("assessment_import_list")).status_code == 200


def test_the_list_and_detail_pages_use_a_fixed_number_of_queries(
    client, assessment_seed, officer, dartford, django_assert_max_num_queries
):
    import_sample(dartford)
    draft = services.draft_from_data(dartford, FEB_2023, dt.date(2023, 2, 28), officer)
    client.force_login(officer)
    with django_assert_max_num_queries(8):
        client.get(reverse("assessment_list"))
    for slug in ("dartford-2023-24", "dartford-gravesham-2017-18", draft.slug):
        with django_assert_max_num_queries(10):
            assert client.get(detail(slug)).status_code == 200
