"""The strict Content-Security-Policy and the idle sign-out warning in a real browser.

Every main page, signed in as an officer, must load without a single `securitypolicyviolation`:
an inline script, inline style or third-party request anywhere would show up here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from assessments.models import Assessment
from assessments.seed import load_assessment_seed
from surveys.models import Survey
from surveys.seed import load_survey_seed
from tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script (and is not itself subject to the page's policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
    + ` at ${e.sourceFile || document.location.pathname}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched_page(page):
    """The test page, recording CSP violations from events and from chromium's console."""
    page.context.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.csp_console = console
    return page


def _violations(page) -> list[str]:
    """Violations seen on the current document, by event or console message."""
    return page.evaluate("window.__cspViolations || []") + page.csp_console


def _main_pages() -> list[str]:
    """Every main page of the portal, with seed data for each kind."""
    directory = Path(settings.SEED_DATA_DIR)
    load_assessment_seed(directory)
    load_survey_seed(directory)
    assessment = Assessment.objects.filter(status=Assessment.Status.PUBLISHED).first()
    survey = Survey.objects.get(slug="dartford-public-survey-2025")
    section = survey.sections.order_by("order").first()
    return [
        "/",
        "/strategies/dartford-2025-2028/",
        "/strategies/dartford-2025-2028/priorities/1/",
        "/actions/",
        "/actions/mine/",
        "/scrutiny/",
        "/scrutiny/strategies/dartford-2025-2028/",
        "/assessments/",
        f"/assessments/{assessment.slug}/",
        "/surveys/",
        f"/surveys/{survey.slug}/",
        f"/surveys/{survey.slug}/sections/{section.key}/",
        f"/surveys/{survey.slug}/concerns/",
        "/organisations/",
        "/api/",
        "/api/tokens/",
    ]


def test_it_loads_every_main_page_without_a_policy_violation(watched_page, officer):
    """Olivia reads every main page; the browser blocks nothing on any of them."""
    paths = _main_pages()
    sign_in(watched_page, officer.username)
    found = {}
    for path in paths:
        response = watched_page.goto(path)
        assert response.status == 200, path
        watched_page.wait_for_load_state("networkidle")
        if violations := _violations(watched_page):
            found[path] = violations
        watched_page.csp_console.clear()
    assert found == {}


def test_it_shows_the_swagger_api_docs_under_the_policy(watched_page, officer):
    """The API docs render (their script is a file now) with nothing blocked."""
    sign_in(watched_page, officer.username)
    watched_page.goto("/api/v1/docs/")
    watched_page.locator(".swagger-ui .info").wait_for()
    watched_page.wait_for_load_state("networkidle")
    assert watched_page.locator(".opblock").count() > 0
    assert _violations(watched_page) == []


def test_it_shows_the_redoc_api_reference_under_the_policy(watched_page, seeded):
    """ReDoc renders without a third-party font; its injected styles are its one allowance."""
    response = watched_page.goto("/api/v1/redoc/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self' 'unsafe-inline'" in policy
    watched_page.locator("h1").first.wait_for()
    watched_page.wait_for_load_state("networkidle")
    # Its "by Redocly" logo comes from Redocly's CDN: blocking it is the policy working.
    assert [v for v in _violations(watched_page) if "cdn.redoc.ly" not in v] == []


# --- Idle sign-out warning ---------------------------------------------------------------


@pytest.fixture
def short_session(settings):
    """A 12-second idle limit with a 8-second warning, so the test need not wait half an hour."""
    settings.SESSION_IDLE_MINUTES = 0.2
    settings.SESSION_IDLE_WARNING_SECONDS = 8
    settings.SESSION_ACTIVITY_RESOLUTION = 0
    return settings


def test_it_warns_before_signing_out_and_stays_signed_in_on_request(
    watched_page, officer, short_session
):
    """Olivia is warned, chooses "Stay signed in", and is still signed in afterwards."""
    page = watched_page
    sign_in(page, officer.username)
    page.goto("/actions/mine/")
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    dialog.wait_for(state="visible", timeout=10_000)
    stay = dialog.get_by_role("button", name="Stay signed in")
    assert page.evaluate("document.activeElement.textContent") == stay.inner_text()
    assert "seconds" in dialog.inner_text()
    assert axe_violations(page) == []
    stay.click()
    dialog.wait_for(state="hidden")
    # Had the session not been extended, the 12-second limit would have passed by now.
    page.wait_for_timeout(6_000)
    response = page.goto("/actions/mine/")
    assert response.url.endswith("/actions/mine/")
    assert page.get_by_text("Signed in as").is_visible()
    assert _violations(page) == []


def test_it_sends_an_idle_officer_to_sign_in_and_back(watched_page, officer, short_session):
    """Nobody answers the warning: the page goes to sign-in, which returns to the page."""
    page = watched_page
    sign_in(page, officer.username)
    page.goto("/actions/mine/")
    page.wait_for_url("**/sign-in/?next=%2Factions%2Fmine%2F", timeout=25_000)
    assert page.get_by_text("You were signed out because you did nothing").is_visible()
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/actions/mine/")
