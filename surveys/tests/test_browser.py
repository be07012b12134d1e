"""Survey pages in a real browser: an officer's import from end to end, and WCAG 2.2 AA."""

import re

import pytest

from surveys.models import Survey
from tests.browser.conftest import axe_violations, sign_in

from .conftest import SURVEY_2019, SURVEY_2025
from .exports import generate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    ("/surveys/", "Public opinion surveys"),
    (f"/surveys/{SURVEY_2025}/", "Dartford public opinion survey 2025"),
    (f"/surveys/{SURVEY_2019}/", "Dartford and Gravesham public opinion survey 2019"),
    (f"/surveys/{SURVEY_2025}/sections/violent-crime/", "Violent Crime"),
    (f"/surveys/{SURVEY_2025}/sections/substance-misuse/?dont_know=exclude", "Substance Misuse"),
    (f"/surveys/{SURVEY_2025}/concerns/", "Ranked concerns"),
    (f"/surveys/{SURVEY_2025}/compare/", "Compare with another survey"),
    (
        f"/surveys/{SURVEY_2025}/compare/{SURVEY_2019}/",
        "Compared with Dartford and Gravesham public opinion survey 2019",
    ),
    (f"/surveys/{SURVEY_2019}/breakdown/", "Breakdowns by group"),
]


@pytest.mark.parametrize("path, heading", PUBLIC_PAGES)
def test_it_has_no_wcag_violations_on_the_public_survey_pages(page, surveys, path, heading):
    """WCAG 2.2 AA is the law for public-sector sites."""
    response = page.goto(path)
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert axe_violations(page) == []


def test_it_lets_an_officer_import_through_the_mapping_and_open_the_ranked_concerns(
    page, surveys, officer, tmp_path
):
    """The issue's "done when", tried as a new officer would, with axe on every page on the way."""
    sign_in(page, officer.username)

    page.goto("/surveys/")
    page.get_by_role("button", name="Set up a new survey").click()
    assert axe_violations(page) == []
    page.get_by_label("Title").fill("Dartford public opinion survey 2026")
    page.get_by_label("Fieldwork started").fill("2026-02-01")
    page.get_by_label("Fieldwork ended").fill("2026-03-01")
    page.get_by_label("Use the questions of an earlier survey").select_option(
        label="Dartford public opinion survey 2025"
    )
    page.get_by_role("button", name="Set up the survey").click()
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Dartford public opinion survey 2026"
    )
    assert axe_violations(page) == []

    survey = Survey.objects.get(title="Dartford public opinion survey 2026")
    export = tmp_path / "smartsurvey-export.csv"
    export.write_bytes(generate(survey, respondents=300, seed=11).content)

    page.get_by_role("link", name="Import responses from a survey export").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Upload and continue").click()  # nothing chosen yet
    assert page.locator(".govuk-error-summary").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Upload the export").set_input_files(str(export))
    page.get_by_role("button", name="Upload and continue").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Match the columns to questions"
    assert page.get_by_text("read as Windows-1252").is_visible()
    assert page.get_by_text("Columns D and W have the same heading “Robbery”").is_visible()
    assert page.get_by_label("Column W: Robbery").input_value() == "town-centre-safety-robbery"
    assert axe_violations(page) == []
    page.get_by_role("button", name="Continue").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Check the answers"
    assert axe_violations(page) == []
    page.get_by_role("button", name="Import the responses").click()  # "Quite a big problem" unset
    assert page.locator(".govuk-error-summary").is_visible()
    assert axe_violations(page) == []
    page.get_by_label(re.compile("“Quite a big problem”")).select_option(label="Fairly big problem")
    page.get_by_label(re.compile("“N/A”")).select_option(label="Treat it as not answered")
    page.get_by_role("button", name="Import the responses").click()

    assert page.get_by_role("heading", level=1).inner_text() == "300 responses imported"
    assert axe_violations(page) == []
    page.get_by_role("link", name="See the ranked concerns").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ranked concerns"
    first = page.locator("tbody tr").first.inner_text()
    assert first.startswith("1")
    assert axe_violations(page) == []

    for link in ["Violent Crime", "Breakdowns by group", "Compare with another survey"]:
        page.get_by_role("navigation", name="Pages of this survey").get_by_role(
            "link", name=link
        ).click()
        assert axe_violations(page) == []
    page.get_by_role("link", name="Compare with Dartford public opinion survey 2025").click()
    assert page.get_by_role("cell", name=re.compile("^Yes$")).first.is_visible()
    assert axe_violations(page) == []

    page.goto(f"/surveys/{survey.slug}/breakdown/")
    page.get_by_label("Item").select_option(label="Robbery (Town Centre Safety)")
    page.get_by_label("Break it down by").select_option(label="Age band")
    page.get_by_role("button", name="Show the breakdown").click()
    assert page.get_by_role("cell", name="fewer than 10").first.is_visible()
    assert axe_violations(page) == []


def test_it_lets_an_officer_confirm_a_suggested_match_with_the_keyboard(page, surveys, officer):
    """Confirming a match must work without a mouse, and stay accessible."""
    sign_in(page, officer.username)
    page.goto(f"/surveys/{SURVEY_2025}/compare/{SURVEY_2019}/")
    assert axe_violations(page) == []
    button = page.get_by_role(
        "button", name="Confirm that Theft of motor vehicles matches Theft of motor vehicle"
    )
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("The match has been confirmed.").is_visible()
    assert page.get_by_role("cell", name=re.compile("Theft of motor vehicles")).first.is_visible()
    assert axe_violations(page) == []
