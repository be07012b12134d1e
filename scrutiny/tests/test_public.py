"""The public dashboard: off by default, readable by anyone once on, with nothing private."""

import datetime as dt
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from partners.models import Partnership
from priorities.models import Action, Strategy
from scrutiny import services
from scrutiny.models import PublicDashboard

from . import others
from .conftest import Q2, SLUG
from .helpers import report_tables, squash

PUBLIC = reverse("scrutiny_public", args=[SLUG])
SETTING = reverse("scrutiny_public_setting", args=["dartford"])


@pytest.fixture
def switched_on(known_quarter, officer):
    services.set_public_dashboard(
        partnership=Partnership.objects.get(key="dartford"), enabled=True, user=officer
    )
    return known_quarter


def test_it_is_off_until_the_partnership_switches_it_on(client, known_quarter):
    """Publishing is the partnership's decision, not the portal's default."""
    assert PublicDashboard._meta.get_field("enabled").default is False
    assert client.get(PUBLIC).status_code == 404
    PublicDashboard.objects.create(partnership=Partnership.objects.get(key="dartford"))
    assert client.get(PUBLIC).status_code == 404


def test_it_is_readable_without_signing_in_once_switched_on(client, switched_on):
    """Residents should not need an account to see how their partnership is doing."""
    response = client.get(PUBLIC, {"period": Q2.key})
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [len(p.actions) for p in dashboard.priorities] == [6, 1, 0, 0, 0]
    assert dashboard.off_track_count == 1 and dashboard.overdue_count == 2
    text = squash(unescape(response.content.decode()))
    assert "Progress on Dartford Community Safety Strategy 2025-2028" in text
    assert "Number of violence with injury offences" in text
    assert "Outside tolerance" in text


def test_it_shows_no_personal_data(client, switched_on, officer, partner_lead):
    """Residents see progress, never who reported it or how to reach them."""
    officer.refresh_from_db()
    html = unescape(client.get(PUBLIC, {"period": Q2.key}).content.decode())
    for personal in [
        officer.username,
        officer.first_name,
        officer.get_full_name(),
        officer.email,
        partner_lead.username,
        "@",
    ]:
        assert personal not in html, personal
    # Commentary and notes are free text that can name people: never published.
    for private in [
        "Two licensing officers are on long-term leave.",
        "The funding bid was refused.",
        "Summer night-time economy peak.",
        "Fewer referrals from the police this quarter.",
    ]:
        assert private not in html, private


def test_it_shows_no_unpublished_content(client, switched_on, strategy):
    """Draft strategies stay private; so does the wording of the partnership's working actions."""
    html = unescape(client.get(PUBLIC, {"period": Q2.key}).content.decode())
    actions = [a for a in switched_on.values() if isinstance(a, Action)]
    assert len(actions) == 8
    for action in actions:
        assert action.text not in html, action.text
    draft = Strategy.objects.create(
        partnership=strategy.partnership,
        slug="dartford-2028-2031",
        title="Dartford draft strategy",
        start_year=2028,
        end_year=2031,
    )
    assert client.get(reverse("scrutiny_public", args=[draft.slug])).status_code == 404


def test_it_shows_no_draft_assessment_or_survey(client, switched_on, strategy):
    """Only what the other apps have published reaches the public page."""
    others.assessment("draft-assessment", "draft", [("Secret draft figure", Decimal(7), None)])
    survey = others.survey("draft-survey", "draft", dt.date(2025, 3, 2), strategy)
    others.published(survey, "Property Crime", 1, "Secret draft concern", [90, 5, 5, 0, 0])
    html = client.get(PUBLIC, {"period": Q2.key}).content.decode()
    assert "Secret draft figure" not in html
    assert "Secret draft concern" not in html


def test_it_keeps_suppressed_survey_cells_suppressed(client, switched_on, strategy):
    """A count under 10 stays 'withheld' on the one page anyone can read."""
    survey = others.survey("dartford-2026", "published", dt.date(2026, 3, 1), strategy)
    others.computed(survey, 1, "Speeding", 150, [60, 30, 40, 10, 10], "shown")
    others.computed(survey, 2, "Fly-tipping", 9, [5, 2, 1, 1, 0], "fewer_than_10")
    html = client.get(PUBLIC, {"period": Q2.key}).content.decode()
    table = next(t for t in report_tables(html) if t["sheet"] == "Top concerns")
    assert table["rows"] == [
        ["Issue", "Survey section", "Very or fairly big problem"],
        ["Speeding", "Local issues", "60%"],
        ["Fly-tipping", "Local issues", "Withheld (fewer than 10 people)"],
    ]
    assert "78%" not in html  # 7 of 9 would have been 78%


def test_it_lets_an_officer_switch_it_on_and_off_and_records_who_did(
    client, officer, known_quarter
):
    """Who published the partnership's figures, and when, is part of the history."""
    client.force_login(officer)
    page = client.get(SETTING)
    assert page.status_code == 200
    assert "Publish a public dashboard for this partnership?" in page.content.decode()
    assert client.post(SETTING, {"enabled": "yes"}).status_code == 302
    assert client.get(PUBLIC).status_code == 200
    assert client.post(SETTING, {"enabled": "no"}).status_code == 302
    client.logout()
    assert client.get(PUBLIC).status_code == 404
    setting = PublicDashboard.objects.get(partnership__key="dartford")
    history = AuditEntry.objects.for_object(setting).order_by("at", "id")
    assert [(e.event, e.changes, e.user_id) for e in history] == [
        ("create", {"enabled": True}, officer.pk),
        ("update", {"enabled": [True, False]}, officer.pk),
    ]


def test_it_asks_again_when_no_choice_is_made(client, officer, known_quarter):
    """A GOV.UK form says what is missing rather than guessing."""
    client.force_login(officer)
    response = client.post(SETTING, {})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Select yes if the dashboard should be public" in html
    assert "<title>Error: " in html


def test_it_lets_only_officers_of_the_partnership_switch_it(client, councillor, outsider):
    """A councillor reads; a CSU officer of another partnership must not even see the page."""
    client.force_login(councillor)
    assert client.get(SETTING).status_code == 403
    assert client.post(SETTING, {"enabled": "yes"}).status_code == 403
    client.force_login(outsider)
    assert client.get(SETTING).status_code == 404
    assert not PublicDashboard.objects.filter(enabled=True).exists()
