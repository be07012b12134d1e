"""An officer's week in a real browser: add an action, report it at risk with evidence, find it."""

import re

import pytest

from priorities.models import Action
from tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_an_officer_adds_an_action_reports_it_at_risk_and_finds_it(
    page, officer, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, officer.username)
    page.goto("/strategies/dartford-2025-2028/priorities/1/")
    page.get_by_role("link", name="Add an action").click()
    assert axe_violations(page) == []

    # The form's error state first: nothing typed.
    page.get_by_role("button", name="Add action").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.title().startswith("Error:")
    assert axe_violations(page) == []

    page.get_by_label("Action", exact=True).fill("Knife-crime workshops in secondary schools")
    page.get_by_label("Lead organisation").select_option(label="Kent Police")
    page.get_by_label("To educate young people about knife crime").check()
    page.locator("#id_due_date").fill("31")
    page.locator("#id_due_date_1").fill("3")
    page.locator("#id_due_date_2").fill("2026")
    page.get_by_role("button", name="Add action").click()
    assert page.locator(".govuk-notification-banner").inner_text().count("Action added") == 1
    assert axe_violations(page) == []

    page.get_by_role("link", name="Add a progress update").click()
    page.get_by_label("At risk").check()
    page.get_by_label("Commentary").fill("Two schools have not replied; the venue is unconfirmed.")
    evidence = tmp_path / "minutes.pdf"
    evidence.write_bytes(PDF_BYTES)
    page.get_by_label("Evidence (optional)").set_input_files(str(evidence))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add update").click()
    assert "At risk" in page.locator("main").inner_text()
    assert "minutes.pdf" in page.locator("main").inner_text()

    page.goto("/actions/")
    page.get_by_label("At risk").check()
    page.get_by_role("button", name="Apply filters").click()
    assert re.search(r"status=at_risk", page.url)
    assert page.get_by_role("link", name="Knife-crime workshops in secondary schools").is_visible()
    assert page.locator("#result-count").inner_text() == "1 action"
    assert axe_violations(page) == []
    assert Action.objects.get(text__startswith="Knife-crime").status == "at_risk"


def test_the_journey_works_with_the_keyboard_alone(page, officer, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, officer.username)
    page.goto("/strategies/dartford-2025-2028/priorities/1/")
    add = page.get_by_role("link", name="Add an action")
    add.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/actions/new/")
    page.get_by_label("Action", exact=True).focus()
    page.keyboard.type("Keyboard-only action")
    # Tab through to the submit button and press it with the keyboard.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Add action":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/actions/\d+/$"))
    page.get_by_role("link", name="Add a progress update").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/updates/new/")
    page.get_by_label("On track").focus()
    page.keyboard.press("Space")
    page.get_by_label("Commentary").focus()
    page.keyboard.type("Started on time.")
    page.get_by_role("button", name="Add update").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/actions/\d+/$"))
    assert Action.objects.get(text="Keyboard-only action").status == "on_track"
