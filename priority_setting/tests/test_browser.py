"""An officer builds Dartford's matrix, changes a weight and makes a draft strategy, in a browser."""

import pytest

from priorities.models import Strategy
from priority_setting.models import Exercise
from tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_builds_an_exercise_re_weights_it_and_creates_a_draft_strategy(
    page, officer, evidence_seed
):
    sign_in(page, officer.username)
    page.get_by_role("link", name="Priority setting").click()
    page.wait_for_url("**/priority-setting/")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Start an exercise").click()
    assert axe_violations(page) == []
    page.get_by_label("Name of the exercise").fill("Dartford priorities 2028 to 2031")
    page.get_by_label("Strategic assessment").select_option(label=evidence_seed["assessment"].title)
    page.get_by_label("Public survey (optional)").select_option(label=evidence_seed["survey"].title)
    page.get_by_role("button", name="Start exercise").click()

    exercise = Exercise.objects.get()
    page.wait_for_url(f"**{exercise.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == exercise.title
    assert page.get_by_role("img", name=f"Total scores: {exercise.title}").is_visible()
    assert axe_violations(page) == []

    page.get_by_label("Trend").fill("3")
    page.get_by_role("button", name="Save weights and re-rank").click()
    page.wait_for_url(f"**{exercise.get_absolute_url()}#matrix")
    assert page.get_by_text("Weights saved").is_visible()
    exercise.refresh_from_db()
    assert exercise.weight_trend == 3
    assert axe_violations(page) == []

    page.get_by_role("button", name="Create a draft strategy").click()
    assert axe_violations(page) == []
    page.get_by_label("Title of the strategy").fill("Dartford strategy 2028 to 2031 (draft)")
    page.get_by_label("First year").fill("2028")
    page.get_by_label("Last year").fill("2031")
    page.get_by_role("button", name="Create draft strategy").click()

    strategy = Strategy.objects.get(title="Dartford strategy 2028 to 2031 (draft)")
    page.wait_for_url(f"**{strategy.get_absolute_url()}")
    assert strategy.status == "draft"
    assert strategy.priorities.count() == 5


def test_the_printable_matrix_has_no_wcag_violations(page, officer, evidence_seed):
    from priority_setting import services

    exercise = services.start_exercise(
        title="Dartford priorities",
        assessment=evidence_seed["assessment"],
        survey=evidence_seed["survey"],
        user=officer,
    )
    sign_in(page, officer.username)
    for path in ("print/", "harm/", "merge/", "candidates/new/"):
        page.goto(f"/priority-setting/{exercise.pk}/{path}")
        assert axe_violations(page) == [], path
