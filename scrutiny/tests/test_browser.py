"""A committee member's evening before the meeting, in a real browser, checked with axe."""

from pathlib import Path

import pytest

from partners.models import Partnership
from scrutiny import services
from tests.browser.conftest import axe_violations, sign_in

from .conftest import SLUG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_lets_a_councillor_read_the_dashboard_follow_an_exception_and_download_the_report(
    page, councillor, known_quarter
):
    """The committee member's whole evening before a meeting, checked with axe at each step."""
    sign_in(page, councillor.username)
    page.goto("/scrutiny/")
    page.get_by_role(
        "link", name="Dashboard of Dartford Community Safety Strategy 2025-2028"
    ).click()
    page.get_by_label("Reporting period").select_option("2025-26-q2")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**period=2025-26-q2**")
    main = page.locator("main")
    assert "1 off track and 1 at risk" in main.inner_text()
    assert axe_violations(page) == []
    page.get_by_text("Figures behind the Priority 1 charts").click()
    figures = page.get_by_role("region", name="Priority 1 figures behind the charts")
    assert figures.get_by_role("columnheader", name="2024-25 Q3").is_visible()
    assert figures.get_by_role("row", name="Percentage of victims who feel safer").is_visible()
    figures.focus()  # a keyboard user can reach the table to scroll it
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    assert axe_violations(page) == []

    page.get_by_role("link", name="See the 5 exceptions").click()
    assert page.locator("#exception-count").inner_text() == "5 exceptions"
    assert axe_violations(page) == []
    page.get_by_role("link", name="Prolific shoplifter scheme with DTAC").click()
    page.wait_for_url(f"**/actions/{known_quarter['prolific'].pk}/")
    assert page.locator("h1").inner_text() == "Prolific shoplifter scheme with DTAC"
    assert "The funding bid was refused." in page.locator("main").inner_text()

    page.go_back()
    page.get_by_role("link", name="Committee report").click()
    page.wait_for_url("**/report/?period=2025-26-q2")
    assert page.locator("h1").inner_text() == "Community safety progress report"
    assert axe_violations(page) == []
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    download = info.value
    assert download.suggested_filename == "dartford-2025-2028-committee-report-2025-26-q2.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")

    # Printed, the page is the report alone: no navigation, no buttons, no filters.
    page.emulate_media(media="print")
    for hidden in [
        ".govuk-service-navigation__wrapper",
        ".app-header__account",
        ".govuk-breadcrumbs",
        "nav[aria-label='Scrutiny pages']",
        "form[method='get']",
        ".govuk-footer",
    ]:
        assert page.locator(hidden).first.is_hidden(), hidden
    assert page.get_by_role("link", name="Download the report (PDF)").is_hidden()
    assert page.locator("h1").is_visible()
    assert page.get_by_role(
        "table", name="Exceptions: what needs the committee's attention"
    ).is_visible()


def test_it_shows_the_public_dashboard_without_signing_in_and_passes_axe(
    page, officer, known_quarter
):
    """Public-sector sites must meet WCAG 2.2 AA for every resident, signed in or not."""
    services.set_public_dashboard(
        partnership=Partnership.objects.get(key="dartford"), enabled=True, user=officer
    )
    page.goto(f"/scrutiny/public/{SLUG}/?period=2025-26-q2")
    assert (
        page.locator("h1").inner_text()
        == "Progress on Dartford Community Safety Strategy 2025-2028"
    )
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert axe_violations(page) == []


def test_it_lets_an_officer_publish_the_dashboard_with_the_keyboard(page, officer, known_quarter):
    """The switch must work for officers who do not use a mouse."""
    sign_in(page, officer.username)
    page.goto("/scrutiny/partnerships/dartford/public-dashboard/")
    assert axe_violations(page) == []
    page.get_by_label("Yes, publish it").check()
    page.get_by_role("button", name="Save").press("Enter")
    assert (
        "The public dashboard is switched on"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert axe_violations(page) == []
