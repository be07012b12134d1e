"""Fixtures for the assessment tests: partnerships' assessments, and the browser for page tests."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from assessments.models import Assessment, Figure, KeyFinding, Measure
from partners.models import Partnership
from tests.browser.conftest import (
    package_browser,
    page,  # noqa: F401  (the browser tests' page, on our browser)
)

DATA = Path(__file__).parent / "data"
POLICE_SAMPLE = DATA / "2023-02-kent-street-dartford-gravesham.csv"
POLICE_NO_LOCATION = DATA / "2023-02-kent-street-no-location.csv"


@pytest.fixture(scope="package")
def browser():
    """Chromium for this package's browser tests, closed when they end."""
    with package_browser() as instance:
        yield instance


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    """Uploaded files go to a throwaway folder, never the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture
def dartford(seeded) -> Partnership:
    return Partnership.objects.get(key="dartford")


def make_assessment(partnership: Partnership, slug: str, status: str, **extra) -> Assessment:
    assessment = Assessment.objects.create(
        partnership=partnership,
        slug=slug,
        title=extra.pop("title", f"Assessment {slug}"),
        period_start=extra.pop("period_start", dt.date(2023, 10, 1)),
        period_end=extra.pop("period_end", dt.date(2024, 9, 30)),
        status=status,
        **extra,
    )
    KeyFinding.objects.create(assessment=assessment, order=1, text=f"A finding of {slug}.")
    measure, _ = Measure.objects.get_or_create(
        key="test-total-crime", defaults={"name": "Test total crime"}
    )
    Figure.objects.create(
        assessment=assessment,
        measure=measure,
        period_start=assessment.period_start,
        period_end=assessment.period_end,
        value=100,
        comparison_value=110,
        change_percent=-9.1,
    )
    return assessment


@pytest.fixture
def draft(dartford) -> Assessment:
    """A Dartford draft that only Dartford's people may read."""
    return make_assessment(dartford, "dartford-draft", Assessment.Status.DRAFT)


@pytest.fixture
def published(dartford) -> Assessment:
    """A published Dartford assessment: a public document."""
    return make_assessment(dartford, "dartford-published", Assessment.Status.PUBLISHED)


def seed_dir() -> Path:
    return Path(settings.SEED_DATA_DIR)


@pytest.fixture
def assessment_seed(seeded):
    """The published assessment figures, loaded as load_seed_data loads them."""
    from assessments.seed import load_assessment_seed

    return load_assessment_seed(seed_dir())
