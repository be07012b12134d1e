"""The start page and the action lists from the shared page cache: alike for people with the
same roles, each person's own where it should be, fresh after any write."""

import pytest
from django.db import connection
from django.urls import reverse

from partners.models import Organisation

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Pages are cached only under PostgreSQL's data version (set DATABASE_URL)",
)
START_BUTTON = "Start a new strategy"


def from_cache(client, url: str) -> tuple[str, bool]:
    """The page, and whether it came from the cache (no template was rendered for it)."""
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), not response.templates


@postgres_only
def test_the_start_page_is_served_alike_to_everyone_not_signed_in(client, seeded):
    first, cached = from_cache(client, "/")
    assert not cached
    again, cached = from_cache(client, "/")
    assert cached and again == first


def test_the_start_page_shows_a_write_made_anywhere_at_once(client, seeded):
    from_cache(client, "/")
    with connection.cursor() as cursor:  # no model, no signal
        cursor.execute(
            "UPDATE partners_partnership SET name = 'Renamed Partnership' WHERE key = 'dartford'"
        )
    assert "Renamed Partnership" in from_cache(client, "/")[0]


def test_only_officers_get_the_start_button_whoever_came_first(client, officer, councillor):
    for person, shown in ((officer, True), (councillor, False), (officer, True)):
        client.force_login(person)
        assert (START_BUTTON in from_cache(client, "/")[0]) is shown


@postgres_only
def test_people_with_the_same_roles_share_the_action_list(client, councillor, action):
    other = councillor.__class__.objects.create_user(username="carol.councillor", password="x")
    other.roles.create(partnership=councillor.roles.get().partnership, role="committee")
    client.force_login(councillor)
    from_cache(client, reverse("action_list"))
    client.force_login(other)
    html, cached = from_cache(client, reverse("action_list"))
    assert cached and action.text in html
    assert "Signed in as carol.councillor" in html


def test_my_actions_is_each_persons_own(client, partner_lead, other_lead, action):
    """The police lead's organisation leads the action; the fire lead's does not."""
    mine = reverse("my_actions")
    for person, shown in ((partner_lead, True), (other_lead, False), (partner_lead, True)):
        client.force_login(person)
        assert (action.text in from_cache(client, mine)[0]) is shown
    assert Organisation.objects.get(key="kent-police") == action.lead_organisation
