"""Shared fixtures: the seed data and the personas every test speaks of."""

from pathlib import Path

import pytest
from django.conf import settings

from partners.models import Organisation, Partnership, Role, User
from priorities.models import Action, Priority, Strategy
from priorities.seed import load_seed


@pytest.fixture
def seeded(db):
    """Both published strategies, loaded from seed_data/ as `make run` loads them."""
    return load_seed(Path(settings.SEED_DATA_DIR))


@pytest.fixture
def national_host(seeded):
    """A national host: `national_host(n)` adds n partnerships, each with a published strategy."""

    def add(n: int) -> None:
        for i in range(n):
            partnership = Partnership.objects.create(
                key=f"national-{i:03}", name=f"National {i:03} CSP", short_name=f"N{i:03}"
            )
            Strategy.objects.create(
                partnership=partnership,
                slug=f"national-{i:03}-2025-2028",
                title=f"National {i:03} Strategy",
                start_year=2025,
                end_year=2028,
                status=Strategy.Status.PUBLISHED,
            )

    return add


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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counts and other cached state never leak from one test into the next."""
    from csp_portal import shared_cache

    shared_cache.clear()  # the shared cache and this process's copy of it
    yield


@pytest.fixture
def other_lead(seeded) -> User:
    """A Kent Fire and Rescue partner lead in Dartford CSP: not the lead of the police's action."""
    user = User.objects.create_user(
        username="fiona.fire",
        password="correct-horse-battery",
        organisation=Organisation.objects.get(key="kent-fire-rescue"),
    )
    Role.objects.create(
        user=user, partnership=Partnership.objects.get(key="dartford"), role=Role.Name.PARTNER_LEAD
    )
    return user


@pytest.fixture
def action(seeded, officer) -> Action:
    """A police-led action under Priority 1 of the 2025-2028 strategy, owned by the officer."""
    priority = Priority.objects.get(strategy__slug="dartford-2025-2028", number=1)
    return Action.objects.create(
        priority=priority,
        order=1,
        text="Run knife-crime workshops in every secondary school",
        lead_organisation=Organisation.objects.get(key="kent-police"),
        owner=officer,
    )


@pytest.fixture
def foreign_action(outsider) -> Action:
    """An action in Swale CSP's draft strategy, which no Dartford persona may see."""
    swale = Partnership.objects.get(key="swale")
    strategy = Strategy.objects.create(
        partnership=swale,
        slug="swale-2026-2029",
        title="Swale draft",
        start_year=2026,
        end_year=2029,
    )
    priority = Priority.objects.create(strategy=strategy, number=1, title="Swale priority")
    return Action.objects.create(
        priority=priority,
        order=1,
        text="Swale's own action",
        lead_organisation=Organisation.objects.get(key="kent-police"),
    )
