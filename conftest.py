"""Shared fixtures: the seed data and the personas every test speaks of."""

from pathlib import Path

import pytest
from django.conf import settings

from partners.models import Organisation, Partnership, Role, User
from priorities.seed import load_seed


@pytest.fixture
def seeded(db):
    """Both published strategies, loaded from seed_data/ as `make run` loads them."""
    return load_seed(Path(settings.SEED_DATA_DIR))


def _person(username: str, partnership_key: str, role: str, org_key: str) -> User:
    user = User.objects.create_user(
        username=username,
        password="correct-horse-battery",
        organisation=Organisation.objects.get(key=org_key),
    )
    Role.objects.create(
        user=user, partnership=Partnership.objects.get(key=partnership_key), role=role
    )
    return user


@pytest.fixture
def officer(seeded) -> User:
    """A Community Safety Unit officer of Dartford CSP."""
    return _person("olivia.officer", "dartford", Role.Name.OFFICER, "dartford-borough-council")


@pytest.fixture
def partner_lead(seeded) -> User:
    """A Kent Police partner lead in Dartford CSP."""
    return _person("priya.police", "dartford", Role.Name.PARTNER_LEAD, "kent-police")


@pytest.fixture
def councillor(seeded) -> User:
    """A member of Dartford's Crime and Disorder Scrutiny Committee."""
    return _person("colin.councillor", "dartford", Role.Name.COMMITTEE, "dartford-borough-council")


@pytest.fixture
def outsider(seeded) -> User:
    """An officer of another partnership (Swale CSP): must see nothing unpublished here."""
    Partnership.objects.create(
        key="swale", name="Swale Community Safety Partnership", short_name="Swale CSP"
    )
    Organisation.objects.create(
        key="swale-borough-council", name="Swale Borough Council", kind="council"
    )
    return _person("oscar.outsider", "swale", Role.Name.OFFICER, "swale-borough-council")
