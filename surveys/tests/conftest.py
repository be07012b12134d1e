"""Survey fixtures: both published surveys seeded, and a browser for these tests only."""

from pathlib import Path

import pytest
from django.conf import settings

from surveys.models import Survey
from surveys.seed import load_survey_seed
from tests.browser.conftest import (
    package_browser,
    page,  # noqa: F401  (re-exported; uses the browser below)
)


@pytest.fixture(scope="package")
def browser():
    """Chromium for this package's browser tests, closed when they end."""
    with package_browser() as instance:
        yield instance


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
