"""An officer imports real police data, drafts an assessment and publishes it, in a browser."""

import pytest

from assessments.models import Assessment, CrimeTypeMapping, ImportRun, Place
from assessments.seed import load_assessment_seed
from assessments.tests.conftest import POLICE_SAMPLE, seed_dir
from partners.models import Partnership
from tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_uploads_police_data_drafts_and_publishes_an_assessment(page, officer):
    sign_in(page, officer.username)

    page.goto("/assessments/imports/new/police-uk/")
    assert axe_violations(page) == []
    page.get_by_label("Partnership").select_option(label="Dartford CSP")
    page.get_by_label("Upload a file").set_input_files(str(POLICE_SAMPLE))
    page.get_by_role("button", name="Upload and import").click()

    # The progress page becomes the report when the import ends (at once in tests).
    page.wait_for_url("**/assessments/imports/*/")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert page.get_by_text("Succeeded", exact=True).is_visible()
    assert page.get_by_role("heading", name="What was imported").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Draft an assessment from data").click()
    page.wait_for_url("**/assessments/draft/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Create draft").click()

    page.wait_for_url("**/assessments/dartford-*/")
    draft = Assessment.objects.get(status="draft")
    assert page.get_by_role("heading", level=1).inner_text() == draft.title
    assert page.get_by_role("img", name="Recorded crime and anti-social behaviour").is_visible()
    assert page.get_by_role("table", name="Crime by category").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Edit title and key findings").click()
    assert axe_violations(page) == []
    page.get_by_label("Key findings").fill("Shoplifting rose in the town centre.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**{draft.get_absolute_url()}")
    assert page.get_by_text("Shoplifting rose in the town centre.").is_visible()

    page.get_by_role("link", name="Publish").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"**{draft.get_absolute_url()}")
    assert page.get_by_text("Published", exact=True).first.is_visible()
    assert axe_violations(page) == []


def test_the_assessment_pages_have_no_wcag_violations(page, seeded):
    load_assessment_seed(seed_dir())
    for path in (
        "/assessments/",
        "/assessments/dartford-2023-24/",
        "/assessments/dartford-gravesham-2017-18/",
    ):
        assert page.goto(path).status == 200
        assert axe_violations(page) == [], path


def test_a_failed_import_report_has_no_wcag_violations(page, officer, tmp_path):
    bad = tmp_path / "street.csv"
    bad.write_text(
        POLICE_SAMPLE.read_text(encoding="utf-8").replace(",2023-02,", ",2023-13,", 3), "utf-8"
    )
    sign_in(page, officer.username)
    page.goto("/assessments/imports/new/police-uk/")
    page.get_by_label("Upload a file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/assessments/imports/*/")
    assert page.get_by_role("heading", name="Nothing was imported").is_visible()
    assert page.get_by_role("table", name="Problems found").is_visible()
    assert axe_violations(page) == []


def test_the_progress_page_of_a_running_import_has_no_wcag_violations(page, officer):
    dartford = Partnership.objects.get(key="dartford")
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.POLICE_UK,
        partnership=dartford,
        status=ImportRun.Status.RUNNING,
        rows_done=40_000,
        rows_total=100_000,
        original_filename="2023-02-kent-street.csv",
    )
    sign_in(page, officer.username)
    page.goto(run.get_absolute_url())
    assert page.get_by_text("40,000 of about 100,000 rows (40%)").is_visible()
    assert page.get_by_role("progressbar", name="Import progress").is_visible()
    assert axe_violations(page) == []
    run.status, run.rows_done = ImportRun.Status.SUCCEEDED, 100_000
    run.save()
    page.get_by_role("link", name="Refresh").click()  # the officer watches it finish
    assert page.get_by_text("Succeeded", exact=True).is_visible()


def test_an_officer_manages_places_and_the_mapping_with_no_wcag_violations(page, officer):
    sign_in(page, officer.username)
    page.goto("/assessments/")
    page.get_by_role("link", name="Places").click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Add a place").click()
    assert axe_violations(page) == []
    page.get_by_label("Name").fill("Bluewater")
    page.get_by_label("West edge (longitude)").fill("0.26")
    page.get_by_role("button", name="Save place").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert axe_violations(page) == []  # the error summary and messages too
    page.get_by_label("East edge (longitude)").fill("0.28")
    page.get_by_label("South edge (latitude)").fill("51.43")
    page.get_by_label("North edge (latitude)").fill("51.45")
    page.get_by_role("button", name="Save place").click()
    page.wait_for_url("**/assessments/places/")
    assert page.get_by_role("row", name="Bluewater").is_visible()
    assert Place.objects.get().has_box
    assert axe_violations(page) == []

    # A transactional test starts without the data migration's lines: add the one we change.
    CrimeTypeMapping.objects.get_or_create(crime_type="Robbery", offence_group="Robbery")
    page.goto("/assessments/crime-types/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Change Robbery", exact=False).first.click()
    assert axe_violations(page) == []
    page.get_by_label("Home Office offence subgroup (optional)").fill(
        "Robbery of business property"
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/assessments/crime-types/")
    assert page.get_by_role("cell", name="Robbery of business property", exact=True).is_visible()
    assert axe_violations(page) == []
