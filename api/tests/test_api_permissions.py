"""The action-tracking permission matrix again, over the API, with sessions and tokens."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tests.conftest import bearer, issue
from partners.models import Organisation, Role
from priorities.models import Indicator

PERSONAS = ["officer", "partner_lead", "other_lead", "councillor", "outsider", None]


def client_for(request, persona, scope="write") -> APIClient:
    client = APIClient()
    if persona:
        bearer(client, issue(request.getfixturevalue(persona), scope))
    return client


def etag(client, action) -> str:
    return client.get(f"/api/v1/actions/{action.pk}/")["ETag"]


#                 officer lead other councillor outsider anonymous
READ_DETAIL = (200, 200, 200, 200, 404, 401)
PATCH_ACTION = (200, 200, 403, 403, 404, 401)
POST_UPDATE = (201, 201, 403, 403, 404, 401)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_applies_the_browsers_rules_to_reading_an_action(
    request, action, other_lead, outsider, persona
):
    client = client_for(request, persona)
    expected = READ_DETAIL[PERSONAS.index(persona)]
    assert client.get(f"/api/v1/actions/{action.pk}/").status_code == expected
    listed = client.get("/api/v1/actions/", {"strategy": "dartford-2025-2028"})
    if persona is None:
        assert listed.status_code == 401
    else:
        ids = [a["id"] for a in listed.json()["results"]]
        assert (action.pk in ids) == (expected == 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_applies_the_browsers_rules_to_changing_an_action(
    request, action, other_lead, outsider, persona
):
    client = client_for(request, persona)
    expected = PATCH_ACTION[PERSONAS.index(persona)]
    tag = f'"action-{action.pk}-v{action.version}"'
    response = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {"description": "Via the API"},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == expected, response.content
    action.refresh_from_db()
    assert (action.description == "Via the API") == (expected == 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_applies_the_browsers_rules_to_progress_updates(
    request, action, other_lead, outsider, persona
):
    client = client_for(request, persona)
    expected = POST_UPDATE[PERSONAS.index(persona)]
    data = {
        "action": action.pk,
        "update_date": str(dt.date.today()),
        "status": "on_track",
        "commentary": "Fine",
    }
    response = client.post("/api/v1/progress-updates/", data, format="json")
    assert response.status_code == expected, response.content
    assert action.updates.count() == (1 if expected == 201 else 0)


def test_an_api_write_is_in_the_same_history_marked_as_api(request, officer, action):
    client = client_for(request, "officer")
    client.patch(
        f"/api/v1/actions/{action.pk}/",
        {"description": "API"},
        format="json",
        HTTP_IF_MATCH=etag(client, action),
    )
    from audit.services import history_of

    entry = history_of(action).first()
    assert (entry.channel, entry.user, entry.changes) == (
        "api",
        officer,
        {"description": ["", "API"]},
    )


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("patch", "/api/v1/actions/{pk}/", {"description": "x"}),
        ("put", "/api/v1/actions/{pk}/", {"title": "x"}),
        (
            "post",
            "/api/v1/progress-updates/",
            {
                "action": "{pk}",
                "update_date": "2026-01-01",
                "status": "on_track",
                "commentary": "x",
            },
        ),
        (
            "post",
            "/api/v1/indicator-values/",
            {"indicator": 1, "period_start": "2025-04-01", "value": "1"},
        ),
    ],
)
def test_a_read_only_token_cannot_write(request, officer, action, method, url, data):
    client = client_for(request, "officer", scope="read")
    data = {k: (action.pk if v == "{pk}" else v) for k, v in data.items()}
    response = getattr(client, method)(
        url.format(pk=action.pk), data, format="json", HTTP_IF_MATCH=f'"action-{action.pk}-v1"'
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    action.refresh_from_db()
    assert action.version == 1 and action.updates.count() == 0


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_expired_and_revoked_tokens_are_refused(officer, action, state):
    token, key = ApiToken.issue(
        user=officer, name="t", scope="write", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    else:
        token.revoke()
    response = bearer(APIClient(), key).get("/api/v1/actions/")
    assert response.status_code == 401
    assert state in response.json()["detail"]


def test_a_wrong_or_malformed_token_is_refused(officer):
    _, key = ApiToken.issue(
        user=officer, name="t", scope="read", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert bearer(APIClient(), key[:-2] + "xx").get("/api/v1/actions/").status_code == 401
    assert bearer(APIClient(), "not-a-token").get("/api/v1/actions/").status_code == 401


def test_a_token_whose_person_lost_their_role_loses_its_rights(request, partner_lead, action):
    client = client_for(request, "partner_lead")
    assert client.get(f"/api/v1/actions/{action.pk}/").status_code == 200
    Role.objects.filter(user=partner_lead).delete()
    assert client.get(f"/api/v1/actions/{action.pk}/").status_code == 404
    response = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {"description": "x"},
        format="json",
        HTTP_IF_MATCH=f'"action-{action.pk}-v1"',
    )
    assert response.status_code == 404


def test_a_disabled_persons_token_stops_working(request, officer):
    client = client_for(request, "officer")
    officer.is_active = False
    officer.save()
    assert client.get("/api/v1/actions/").status_code == 401


def test_a_partner_lead_cannot_change_the_lead_organisation(request, action):
    client = client_for(request, "partner_lead")
    fire = Organisation.objects.get(key="kent-fire-rescue")
    response = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {"lead_organisation": fire.pk, "description": "and this"},
        format="json",
        HTTP_IF_MATCH=etag(client, action),
    )
    assert response.status_code == 403
    assert response.json() == {"lead_organisation": ["You may not change this field."]}
    action.refresh_from_db()
    assert action.lead_organisation.key == "kent-police" and action.description == ""


@pytest.mark.parametrize(
    "field, value", [("title", "Renamed"), ("focus_items", []), ("supporting_organisations", [])]
)
def test_a_partner_lead_may_send_unchanged_fields_but_not_change_them(
    request, action, field, value
):
    client = client_for(request, "partner_lead")
    unchanged = client.get(f"/api/v1/actions/{action.pk}/").json()[field]
    ok = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {field: unchanged, "description": "ok"},
        format="json",
        HTTP_IF_MATCH=etag(client, action),
    )
    assert ok.status_code == 200
    if value != unchanged:
        refused = client.patch(
            f"/api/v1/actions/{action.pk}/",
            {field: value},
            format="json",
            HTTP_IF_MATCH=etag(client, action),
        )
        assert refused.status_code == 403


def test_a_partner_lead_submits_only_their_organisations_indicator_values(
    request, partner_lead, other_lead, seeded
):
    indicator = Indicator.objects.filter(
        priority__strategy__slug="dartford-gravesham-2019-2022"
    ).first()
    indicator.source_organisation = Organisation.objects.get(key="kent-police")
    indicator.save()
    for user in (partner_lead, other_lead):
        Role.objects.create(
            user=user, partnership=indicator.priority.strategy.partnership, role="partner_lead"
        )
    data = {"indicator": indicator.pk, "period_start": "2019-04-01", "value": "42"}
    refused = client_for(request, "other_lead").post(
        "/api/v1/indicator-values/", data, format="json"
    )
    assert refused.status_code == 403, refused.content
    created = client_for(request, "partner_lead").post(
        "/api/v1/indicator-values/", data, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["value"] == "42.00"
    assert created["ETag"]
