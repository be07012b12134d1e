"""Pages of a priority-setting exercise, with the seeded Dartford evidence and the personas."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from audit.models import AuditEntry
from priorities.models import Strategy
from priority_setting import evidence, services
from priority_setting.models import Candidate, Exercise


def _candidate(exercise: Exercise, name: str) -> Candidate:
    return exercise.candidates.current().get(name=name)


def test_it_lets_an_officer_start_an_exercise_from_the_seeded_evidence(
    client, officer, evidence_seed
):
    client.force_login(officer)
    assert client.get("/priority-setting/new/").status_code == 200
    response = client.post(
        "/priority-setting/new/",
        {
            "title": "Dartford priorities",
            "assessment": evidence_seed["assessment"].pk,
            "survey": evidence_seed["survey"].pk,
        },
    )
    exercise = Exercise.objects.get()
    assert response.status_code == 302
    assert response["Location"] == exercise.get_absolute_url()
    names = set(exercise.candidates.values_list("name", flat=True))
    # Issues of the assessment, and the survey's items (the two "Robbery" items as one).
    assert {"Anti-social behaviour", "Domestic abuse", "Violent crime", "Fly-tipping"} <= names
    assert exercise.candidates.filter(name="Robbery").count() == 1
    assert _candidate(exercise, "Robbery").sources.count() == 2
    # A survey item joins the figure of the same issue.
    domestic = _candidate(exercise, "Domestic abuse")
    assert domestic.sources.filter(figure__isnull=False).count() == 1
    assert domestic.sources.get(question__isnull=False).question.text == "Domestic Abuse"


def test_it_builds_the_dartford_matrix_and_every_evidence_link_resolves(client, officer, exercise):
    client.force_login(officer)
    response = client.get(exercise.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Anti-social behaviour" in page and "No evidence" in page
    assert "min-max normalisation" in page
    links = set(re.findall(r'href="(/(?:assessments|surveys)/[^"#]*)(?:#[^"]*)?"', page))
    assert any(link.startswith("/assessments/dartford-2023-24/") for link in links)
    assert any("/sections/" in link for link in links)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_it_shows_the_seeded_evidence_traced_to_its_figures(exercise):
    rows = {r.candidate.name: r for r in evidence.matrix(exercise)}
    asb = rows["Anti-social behaviour"]
    assert asb.row.raw["volume"] == 100  # all of the 1,618 ASB incidents: never a crime share
    assert asb.row.raw["trend"] == Decimal("-6.1")
    assert rows["Violent crime"].row.raw["volume"] == Decimal("39.6")
    domestic = rows["Domestic abuse"]
    assert domestic.row.raw["trend"] == Decimal("-14.6")
    assert domestic.row.raw["concern"] == 30  # the 2025 survey's net concern for the item
    assert domestic.row.raw["volume"] is None  # the document gives no count: missing, not 0
    assert domestic.row.scores["volume"] is None


def test_it_re_ranks_when_an_officer_changes_a_weight_and_keeps_what_was_entered(
    client, officer, exercise
):
    client.force_login(officer)
    domestic = _candidate(exercise, "Domestic abuse")
    client.post(
        f"/priority-setting/{exercise.pk}/candidates/{domestic.pk}/",
        {
            "version": domestic.version,
            "name": "Domestic abuse",
            "figures": [s.figure_id for s in domestic.sources.all() if s.figure_id],
            "questions": [s.question_id for s in domestic.sources.all() if s.question_id],
            "added_value": "5",
            "added_value_reason": "Only the partnership brings police, health and housing together.",
        },
    )
    before = [r.candidate.name for r in evidence.matrix(exercise)]
    response = client.post(
        f"/priority-setting/{exercise.pk}/weights/",
        {
            "version": exercise.version,
            "volume": "1",
            "harm": "1",
            "concern": "0",
            "added_value": "10",
            "trend": "1",
        },
    )
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert exercise.weight_added_value == 10 and exercise.weight_concern == 0
    after = [r.candidate.name for r in evidence.matrix(exercise)]
    assert after != before
    assert after.index("Domestic abuse") < before.index("Domestic abuse")
    domestic.refresh_from_db()
    assert domestic.added_value == 5  # nothing entered is lost by re-weighting
    events = services.history(exercise)
    assert any(e.object_repr == exercise.title and e.event == "update" for e in events)
    assert any(e.object_repr == "Domestic abuse" and e.event == "update" for e in events)


def test_it_refuses_a_weights_edit_made_from_a_stale_version(client, officer, exercise):
    client.force_login(officer)
    services.update_weights(
        exercise=exercise, expected_version=1, weights={"trend": Decimal(3)}, user=officer
    )
    response = client.post(
        f"/priority-setting/{exercise.pk}/weights/",
        {"version": 1, "volume": 2, "harm": 1, "concern": 1, "added_value": 1, "trend": 1},
    )
    assert response.status_code == 400
    assert "Someone else changed this" in response.content.decode()
    exercise.refresh_from_db()
    assert exercise.weight_trend == 3 and exercise.weight_volume == 1


def test_it_refuses_weights_that_are_all_zero(client, officer, exercise):
    client.force_login(officer)
    zero = dict.fromkeys(("volume", "harm", "concern", "added_value", "trend"), "0")
    response = client.post(
        f"/priority-setting/{exercise.pk}/weights/", {"version": exercise.version, **zero}
    )
    assert response.status_code == 400
    assert "At least one criterion" in response.content.decode()


def test_it_merges_candidates_into_one_drawing_on_all_their_evidence(client, officer, exercise):
    client.force_login(officer)
    parts = [
        _candidate(exercise, n)
        for n in ("Violence against women and girls (VAWG)", "Domestic abuse", "Sexual crime")
    ]
    response = client.post(
        f"/priority-setting/{exercise.pk}/merge/",
        {"candidates": [c.pk for c in parts], "name": "Violence against women and girls"},
    )
    assert response.status_code == 302
    merged = _candidate(exercise, "Violence against women and girls")
    assert merged.sources.count() == sum(c.sources.count() for c in parts)
    assert not exercise.candidates.current().filter(pk__in=[c.pk for c in parts]).exists()
    row = next(r for r in evidence.matrix(exercise) if r.candidate == merged)
    assert row.row.raw["concern"] == Decimal(36 + 30 + 19) / 3
    assert row.row.raw["trend"] == (Decimal("-5.6") + Decimal("-14.6")) / 2


def test_it_adds_and_renames_candidates(client, officer, exercise):
    client.force_login(officer)
    response = client.post(
        f"/priority-setting/{exercise.pk}/candidates/new/",
        {
            "name": "Exploitation",
            "questions": [
                s.question_id
                for s in _candidate(exercise, "Gang-related youth violence").sources.all()
            ],
        },
    )
    assert response.status_code == 302
    added = _candidate(exercise, "Exploitation")
    assert added.sources.count() == 1
    response = client.post(
        f"/priority-setting/{exercise.pk}/candidates/{added.pk}/",
        {
            "version": added.version,
            "name": "Exploitation of young people",
            "questions": [s.question_id for s in added.sources.all()],
        },
    )
    assert response.status_code == 302
    assert _candidate(exercise, "Exploitation of young people").sources.count() == 1


def test_it_asks_for_a_reason_with_an_added_value_score(client, officer, exercise):
    client.force_login(officer)
    candidate = _candidate(exercise, "Litter")
    response = client.post(
        f"/priority-setting/{exercise.pk}/candidates/{candidate.pk}/",
        {"version": candidate.version, "name": "Litter", "added_value": "3"},
    )
    assert response.status_code == 200
    assert "Give the reason for the added-value score" in response.content.decode()


def test_it_takes_harm_weights_pasted_as_a_table_with_their_source(client, officer, exercise):
    client.force_login(officer)
    assert client.get(f"/priority-setting/{exercise.pk}/harm/").status_code == 200
    response = client.post(
        f"/priority-setting/{exercise.pk}/harm/",
        {
            "table": "Domestic abuse crimes, 9\nASB incidents\t2\n",
            "source": "The partnership's own judgement, November 2026",
        },
    )
    assert response.status_code == 302
    rows = {r.candidate.name: r for r in evidence.matrix(exercise)}
    assert rows["Domestic abuse"].row.raw["harm"] == 9
    assert rows["Anti-social behaviour"].row.raw["harm"] == 2
    assert rows["Domestic abuse"].row.scores["harm"] == 100
    assert rows["Violent crime"].row.raw["harm"] is None  # no weight set: missing, not 0
    items = rows["Domestic abuse"].evidence.items["harm"]
    assert items[0].source == "The partnership's own judgement, November 2026"


def test_it_names_lines_of_a_harm_table_it_cannot_read(client, officer, exercise):
    client.force_login(officer)
    response = client.post(
        f"/priority-setting/{exercise.pk}/harm/",
        {"table": "Burglary, 4\nDomestic abuse crimes, lots", "source": "Index"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "line 1" in page and "line 2" in page
    assert not exercise.harm_weights.exists()


def test_it_turns_the_top_five_into_a_draft_strategy(client, officer, exercise):
    """Done when: the officer builds Dartford's matrix and makes its top five a draft strategy."""
    client.force_login(officer)
    page = client.get(f"/priority-setting/{exercise.pk}/strategy/")
    assert page.status_code == 200
    top_five = [r.candidate for r in evidence.matrix(exercise)][:5]
    ticked = re.findall(r'value="(\d+)" checked', page.content.decode())
    assert [int(pk) for pk in ticked] == [c.pk for c in top_five]
    response = client.post(
        f"/priority-setting/{exercise.pk}/strategy/",
        {
            "candidates": [c.pk for c in top_five],
            "title": "Dartford Community Safety Strategy 2028-2031 (draft)",
            "start_year": 2028,
            "end_year": 2031,
        },
    )
    strategy = Strategy.objects.get(title="Dartford Community Safety Strategy 2028-2031 (draft)")
    assert response.status_code == 302
    assert response["Location"] == strategy.get_absolute_url()
    assert strategy.status == "draft" and strategy.partnership == exercise.partnership
    priorities = list(strategy.priorities.order_by("number"))
    assert [p.title for p in priorities] == [c.name for c in top_five]
    assert priorities[0].why.startswith("Chosen through the priority-setting exercise")
    assert "Community concern:" in priorities[0].why
    exercise.refresh_from_db()
    assert exercise.strategy == strategy
    assert AuditEntry.objects.filter(object_repr=strategy.title, event="create").exists()
    assert client.get(strategy.get_absolute_url()).status_code == 200


