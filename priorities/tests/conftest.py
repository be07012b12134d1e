"""Fixtures for action tracking: an action in Dartford CSP and one in another partnership."""

import pytest

from partners.models import Organisation, Partnership, Role, User
from priorities.models import Action, Priority, Strategy


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
