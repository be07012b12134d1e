"""The action list's drop-downs offer only the person's own partnerships' rows."""

import pytest
from django.urls import reverse

from partners.models import Organisation
from priorities.models import Action, Priority, Strategy


@pytest.fixture
def elsewhere(seeded) -> Action:
    """An action of another partnership's public strategy, led by an organisation of its own."""
    other = Strategy.objects.exclude(partnership__key="dartford").first()
    lead = Organisation.objects.create(key="elsewhere-trust", name="Elsewhere Trust", kind="other")
    priority = Priority.objects.filter(strategy=other).first()
    return Action.objects.create(
        priority=priority, order=99, text="Far away", lead_organisation=lead, from_document=True
    )


def choices(response, name: str) -> set[str]:
    field = response.context["filter"].form.fields[name]
    return {str(label) for value, label in field.choices if value}


def test_it_offers_only_the_persons_partnerships_in_the_list_filters(client, officer, elsewhere):
    client.force_login(officer)
    response = client.get(reverse("action_list"))
    assert response.status_code == 200
    assert "Elsewhere Trust" not in choices(response, "lead_organisation")
    strategies = choices(response, "strategy")
    assert strategies and all("Dartford" in s or "dartford" in s.lower() for s in strategies)
    other = elsewhere.priority.strategy
    assert all(
        other.period not in p or "dartford" in p.lower() for p in choices(response, "priority")
    )
    assert (
        len(choices(response, "priority"))
        == Priority.objects.filter(strategy__partnership__key="dartford").count()
    )


def test_the_api_still_filters_by_any_lead_organisation(officer, elsewhere):
    """The API lists every visible action, so its filter keeps every lead organisation."""
    from rest_framework.test import APIClient

    from api.tests.conftest import bearer, issue

    api = bearer(APIClient(), issue(officer))
    response = api.get("/api/v1/actions/", {"lead_organisation": elsewhere.lead_organisation_id})
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [elsewhere.pk]


@pytest.mark.parametrize("n", [10, 500])
def test_it_builds_the_filters_in_queries_that_do_not_grow_with_rows(
    client, officer, seeded, n, django_assert_max_num_queries
):
    lead = Organisation.objects.get(key="kent-police")
    priority = Priority.objects.filter(strategy__partnership__key="dartford").first()
    Action.objects.bulk_create(
        Action(priority=priority, order=200 + i, text=f"A{i}", lead_organisation=lead)
        for i in range(n)
    )
    client.force_login(officer)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("action_list")).status_code == 200
