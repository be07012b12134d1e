"""Priority-setting fixtures: the seeded assessment and survey, and an exercise built on them."""

from pathlib import Path

import pytest
from django.conf import settings

from assessments.models import Assessment
from assessments.seed import load_assessment_seed
from priority_setting import services
from priority_setting.models import Exercise
from surveys.models import Survey
from surveys.seed import load_survey_seed
from tests.browser.conftest import (
    package_browser,
    page,  # noqa: F401  (the browser tests' page, on our browser)
)


@pytest.fixture(scope="package")
def browser():
    """Chromium for this package's browser tests, closed when they end."""
    with package_browser() as instance:
        yield instance


@pytest.fixture
def evidence_seed(seeded):
    """The 2023-24 assessment figures behind the 2025-2028 strategy, and the 2025 survey."""
    load_assessment_seed(Path(settings.SEED_DATA_DIR))
    load_survey_seed(Path(settings.SEED_DATA_DIR))
    return {
        "assessment": Assessment.objects.get(slug="dartford-2023-24"),
        "survey": Survey.objects.get(slug="dartford-public-survey-2025"),
    }


@pytest.fixture
def exercise(evidence_seed, officer) -> Exercise:
    """Dartford's exercise from the seeded evidence, as an officer starts it."""
    return services.start_exercise(
        title="Dartford priorities 2025 to 2028",
        assessment=evidence_seed["assessment"],
        survey=evidence_seed["survey"],
        user=officer,
    )
