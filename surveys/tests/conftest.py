"""Survey fixtures: both published surveys seeded, and a browser for these tests only."""

from pathlib import Path

import pytest
from django.conf import settings

from surveys.models import Survey
from surveys.seed import load_survey_seed
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REQUIRED,
    page,  # noqa: F401  (re-exported; uses the browser below)
)


@pytest.fixture(scope="package")
def browser():
    """Debian's chromium, as in tests/browser, but closed when these tests end.

    Playwright's sync API allows one instance at a time, so a second session-wide browser
    would break the browser tests that run after these.
    """
    if not CHROMIUM.exists():
        message = f"chromium not found at {CHROMIUM}: apt-get install chromium"
        if REQUIRED:
            pytest.fail(message + " (browser tests are required in CI)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


SURVEY_2025 = "dartford-public-survey-2025"
SURVEY_2019 = "dartford-gravesham-public-survey-2019"


@pytest.fixture
def surveys(seeded) -> dict[str, Survey]:
    """The 2025 and 2019 surveys, loaded from seed_data/surveys/ after the strategies."""
    load_survey_seed(Path(settings.SEED_DATA_DIR))
    return {
        "2025": Survey.objects.get(slug=SURVEY_2025),
        "2019": Survey.objects.get(slug=SURVEY_2019),
    }
