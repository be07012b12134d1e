"""The optional hook into the assessments and surveys apps: figures when they exist, else nothing."""

import datetime as dt
from decimal import Decimal
from html import unescape

from django.core.exceptions import FieldError
from django.urls import reverse

from scrutiny import integrations

from . import others
from .conftest import Q2, SLUG

DASHBOARD = reverse("scrutiny_dashboard", args=[SLUG])


def test_it_shows_no_context_section_until_those_apps_have_data(client, councillor, strategy):
    """The dashboard works before the assessment and survey issues land."""
    client.force_login(councillor)
    response = client.get(DASHBOARD, {"period": Q2.key})
    assert response.status_code == 200
    assert response.context["dashboard"].headline_figures == []
    assert response.context["dashboard"].top_concerns == []
    assert 'id="context-heading"' not in response.content.decode()


def test_it_shows_the_published_assessments_headline_figures(client, councillor, strategy):
    """The committee reads progress against what the strategic assessment found."""
    others.assessment(
        "dartford-2023-24",
        "published",
        [
            ("Total recorded crime", Decimal(12066), Decimal("-2.2")),
            ("ASB incidents", Decimal(1618), Decimal("-6.1")),
        ],
    )
    others.assessment("dartford-draft", "draft", [("Secret draft figure", Decimal(1), None)])
    client.force_login(councillor)
    response = client.get(DASHBOARD, {"period": Q2.key})
    figures = [(h.name, h.value, h.change) for h in response.context["dashboard"].headline_figures]
    assert figures == [
        ("Total recorded crime", "12,066", "Down 2.2% on the previous period"),
        ("ASB incidents", "1,618", "Down 6.1% on the previous period"),
    ]
    html = unescape(response.content.decode())
    assert "Strategic assessment headline figures" in html
    assert "Secret draft figure" not in html  # a draft never reaches a committee paper


def test_it_shows_the_surveys_top_five_concerns(client, councillor, strategy):
    """'Very big' plus 'fairly big problem', highest first, as the published survey gives them."""
    survey = others.survey("dartford-2025", "published", dt.date(2025, 3, 2), strategy)
    others.published(survey, "Property Crime", 1, "Theft of motor vehicle", [55, 31, 10, 1, 3])
    others.published(survey, "Property Crime", 2, "Shoplifting", [49, 30, 7, 2, 11])
    others.published(survey, "Violent Crime", 3, "Robbery", [29, 42, 15, 3, 12])
    others.published(survey, "Violent Crime", 4, "Sexual crime", [4, 15, 23, 13, 45])
    others.published(survey, "Violent Crime", 5, "Drug related violence", [38, 35, 10, 4, 13])
    others.published(survey, "Violent Crime", 6, "Hate crime", [9, 20, 25, 9, 38])
    client.force_login(councillor)
    response = client.get(DASHBOARD, {"period": Q2.key})
    concerns = [(c.item, c.section, c.shown) for c in response.context["dashboard"].top_concerns]
    assert concerns == [
        ("Theft of motor vehicle", "Property Crime", "86%"),
        ("Shoplifting", "Property Crime", "79%"),
        ("Drug related violence", "Violent Crime", "73%"),
        ("Robbery", "Violent Crime", "71%"),
        ("Hate crime", "Violent Crime", "29%"),
    ]
    assert "Residents' top concerns (public survey)" in unescape(response.content.decode())


def test_it_keeps_withheld_survey_counts_withheld(strategy):
    """A figure for fewer than 10 people is never turned back into a number."""
    survey = others.survey("dartford-2026", "published", dt.date(2026, 3, 1), strategy)
    others.computed(survey, 1, "Speeding", 150, [60, 30, 40, 10, 10], "shown")
    others.computed(survey, 2, "Fly-tipping", 9, [5, 2, 1, 1, 0], "fewer_than_10")
    concerns = integrations.top_concerns(strategy)
    assert [(c.item, c.shown) for c in concerns] == [
        ("Speeding", "60%"),
        ("Fly-tipping", "Withheld (fewer than 10 people)"),
    ]


def test_it_shows_nothing_when_the_apps_are_not_installed(strategy, monkeypatch):
    """The dashboard cannot depend on apps that may not be there."""

    def missing(app_label, name):
        raise LookupError(app_label)

    monkeypatch.setattr(integrations.apps, "get_model", missing)
    assert integrations.headline_figures(strategy, dt.date(2026, 1, 1)) == []
    assert integrations.top_concerns(strategy) == []


def test_it_shows_nothing_rather_than_an_error_when_their_models_change(
    client, councillor, strategy, monkeypatch, caplog
):
    """A renamed field in another app must not take the committee's dashboard down."""
    others.model("surveys", "Survey")

    def renamed(*args, **kwargs):
        raise FieldError("Cannot resolve keyword 'fieldwork_end'")

    monkeypatch.setattr(integrations, "_published", renamed)
    client.force_login(councillor)
    response = client.get(DASHBOARD, {"period": Q2.key})
    assert response.status_code == 200
    assert response.context["dashboard"].top_concerns == []
    assert "could not read survey top concerns" in caplog.text


def test_it_leaves_out_a_draft_survey(strategy):
    """Drafts are the partnership's working data, never a committee paper's."""
    survey = others.survey("dartford-draft-survey", "draft", dt.date(2025, 3, 2), strategy)
    others.published(survey, "Property Crime", 1, "Draft-only item", [90, 5, 5, 0, 0])
    assert integrations.top_concerns(strategy) == []
