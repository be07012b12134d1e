"""The permission matrix: every persona × every page and action × own and other partnership."""

from html import unescape

import pytest
from django.urls import reverse

from priorities.models import Action

PERSONAS = ["officer", "partner_lead", "other_lead", "councillor", "outsider", None]

# Expected status of a GET, per persona, for the Dartford action (own partnership).
OWN = {
    #             officer lead  other councillor outsider anonymous
    "list": (200, 200, 200, 200, 200, 302),
    "mine": (200, 200, 200, 200, 200, 302),
    "view": (200, 200, 200, 200, 404, 302),
    "create": (200, 403, 403, 403, 403, 302),
    "edit": (200, 200, 403, 403, 404, 302),
    "update": (200, 200, 403, 403, 404, 302),
    "retire": (200, 403, 403, 403, 404, 302),
}
# The same pages for Swale's action: only Swale's officer (the "outsider" here) may use them.
FOREIGN = {
    "view": (404, 404, 404, 404, 200, 302),
    "create": (404, 404, 404, 404, 200, 302),
    "edit": (404, 404, 404, 404, 200, 302),
    "update": (404, 404, 404, 404, 200, 302),
    "retire": (404, 404, 404, 404, 200, 302),
}


def url_for(page: str, action: Action) -> str:
    if page == "list":
        return reverse("action_list")
    if page == "mine":
        return reverse("my_actions")
    if page == "create":
        return reverse(
            "action_create", args=[action.priority.strategy.slug, action.priority.number]
        )
    name = {
        "view": "action_detail",
        "edit": "action_edit",
        "update": "progress_update_create",
        "retire": "action_retire",
    }[page]
    return reverse(name, args=[action.pk])


def login(client, request, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))


@pytest.mark.parametrize("page", list(OWN))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_answers_each_persona_on_their_own_partnerships_pages(
    client, request, action, other_lead, outsider, page, persona
):
    login(client, request, persona)
    expected = OWN[page][PERSONAS.index(persona)]
    response = client.get(url_for(page, action))
    assert response.status_code == expected, (page, persona)
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page", list(FOREIGN))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_hides_another_partnerships_actions(
    client, request, foreign_action, partner_lead, other_lead, councillor, officer, page, persona
):
    login(client, request, persona)
    expected = FOREIGN[page][PERSONAS.index(persona)]
    assert client.get(url_for(page, foreign_action)).status_code == expected, (page, persona)


@pytest.mark.parametrize(
    "persona", ["officer", "partner_lead", "other_lead", "councillor", "outsider"]
)
def test_the_list_shows_only_the_persons_partnerships_actions(
    client, request, action, foreign_action, other_lead, persona
):
    login(client, request, persona)
    html = unescape(client.get(reverse("action_list")).content.decode())
    if persona == "outsider":
        assert foreign_action.text in html and action.text not in html
    else:
        assert action.text in html and foreign_action.text not in html


EDIT_POSTS = {
    "edit": lambda a: (
        reverse("action_edit", args=[a.pk]),
        {"description": "Changed", "version": a.version, "text": a.text},
    ),
    "update": lambda a: (
        reverse("progress_update_create", args=[a.pk]),
        {
            "update_date_0": "1",
            "update_date_1": "10",
            "update_date_2": "2026",
            "status": "at_risk",
            "commentary": "Delayed",
        },
    ),
    "retire": lambda a: (reverse("action_retire", args=[a.pk]), {"version": a.version}),
}


@pytest.mark.parametrize("page", list(EDIT_POSTS))
@pytest.mark.parametrize("persona", ["other_lead", "councillor", "outsider", None])
def test_a_refused_write_changes_nothing(
    client, request, action, other_lead, outsider, page, persona
):
    login(client, request, persona)
    before = (action.description, action.status, action.retired_at, action.version)
    url, data = EDIT_POSTS[page](action)
    response = client.post(url, data)
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))
    action.refresh_from_db()
    assert (action.description, action.status, action.retired_at, action.version) == before
    assert action.updates.count() == 0


@pytest.mark.parametrize(
    "page, persona",
    [
        ("edit", "officer"),
        ("update", "officer"),
        ("retire", "officer"),
        ("edit", "partner_lead"),
        ("update", "partner_lead"),
    ],
)
def test_a_permitted_write_is_saved(client, request, action, page, persona):
    login(client, request, persona)
    url, data = EDIT_POSTS[page](action)
    assert client.post(url, data).status_code == 302
    action.refresh_from_db()
    changed = {
        "edit": action.description == "Changed",
        "update": action.status == "at_risk",
        "retire": action.retired_at is not None,
    }
    assert changed[page]


def test_a_partner_lead_cannot_change_the_lead_organisation(client, partner_lead, action):
    client.force_login(partner_lead)
    fire = action.lead_organisation.__class__.objects.get(key="kent-fire-rescue")
    response = client.post(
        reverse("action_edit", args=[action.pk]),
        {
            "version": action.version,
            "lead_organisation": fire.pk,
            "text": "Renamed",
            "description": "Ok",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.lead_organisation.key == "kent-police"
    assert action.text == "Run knife-crime workshops in every secondary school"
    assert action.description == "Ok"


def test_a_partner_lead_cannot_retire_an_action(client, partner_lead, action):
    client.force_login(partner_lead)
    assert (
        client.post(
            reverse("action_retire", args=[action.pk]), {"version": action.version}
        ).status_code
        == 403
    )
