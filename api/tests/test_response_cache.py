"""JSON lists served from the cache under the data version: fresh after any write, never
shared between people who see different rows, never for files or the browsable API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.tests.conftest import bearer, issue
from partners.models import Partnership, Role
from priorities.models import Action, Strategy

on_postgres = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(
    not on_postgres, reason="Responses are cached only under PostgreSQL's data version"
)
ACTIONS = "/api/v1/actions/?page_size=500"


def queries_for(client, url) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


@postgres_only
def test_it_serves_a_second_read_from_the_cache(officer, seeded):
    client = bearer(APIClient(), issue(officer))
    first_queries, first = queries_for(client, ACTIONS)
    again_queries, again = queries_for(client, ACTIONS)
    assert again == first
    assert again_queries < first_queries - 3  # no count, rows or related ids read again


@postgres_only
def test_a_write_however_made_is_seen_by_the_next_read(officer, seeded):
    client = bearer(APIClient(), issue(officer))
    before = client.get(ACTIONS).json()
    action = Action.objects.get(pk=before["results"][0]["id"])
    with connection.cursor() as cursor:  # no signal, no save(): only the database knows
        cursor.execute(
            "UPDATE priorities_action SET text = %s WHERE id = %s", ["Rewritten", action.pk]
        )
    after = client.get(ACTIONS).json()
    assert after["results"][0]["title"] == "Rewritten"


@pytest.fixture
def working_papers(seeded):
    """Every strategy a draft: only members of a partnership see its actions."""
    Strategy.objects.update(status=Strategy.Status.DRAFT)
    Action.objects.update(from_document=False)
    return Partnership.objects.get(key="dartford-gravesham")


@postgres_only
def test_people_who_see_different_rows_never_share_a_response(officer, outsider, working_papers):
    Role.objects.create(user=officer, partnership=working_papers, role="officer")
    member = bearer(APIClient(), issue(officer)).get(ACTIONS).json()
    other = bearer(APIClient(), issue(outsider)).get(ACTIONS).json()
    assert (
        member["count"]
        == Action.objects.filter(priority__strategy__partnership=working_papers).count()
        > 0
    )
    assert other["count"] == 0


@postgres_only
def test_two_people_who_see_the_same_rows_share_one_response(officer, partner_lead, seeded):
    # Both tokens first: issuing one is a write, and a write makes every list be built again.
    officers, leads = issue(officer), issue(partner_lead)
    bearer(APIClient(), officers).get(ACTIONS)
    with CaptureQueriesContext(connection) as first_read:
        response = bearer(APIClient(), leads).get(ACTIONS)
    assert response.status_code == 200
    # The partner lead's first read was a hit: no action was read from the database.
    assert not any("priorities_action" in q["sql"] for q in first_read.captured_queries)


def test_files_and_the_browsable_api_are_never_cached(officer, seeded):
    client = bearer(APIClient(), issue(officer))
    for url in (f"{ACTIONS}&format=csv", f"{ACTIONS}&format=api"):
        client.get(url)
        with CaptureQueriesContext(connection) as again:
            response = client.get(url)
            b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200
        assert any("priorities_action" in q["sql"] for q in again.captured_queries)


def test_without_a_data_version_nothing_is_cached(officer, seeded, monkeypatch):
    # As when the triggers are missing (a migration not yet run): no version at all.
    monkeypatch.setattr("platform_ops.data_version._triggers_complete", lambda using: False)
    client = bearer(APIClient(), issue(officer))
    client.get(ACTIONS)  # the token's first use is recorded once
    first, _ = queries_for(client, ACTIONS)
    again, _ = queries_for(client, ACTIONS)
    assert again == first


@postgres_only
def test_the_throttle_counts_cached_responses_too(officer, seeded):
    from rest_framework.settings import api_settings

    from api.throttling import TokenRateThrottle

    TokenRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/hour"}
    try:
        client = bearer(APIClient(), issue(officer))
        assert [client.get(ACTIONS).status_code for _ in range(4)] == [200, 200, 200, 429]
    finally:
        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_a_role_given_changes_what_the_next_read_shows(outsider, working_papers):
    client = bearer(APIClient(), issue(outsider))
    assert client.get(ACTIONS).json()["count"] == 0
    Role.objects.create(user=outsider, partnership=working_papers, role="committee")
    shown = client.get(ACTIONS).json()["count"]
    assert shown == Action.objects.filter(priority__strategy__partnership=working_papers).count()
    assert shown > 0
