"""An officer imports real police data, drafts an assessment and publishes it, in a browser."""

import pytest

from assessments.models import Assessment, ImportRun
from assessments.seed import load_assessment_seed
from assessments.tests.conftest import POLICE_SAMPLE, seed_dir
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
