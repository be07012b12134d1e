"""The survey API: same visibility as the pages, and the same withheld counts."""

from decimal import Decimal

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate

from partners.models import Partnership
from surveys import services
from surveys.api.views import (
    QuestionViewSet,
    SurveyBreakdownViewSet,
    SurveyResultViewSet,
    SurveyViewSet,
)
from surveys.models import Survey

from .conftest import SURVEY_2019, SURVEY_2025
from .exports import generate, officer_answer_map

factory = APIRequestFactory()


def call(viewset, user, params=None, action="list", **kwargs):
    request = factory.get("/api/v1/x/", params or {})
    if user is not None:
        force_authenticate(request, user=user)
    return viewset.as_view({"get": action})(request, **kwargs)


@pytest.fixture
def draft(surveys) -> Survey:
    return Survey.objects.create(
        partnership=Partnership.objects.get(key="dartford"), slug="draft-2026", title="Draft 2026"
    )


def test_it_lists_published_surveys_and_the_partnerships_own_drafts(draft, councillor, outsider):
    """The API follows the same visibility rules as the pages."""
    mine = {s["slug"] for s in call(SurveyViewSet, councillor).data["results"]}
    theirs = {s["slug"] for s in call(SurveyViewSet, outsider).data["results"]}
    assert mine == {SURVEY_2025, SURVEY_2019, "draft-2026"}
    assert theirs == {SURVEY_2025, SURVEY_2019}
    assert call(SurveyViewSet, outsider, action="retrieve", slug="draft-2026").status_code == 404
    assert call(SurveyViewSet, None).status_code in (401, 403)


def test_it_lists_questions_in_document_order_with_their_answers(surveys, councillor):
    """Analysts need the questionnaire, labels as published, to read the results."""
    data = call(
        QuestionViewSet, councillor, {"survey": SURVEY_2025, "section": "violent-crime"}
    ).data
    assert [q["text"] for q in data["results"]][:3] == [
        "Sexual crime",
        "Gang-related youth violence",
        "Robbery",
    ]
    assert [o["label"] for o in data["results"][0]["options"]][2] == "Not a big problem"
    assert data["results"][0]["options"][2]["standard_label"] == "Not a very big problem"


def test_it_gives_the_published_figures_with_their_flags(surveys, councillor):
    """The API carries the same quirks and flags as the pages, not a cleaned copy."""
    data = call(SurveyResultViewSet, councillor, {"survey": SURVEY_2019, "page_size": 500}).data
    violence = next(r for r in data["results"] if r["answer"] == "Violence")
    assert violence["count"] == 37 and violence["base"] == 407
    assert Decimal(violence["percentage"]) == 10
    assert Decimal(violence["chart_percentage"]) == 9
    assert Decimal(violence["computed_percentage"]) == Decimal("9.1")
    assert violence["flag"] == "disagrees"
    assert data["count"] == 2 + 5 + 15 + 7 + 11 + 4


def test_it_answers_400_without_a_survey_and_404_for_one_you_cannot_see(draft, outsider):
    """A missing parameter is the caller's mistake; an invisible survey must not be confirmed."""
    assert call(SurveyResultViewSet, outsider).status_code == 400
    assert call(SurveyResultViewSet, outsider, {"survey": "draft-2026"}).status_code == 404
    assert call(SurveyBreakdownViewSet, outsider, {"survey": SURVEY_2025}).status_code == 400


def test_it_withholds_the_same_counts_as_the_breakdown_page(surveys, officer):
    """Suppression is the same in pages, downloads and the API, or it protects nothing."""
    survey = services.create_survey(
        officer,
        partnership=Partnership.objects.get(key="dartford"),
        title="API survey",
        copy_from=surveys["2025"],
    )
    upload = services.start_import(
        officer, survey, "export.csv", generate(survey, respondents=80, seed=9).content
    )
    services.run_import(officer, upload, officer_answer_map(upload))
    params = {
        "survey": survey.slug,
        "question": "violent-crime-robbery",
        "by": "age-band",
        "page_size": 500,
    }
    cells = call(SurveyBreakdownViewSet, officer, params).data["results"]
    question = survey.questions.get(key="violent-crime-robbery")
    table = services.breakdown(survey, question, survey.questions.get(key="age-band"))
    expected = [(c.count, c.disclosure) for row in table.rows for c in [*row.cells, row.total]]
    assert [(c["count"], c["disclosure"]) for c in cells] == expected
    withheld = [c for c in cells if c["disclosure"] != "shown"]
    assert withheld and all(c["count"] is None and c["percentage"] is None for c in withheld)


def test_it_gives_the_results_as_csv_like_every_list(surveys, councillor):
    """Partner analysts pull every list into Excel, Power BI or R."""
    request = factory.get("/api/v1/x/", {"survey": SURVEY_2025, "format": "csv"})
    force_authenticate(request, user=councillor)
    response = SurveyResultViewSet.as_view({"get": "list"})(request)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith(
        "question,question_key,question_text,section,option,answer"
    )
    assert len(text.splitlines()) == 1 + 43 * 5
