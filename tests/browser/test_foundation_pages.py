"""Home, strategy, priority and sign-in pages in a real browser: WCAG 2.2 AA and keyboard use."""

import pytest

from tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("/", "Community safety strategies"),
    ("/strategies/dartford-2025-2028/", "Dartford Community Safety Strategy 2025-2028"),
    (
        "/strategies/dartford-gravesham-2019-2022/",
        "Dartford and Gravesham Community Safety Strategy 2019-2022",
    ),
    (
        "/strategies/dartford-2025-2028/priorities/2/",
        "Priority 2: Violence Against Women & Girls (VAWG) and Domestic Abuse",
    ),
    (
        "/strategies/dartford-gravesham-2019-2022/priorities/4/",
        "Priority 4: Protecting Vulnerable People and Strengthening Communities",
    ),
    ("/organisations/", "Partner organisations"),
    ("/sign-in/", "Sign in"),
    ("/accessibility/", "Accessibility statement for CSP Portal"),
]


@pytest.mark.parametrize("path, heading", PAGES)
def test_it_has_no_wcag_violations(page, seeded, path, heading):
    response = page.goto(path)
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert axe_violations(page) == []


def test_the_sign_in_error_state_has_no_wcag_violations(page, officer):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.title().startswith("Error:")
    assert axe_violations(page) == []


def test_a_keyboard_user_skips_to_the_main_content(page, seeded):
    page.goto("/strategies/dartford-2025-2028/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.is_visible()
    page.keyboard.press("Enter")
    focused_id = page.evaluate("document.activeElement.id")
    assert focused_id == "main-content"


def test_an_officer_signs_in_and_out_with_the_browser(page, officer):
    sign_in(page, officer.username)
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert axe_violations(page) == []


def test_a_reader_pages_through_and_searches_a_national_host(page, national_host):
    national_host(25)
    page.goto("/")
    assert page.get_by_text("27 partnerships.").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Next page").click()
    assert page.get_by_role("rowheader", name="National 024 CSP").is_visible()
    page.get_by_label("Find a partnership by its name or an area's name").fill("gravesham")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("status").inner_text().startswith("1 partnership found")
    assert page.get_by_role(
        "rowheader", name="Dartford and Gravesham Community Safety Partnership"
    ).is_visible()
    assert axe_violations(page) == []
