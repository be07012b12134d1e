"""The assessment API: visibility per persona, filters, downloads, a fixed number of queries."""

import csv
import datetime as dt
import io

import pytest
from rest_framework.test import APIClient

from api.tests.conftest import bearer, issue
from assessments.models import ASB, CrimeRecord, ImportRun
from assessments.tests.conftest import make_assessment
from partners.models import Area

D = dt.date


def as_(user) -> APIClient:
    return bearer(APIClient(), issue(user))


def slugs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["slug"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "sees_draft"),
    [("officer", True), ("partner_lead", True), ("councillor", True), ("outsider", False)],
)
def test_it_shows_published_assessments_to_all_and_drafts_to_the_partnership(
    request, persona, sees_draft, published, draft
):
    client = as_(request.getfixturevalue(persona))
    expected = {"dartford-published"} | ({"dartford-draft"} if sees_draft else set())
    assert slugs(client.get("/api/v1/assessments/")) == expected
    status = client.get("/api/v1/assessments/dartford-draft/").status_code
    assert status == (200 if sees_draft else 404)
    figures = client.get("/api/v1/assessment-figures/").json()["results"]
    assert {f["assessment"] for f in figures} == expected


def test_it_refuses_anyone_without_a_token_or_session(published):
    assert APIClient().get("/api/v1/assessments/").status_code in (401, 403)
    assert APIClient().get("/api/v1/crime-counts/").status_code in (401, 403)


def test_it_gives_an_assessment_with_its_findings_and_an_etag(officer, draft):
    response = as_(officer).get("/api/v1/assessments/dartford-draft/")
    body = response.json()
    assert response["ETag"] == f'"assessment-{draft.pk}-v1"'
    assert body["status"] == "draft" and body["partnership"] == "dartford"
    assert [f["text"] for f in body["findings"]] == ["A finding of dartford-draft."]


def test_it_filters_assessments_by_status_partnership_and_period(officer, published, draft):
    client = as_(officer)
    assert slugs(client.get("/api/v1/assessments/", {"status": "draft"})) == {"dartford-draft"}
    assert slugs(client.get("/api/v1/assessments/", {"partnership": "swale"})) == set()
    assert slugs(client.get("/api/v1/assessments/", {"period_from": "2025-01-01"})) == set()
    assert len(slugs(client.get("/api/v1/assessments/", {"period_to": "2024-01-01"}))) == 2


def test_it_filters_figures_by_assessment_and_lists_measures(councillor, published, draft):
    client = as_(councillor)
    rows = client.get("/api/v1/assessment-figures/", {"assessment": "dartford-draft"}).json()
    assert [(r["measure"], r["value"], r["change_percent"]) for r in rows["results"]] == [
        ("test-total-crime", "100.00", "-9.1")
    ]
    assert rows["results"][0]["where"] == "Dartford CSP"
    measures = client.get("/api/v1/measures/", {"key": "test-total-crime"}).json()["results"]
    assert [m["name"] for m in measures] == ["Test total crime"]


@pytest.fixture
def crimes(dartford):
    """Dartford: 3 burglaries and 2 ASB in October 2023, 1 burglary in November; Gravesham 4."""
    run = ImportRun.objects.create(kind=ImportRun.Kind.POLICE_UK)
    dartford_area, gravesham = Area.objects.get(name="Dartford"), Area.objects.get(name="Gravesham")
    rows = [(dartford_area, D(2023, 10, 1), "Burglary")] * 3
    rows += [(dartford_area, D(2023, 10, 1), ASB)] * 2
    rows += [(dartford_area, D(2023, 11, 1), "Burglary"), (None, D(2023, 10, 1), "Drugs")]
    rows += [(gravesham, D(2023, 10, 1), "Shoplifting")] * 4
    CrimeRecord.objects.bulk_create(
        CrimeRecord(force="Kent Police", month=m, crime_type=t, area=a, import_run=run)
        for a, m, t in rows
    )
    return rows


def test_it_counts_crime_per_area_month_and_type_with_asb_apart(partner_lead, crimes):
    rows = as_(partner_lead).get("/api/v1/crime-counts/", {"partnership": "dartford"}).json()
    assert [
        (r["area"], r["month"], r["crime_type"], r["count"], r["is_crime"]) for r in rows["results"]
    ] == [
        ("E07000107", "2023-10-01", ASB, 2, False),
        ("E07000107", "2023-10-01", "Burglary", 3, True),
        ("E07000107", "2023-11-01", "Burglary", 1, True),
    ]


def test_it_filters_crime_counts_by_month_type_and_area(outsider, crimes):
    client = as_(outsider)  # open data: any API user may read it
    got = client.get(
        "/api/v1/crime-counts/",
        {"month_from": "2023-10-01", "month_to": "2023-10-01", "crime_type": "Burglary"},
    ).json()["results"]
    assert [(r["area_name"], r["count"]) for r in got] == [("Dartford", 3)]
    got = client.get("/api/v1/crime-counts/", {"area": "E07000109"}).json()["results"]
    assert [(r["crime_type"], r["count"]) for r in got] == [("Shoplifting", 4)]
    assert client.get("/api/v1/crime-counts/", {"crime_type": "Arson"}).status_code == 400


def test_it_downloads_crime_counts_and_figures_as_csv(officer, crimes, draft):
    client = as_(officer)
    response = client.get("/api/v1/crime-counts/", {"area": "E07000107", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["month"], r["crime_type"], r["count"]) for r in rows] == [
        ("2023-10-01", ASB, "2"),
        ("2023-10-01", "Burglary", "3"),
        ("2023-11-01", "Burglary", "1"),
    ]
    response = client.get("/api/v1/assessment-figures/", {"format": "csv"})
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    assert [r["assessment"] for r in csv.DictReader(io.StringIO(text))] == ["dartford-draft"]
    xlsx = client.get("/api/v1/assessments/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"


@pytest.mark.parametrize(
    "url", ["/api/v1/assessments/", "/api/v1/assessment-figures/", "/api/v1/crime-counts/"]
)
def test_each_list_uses_a_fixed_number_of_queries(
    officer, dartford, crimes, url, django_assert_max_num_queries
):
    client = as_(officer)

    def grow(start: int, n: int) -> None:
        for i in range(start, start + n):
            make_assessment(dartford, f"grown-{i}", "draft" if i % 2 else "published")
        run = ImportRun.objects.first()
        CrimeRecord.objects.bulk_create(
            CrimeRecord(
                force="Kent Police",
                month=D(2020, 1 + i % 12, 1),
                crime_type="Drugs",
                area=Area.objects.get(name="Dartford"),
                import_run=run,
            )
            for i in range(start, start + n)
        )

    client.get(url)  # the token's first use records last_used_at; measure after it
    # Both reads come first after a write, as each then reads the token and person afresh.
    grow(0, 3)
    with django_assert_max_num_queries(10) as small:
        assert client.get(url, {"page_size": 500}).status_code == 200
    grow(3, 20)
    with django_assert_max_num_queries(10) as large:
        assert client.get(url, {"page_size": 500}).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_openapi_schema_still_generates_with_the_assessment_endpoints(client, officer):
    client.force_login(officer)
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("assessments", "measures", "assessment-figures", "crime-counts"):
        assert f"/api/v1/{path}/" in paths
    params = {p["name"] for p in paths["/api/v1/crime-counts/"]["get"]["parameters"]}
    assert {"partnership", "area", "month_from", "month_to", "crime_type"} <= params
