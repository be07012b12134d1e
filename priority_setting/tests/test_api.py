"""API for exercises, candidates and scores: same visibility, rules and numbers as the pages."""

import csv
import io

from rest_framework.test import APIClient

from api.tests.conftest import issue
from priority_setting import evidence


def _client(user, scope: str = "write") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue(user, scope)}")
    return client


def test_it_lists_exercises_candidates_and_scores_for_members(partner_lead, exercise):
    client = _client(partner_lead, "read")
    exercises = client.get("/api/v1/priority-exercises/").json()["results"]
    assert [e["id"] for e in exercises] == [exercise.pk]
    assert exercises[0]["assessment"] == "dartford-2023-24"
    assert exercises[0]["weight_volume"] in ("1.00", 1.0)
    candidates = client.get(f"/api/v1/priority-candidates/?exercise={exercise.pk}").json()
    assert candidates["count"] == exercise.candidates.current().count()
    asb = next(c for c in candidates["results"] if c["name"] == "Anti-social behaviour")
    assert asb["sources"][0]["kind"] == "assessment_figure"
    scores = client.get(f"/api/v1/priority-scores/?exercise={exercise.pk}&page_size=500").json()[
        "results"
    ]
    matrix = evidence.matrix(exercise)
    assert [s["name"] for s in scores] == [r.candidate.name for r in matrix]
    assert scores[0]["total"] == round(float(matrix[0].row.total), 2)
    domestic = next(s for s in scores if s["name"] == "Domestic abuse")
    assert domestic["volume"] is None and domestic["volume_score"] is None  # missing, not 0
    assert domestic["trend"] == -14.6


def test_it_exports_the_scores_as_csv(partner_lead, exercise):
    response = _client(partner_lead, "read").get(
        f"/api/v1/priority-scores/?exercise={exercise.pk}&format=csv"
    )
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert len(rows) == exercise.candidates.current().count()
    assert "total" in rows[0]


def test_it_lets_an_officer_change_weights_with_the_etag(officer, exercise):
    client = _client(officer)
    url = f"/api/v1/priority-exercises/{exercise.pk}/"
    tag = client.get(url)["ETag"]
    assert client.patch(url, {"weight_trend": "3"}, format="json").status_code == 428
    response = client.patch(url, {"weight_trend": "3"}, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 200
    exercise.refresh_from_db()
    assert exercise.weight_trend == 3
    stale = client.patch(url, {"weight_trend": "4"}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    history = exercise.__class__.objects.get(pk=exercise.pk)
    assert history.weight_trend == 3


def test_it_lets_an_officer_judge_added_value_through_the_api(officer, exercise):
    client = _client(officer)
    candidate = exercise.candidates.current().get(name="Domestic abuse")
    url = f"/api/v1/priority-candidates/{candidate.pk}/"
    tag = client.get(url)["ETag"]
    response = client.patch(
        url,
        {"added_value": 5, "added_value_reason": "Needs every partner."},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 200
    candidate.refresh_from_db()
    assert candidate.added_value == 5
    bad = client.patch(url, {"added_value": 9}, format="json", HTTP_IF_MATCH=response["ETag"])
    assert bad.status_code == 400


def test_it_refuses_changes_from_members_who_are_not_officers(councillor, exercise):
    client = _client(councillor)
    url = f"/api/v1/priority-exercises/{exercise.pk}/"
    tag = client.get(url)["ETag"]
    response = client.patch(url, {"weight_trend": "3"}, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 403


def test_it_shows_an_outsider_nothing_through_the_api(outsider, exercise):
    client = _client(outsider, "read")
    assert client.get("/api/v1/priority-exercises/").json()["results"] == []
    assert client.get(f"/api/v1/priority-exercises/{exercise.pk}/").status_code == 404
    assert client.get(f"/api/v1/priority-scores/?exercise={exercise.pk}").status_code == 404
    assert client.get("/api/v1/priority-scores/").status_code == 400
    assert client.get("/api/v1/priority-scores/?exercise=99999999999999999999").status_code == 400
