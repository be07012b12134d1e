"""If-Match, exports, throttling, bad input and query counts."""

import datetime as dt
import io
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tests.conftest import bearer, issue
from partners.models import Organisation
from priorities import services
from priorities.models import Action, Indicator, Priority


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_second_of_two_writes_gets_412_and_the_first_survives(officer, partner_lead, action):
    first = bearer(APIClient(), issue(officer, "write"))
    second = bearer(APIClient(), issue(partner_lead, "write"))
    tag_1 = first.get(f"/api/v1/actions/{action.pk}/")["ETag"]
    tag_2 = second.get(f"/api/v1/actions/{action.pk}/")["ETag"]
    assert tag_1 == tag_2
    ok = first.patch(
        f"/api/v1/actions/{action.pk}/",
        {"description": "First"},
        format="json",
        HTTP_IF_MATCH=tag_1,
    )
    assert ok.status_code == 200 and ok["ETag"] != tag_1
    stale = second.patch(
        f"/api/v1/actions/{action.pk}/",
        {"description": "Second"},
        format="json",
        HTTP_IF_MATCH=tag_2,
    )
    assert stale.status_code == 412
    action.refresh_from_db()
    assert action.description == "First"


def test_a_write_without_if_match_gets_428(officer, action):
    client = bearer(APIClient(), issue(officer, "write"))
    response = client.patch(f"/api/v1/actions/{action.pk}/", {"description": "x"}, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    action.refresh_from_db()
    assert action.description == ""


def test_if_match_protects_indicator_values_too(officer, seeded):
    indicator = Indicator.objects.filter(
        priority__strategy__slug="dartford-gravesham-2019-2022", per_area=False
    ).first()
    from partners.models import Partnership, Role

    Role.objects.create(
        user=officer, partnership=Partnership.objects.get(key="dartford-gravesham"), role="officer"
    )
    value = services.submit_indicator_value(
        indicator=indicator,
        area=None,
        period_start=dt.date(2019, 4, 1),
        value=Decimal(5),
        note="",
        user=officer,
    )
    client = bearer(APIClient(), issue(officer, "write"))
    url = f"/api/v1/indicator-values/{value.pk}/"
    tag = client.get(url)["ETag"]
    assert client.patch(url, {"value": "6"}, format="json").status_code == 428
    assert client.patch(url, {"value": "6"}, format="json", HTTP_IF_MATCH=tag).status_code == 200
    assert client.patch(url, {"value": "7"}, format="json", HTTP_IF_MATCH=tag).status_code == 412
    value.refresh_from_db()
    assert value.value == 6


@pytest.fixture
def tricky_actions(action):
    """Actions whose text a spreadsheet would otherwise run as a formula."""
    for i, text in enumerate(
        ['=HYPERLINK("http://evil")', "+44 1322 343434", "-5 fewer fires", "@SUM(A1)"], start=2
    ):
        Action.objects.create(
            priority=action.priority,
            order=i,
            text=text,
            lead_organisation=action.lead_organisation,
            due_date=dt.date(2020, 1, i),
        )
    return action


def test_csv_and_xlsx_equal_the_json_and_cannot_run_formulas(officer, tricky_actions):
    client = bearer(APIClient(), issue(officer))
    params = {"strategy": "dartford-2025-2028", "ordering": "order"}
    listing = client.get("/api/v1/actions/", {**params, "page_size": 500})
    assert listing.status_code == 200, listing.content
    rows = listing.json()["results"]
    csv = pd.read_csv(
        io.BytesIO(body(client.get("/api/v1/actions/", {**params, "format": "csv"}))),
        encoding="utf-8-sig",
        keep_default_na=False,
    )
    xlsx = pd.read_excel(
        io.BytesIO(body(client.get("/api/v1/actions/", {**params, "format": "xlsx"}))),
        keep_default_na=False,
    )
    for frame in (csv, xlsx):
        assert list(frame["id"]) == [r["id"] for r in rows]
        expected = ["'" + r["title"] if r["title"][0] in "=+-@" else r["title"] for r in rows]
        assert list(frame["title"]) == expected
        assert list(frame["status"]) == [r["status"] for r in rows]
        assert list(frame["lead_organisation_name"]) == [r["lead_organisation_name"] for r in rows]
    assert '\'=HYPERLINK("http://evil")' in set(csv["title"])


def test_the_csv_export_honours_the_filters(officer, tricky_actions):
    client = bearer(APIClient(), issue(officer))
    frame = pd.read_csv(
        io.BytesIO(
            body(
                client.get(
                    "/api/v1/actions/",
                    {"strategy": "dartford-2025-2028", "overdue": "true", "format": "csv"},
                )
            )
        ),
        encoding="utf-8-sig",
    )
    assert len(frame) == 4  # the four dated 2020 actions; the undated one is not overdue


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/actions/",
        "/api/v1/strategies/",
        "/api/v1/priorities/",
        "/api/v1/progress-updates/",
        "/api/v1/indicators/",
        "/api/v1/indicator-values/",
        "/api/v1/partnerships/",
        "/api/v1/organisations/",
    ],
)
def test_each_list_uses_a_fixed_number_of_queries(
    officer, seeded, url, django_assert_max_num_queries
):
    client = bearer(APIClient(), issue(officer))
    priority = Priority.objects.get(strategy__slug="dartford-2025-2028", number=1)
    police = Organisation.objects.get(key="kent-police")

    def grow(n):
        Action.objects.bulk_create(
            Action(priority=priority, order=100 + i, text=f"A{i}", lead_organisation=police)
            for i in range(n)
        )
        for a in Action.objects.filter(priority=priority)[:n]:
            services.add_progress_update(
                action=a,
                update_date=dt.date(2026, 1, 1),
                status="on_track",
                commentary="c",
                user=officer,
            )

    grow(5)
    # Measure after a read at another address: the token's first use records last_used_at,
    # and the person's roles are read once per data version, which every grow() moves on.
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url, {"page_size": 500}).status_code == 200
    grow(60)
    client.get(url)
    with django_assert_max_num_queries(12) as large:
        assert client.get(url, {"page_size": 500}).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_it_throttles_per_token_with_retry_after(officer, settings):
    from rest_framework.settings import api_settings

    from api.throttling import TokenRateThrottle

    TokenRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/hour"}
    try:
        client = bearer(APIClient(), issue(officer))
        codes = [client.get("/api/v1/areas/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        last = client.get("/api/v1/areas/")
        assert int(last["Retry-After"]) > 0
        other = bearer(APIClient(), issue(officer))  # a second token has its own count
        assert other.get("/api/v1/areas/").status_code == 200
    finally:
        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


@pytest.mark.parametrize(
    "method, url, payload",
    [
        ("get", "/api/v1/actions/?overdue=maybe", None),
        ("get", "/api/v1/actions/?priority=abc", None),
        ("get", "/api/v1/actions/?updated_since=yesterday", None),
        ("get", "/api/v1/indicator-values/?period=2025-13-01", None),
        ("get", "/api/v1/actions/?page=999", None),
        ("post", "/api/v1/progress-updates/", "{not json"),
        (
            "post",
            "/api/v1/progress-updates/",
            {"action": "x", "update_date": "2026-02-30", "status": "fine"},
        ),
        (
            "post",
            "/api/v1/indicator-values/",
            {"indicator": 999999, "period_start": "soon", "value": "lots"},
        ),
    ],
)
def test_bad_input_gets_a_clear_4xx_never_a_500(officer, action, method, url, payload):
    client = bearer(APIClient(), issue(officer, "write"))
    if payload is None:
        response = client.get(url)
    elif isinstance(payload, str):
        response = client.post(url, payload, content_type="application/json")
    else:
        response = client.post(url, payload, format="json")
    assert 400 <= response.status_code < 500
    assert isinstance(response.json(), dict)


def test_field_errors_are_named(officer, action):
    client = bearer(APIClient(), issue(officer, "write"))
    response = client.post(
        "/api/v1/progress-updates/",
        {"action": action.pk, "update_date": "2999-01-01", "status": "fine"},
        format="json",
    )
    errors = response.json()
    assert set(errors) == {"update_date", "status", "commentary"}


def test_a_person_manages_their_own_tokens_in_the_browser(client, partner_lead, officer):
    client.force_login(partner_lead)
    page = client.post(reverse("api_tokens"), {"name": "Power BI", "scope": "read", "lifetime": 90})
    html = page.content.decode()
    assert page["Cache-Control"] == "no-store"
    key = html.split('id="new-token" type="text" value="')[1].split('"')[0]
    token = ApiToken.objects.get(user=partner_lead)
    assert key.startswith(f"csp_{token.prefix}_") and key not in (token.key_hash, token.prefix)
    assert bearer(APIClient(), key).get("/api/v1/actions/").status_code == 200
    assert key not in client.get(reverse("api_tokens")).content.decode()  # shown once only
    client.force_login(officer)
    assert (
        client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    )  # not theirs
    client.force_login(partner_lead)
    client.post(reverse("api_token_revoke", args=[token.pk]))
    assert bearer(APIClient(), key).get("/api/v1/actions/").status_code == 401


def test_the_browser_session_still_needs_csrf_for_writes(officer, action):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.get(f"/api/v1/actions/{action.pk}/").status_code == 200
    response = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {"description": "x"},
        format="json",
        HTTP_IF_MATCH=f'"action-{action.pk}-v1"',
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_schema_and_docs_are_served_from_the_portal(client, officer):
    client.force_login(officer)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    swagger = client.get("/api/v1/docs/").content.decode()
    assert "cdn" not in swagger.lower() and "/static/drf_spectacular_sidecar/" in swagger
    redoc = client.get("/api/v1/redoc/").content.decode()
    assert "cdn" not in redoc.lower()
    assert "How partners" not in client.get(reverse("api_guide")).content.decode()
    assert "Get a token" in client.get(reverse("api_guide")).content.decode()


def test_it_counts_each_request_in_its_window_and_forgets_past_windows(db):
    from api.models import ThrottleWindow
    from api.throttling import count_request

    assert [count_request("token-1", 3600) for _ in range(3)] == [1, 2, 3]
    assert count_request("token-2", 3600) == 1  # another token has its own count
    assert count_request("token-1", 7200) == 1  # the next hour starts again
    assert set(ThrottleWindow.objects.values_list("key", "window_start", "requests")) == {
        ("token-1", 7200, 1),
        ("token-2", 3600, 1),
    }