def test_it_exports_the_matrix_as_csv_and_excel_safe_to_open(client, officer, exercise):
    client.force_login(officer)
    _candidate(exercise, "Litter")
    Candidate.objects.filter(exercise=exercise, name="Litter").update(name="=HYPERLINK(1)")
    response = client.get(f"/priority-setting/{exercise.pk}/download.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == exercise.candidates.current().count()
    assert {"rank", "candidate", "total score", "Volume (score 0-100)"} <= set(rows[0])
    assert "'=HYPERLINK(1)" in [r["candidate"] for r in rows]
    response = client.get(f"/priority-setting/{exercise.pk}/download.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.cell(1, 1).value == "rank"
    assert sheet.max_row == len(rows) + 1
    assert client.get(f"/priority-setting/{exercise.pk}/download.pdf").status_code == 404


def test_it_has_a_printable_version_without_forms(client, councillor, exercise):
    client.force_login(councillor)
    response = client.get(f"/priority-setting/{exercise.pk}/print/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<form" not in page.split('id="main-content"')[1]
    assert "<svg" in page and "Total scores" in page


# --- who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["partner_lead", "councillor"])
def test_it_lets_other_members_read_but_not_change_the_exercise(client, persona, exercise, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(exercise.get_absolute_url())
    assert page.status_code == 200
    assert "Save weights" not in page.content.decode()
    assert client.get("/priority-setting/").status_code == 200
    for path in ("strategy/", "merge/", "harm/", "candidates/new/"):
        assert client.get(f"/priority-setting/{exercise.pk}/{path}").status_code == 403
    response = client.post(
        f"/priority-setting/{exercise.pk}/weights/",
        {"version": 1, "volume": 9, "harm": 1, "concern": 1, "added_value": 1, "trend": 1},
    )
    assert response.status_code == 403
    assert client.get("/priority-setting/new/").status_code == 403


def test_it_shows_an_outsider_nothing(client, outsider, exercise):
    client.force_login(outsider)
    assert exercise.title not in client.get("/priority-setting/").content.decode()
    for path in ("", "print/", "download.csv", "strategy/", "harm/"):
        assert client.get(f"/priority-setting/{exercise.pk}/{path}").status_code == 404
    assert Exercise.objects.visible_to(outsider).count() == 0


def test_it_sends_anonymous_people_to_sign_in(client, exercise):
    response = client.get(exercise.get_absolute_url())
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_it_offers_an_officer_only_their_own_partnerships_evidence(client, outsider, evidence_seed):
    client.force_login(outsider)
    page = client.get("/priority-setting/new/").content.decode()
    assert evidence_seed["assessment"].title not in page
    response = client.post(
        "/priority-setting/new/",
        {"title": "Not mine", "assessment": evidence_seed["assessment"].pk},
    )
    assert response.status_code == 200
    assert not Exercise.objects.exists()


def test_it_links_priority_setting_from_the_navigation_for_members_only(client, councillor, seeded):
    assert "Priority setting" not in client.get("/").content.decode()
    client.force_login(councillor)
    assert 'href="/priority-setting/"' in client.get("/").content.decode()


def test_it_shows_a_candidates_form_with_its_sources_ticked(client, officer, exercise):
    client.force_login(officer)
    candidate = _candidate(exercise, "Domestic abuse")
    page = client.get(f"/priority-setting/{exercise.pk}/candidates/{candidate.pk}/")
    assert page.status_code == 200
    ticked = re.findall(
        r'name="(figures|questions)" type="checkbox" value="(\d+)" checked', page.content.decode()
    )
    assert len(ticked) == 2
    merged_away = services.merge_candidates(
        exercise=exercise,
        candidates=[candidate, _candidate(exercise, "Litter")],
        name="X",
        user=officer,
    )
    assert merged_away.name == "X"
    gone = client.get(f"/priority-setting/{exercise.pk}/candidates/{candidate.pk}/")
    assert gone.status_code == 404
