"""Officers write and revise strategies in the browser; everyone else is refused."""

from html import unescape

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import history_of
from priorities.models import Priority, Strategy

SLUG = "dartford-2025-2028"


def priority_post(priority: Priority, **changes) -> dict:
    data = {
        "version": priority.version,
        "title": priority.title,
        "why": priority.why,
        "focus": "\n".join(priority.focus_items.values_list("text", flat=True)),
        "aims": "\n".join(priority.aims.values_list("text", flat=True)),
    }
    data.update(changes)
    return data


def test_an_officer_edits_a_priority_and_its_lists(client, officer, seeded):
    priority = Priority.objects.get(strategy__slug=SLUG, number=2)
    client.force_login(officer)
    focus = list(priority.focus_items.values_list("text", flat=True))
    focus[1] = "To work with the Night-Time Economy to train door staff on VAWG."
    focus.append("A new focus item added by the officer.")
    response = client.post(
        reverse("priority_edit", args=[SLUG, 2]), priority_post(priority, focus="\n".join(focus))
    )
    assert response.status_code == 302
    assert list(priority.focus_items.order_by("order").values_list("text", flat=True)) == focus
    events = [(e.event, e.object_repr) for e in AuditEntry.objects.filter(user=officer)]
    assert ("update", focus[1]) in events
    assert ("create", focus[-1]) in events
    page = unescape(client.get(reverse("priority_detail", args=[SLUG, 2])).content.decode())
    assert "Change history" in page


@pytest.mark.parametrize(
    "persona, status", [("partner_lead", 403), ("councillor", 403), ("outsider", 403), (None, 302)]
)
def test_only_officers_may_edit_a_priority(client, request, persona, status, seeded):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    priority = Priority.objects.get(strategy__slug=SLUG, number=2)
    response = client.post(
        reverse("priority_edit", args=[SLUG, 2]), priority_post(priority, title="Hijacked")
    )
    assert response.status_code == status
    priority.refresh_from_db()
    assert priority.title == "Violence Against Women & Girls (VAWG) and Domestic Abuse"


def test_a_stale_priority_edit_is_refused(client, officer, seeded):
    priority = Priority.objects.get(strategy__slug=SLUG, number=3)
    client.force_login(officer)
    stale = priority_post(priority)
    assert (
        client.post(
            reverse("priority_edit", args=[SLUG, 3]), {**stale, "title": "First"}
        ).status_code
        == 302
    )
    refused = client.post(reverse("priority_edit", args=[SLUG, 3]), {**stale, "title": "Second"})
    assert refused.status_code == 409
    priority.refresh_from_db()
    assert priority.title == "First"


def test_an_officer_starts_a_draft_strategy_that_only_members_see(
    client, officer, outsider, seeded
):
    client.force_login(officer)
    response = client.post(
        reverse("strategy_create"),
        {
            "partnership": officer.roles.get().partnership_id,
            "title": "Dartford Community Safety Strategy 2028-2031",
            "slug": "dartford-2028-2031",
            "start_year": 2028,
            "end_year": 2031,
            "status": "draft",
        },
    )
    assert response.status_code == 302
    strategy = Strategy.objects.get(slug="dartford-2028-2031")
    assert history_of(strategy).get().event == "create"
    added = client.post(
        reverse("priority_create", args=[strategy.slug]),
        {"title": "Knife crime", "why": "Because.", "focus": "One\nTwo", "aims": "Fewer knives"},
    )
    assert added.status_code == 302
    assert list(strategy.priorities.get().focus_items.values_list("text", flat=True)) == [
        "One",
        "Two",
    ]
    client.force_login(outsider)
    assert client.get(strategy.get_absolute_url()).status_code == 404


def test_an_officer_cannot_start_a_strategy_for_another_partnership(client, officer, seeded):
    client.force_login(officer)
    from partners.models import Partnership

    other = Partnership.objects.get(key="dartford-gravesham")
    response = client.post(
        reverse("strategy_create"),
        {
            "partnership": other.pk,
            "title": "Not mine",
            "slug": "not-mine",
            "start_year": 2028,
            "end_year": 2031,
            "status": "draft",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Strategy.objects.filter(slug="not-mine").exists()


def test_a_councillor_cannot_start_a_strategy(client, councillor):
    client.force_login(councillor)
    assert client.get(reverse("strategy_create")).status_code == 403
