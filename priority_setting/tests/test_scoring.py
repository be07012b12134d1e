"""The matrix arithmetic, checked against sums worked out here independently (in floats)."""

from decimal import Decimal

import pytest

from priority_setting import scoring

D = Decimal
EQUAL = {"volume": D(1), "harm": D(1), "concern": D(1), "added_value": D(1), "trend": D(1)}


def by_hand(evidence: dict, weights: dict) -> dict:
    """Min-max per criterion, then the weighted mean of the criteria present: plain floats."""
    out = {}
    scaled: dict = {}
    for c in weights:
        present = [float(e[c]) for e in evidence.values() if e.get(c) is not None]
        lo, hi = (min(present), max(present)) if present else (0.0, 0.0)
        scaled[c] = {
            k: None
            if e.get(c) is None
            else (50.0 if hi == lo else (float(e[c]) - lo) * 100 / (hi - lo))
            for k, e in evidence.items()
        }
    for k in evidence:
        used = [(scaled[c][k], float(w)) for c, w in weights.items() if scaled[c][k] is not None]
        used = [(s, w) for s, w in used if w]
        out[k] = sum(s * w for s, w in used) / sum(w for _, w in used) if used else None
    return out


SMALL_CASE = {
    "Violence": {
        "volume": D("39.6"),
        "harm": D(8),
        "concern": D(40),
        "added_value": D(4),
        "trend": D("-2.2"),
    },
    "ASB": {
        "volume": D("13.4"),
        "harm": D(2),
        "concern": D(77),
        "added_value": D(5),
        "trend": D("-6.1"),
    },
    "Domestic abuse": {
        "volume": D("8.0"),
        "harm": D(9),
        "concern": D(30),
        "added_value": D(5),
        "trend": D("-14.6"),
    },
    "Shoplifting": {
        "volume": D("6.5"),
        "harm": D(1),
        "concern": D(79),
        "added_value": D(2),
        "trend": D("12.0"),
    },
}


def test_it_scores_a_small_hand_made_case_as_worked_out_independently():
    rows = scoring.score_matrix(SMALL_CASE, EQUAL)
    expected = by_hand(SMALL_CASE, EQUAL)
    for row in rows:
        assert float(row.total) == pytest.approx(expected[row.key], abs=1e-9)
    assert [r.key for r in rows] == sorted(expected, key=lambda k: -expected[k])


def test_it_re_ranks_when_a_weight_changes():
    weights = {**EQUAL, "concern": D(5)}
    rows = scoring.score_matrix(SMALL_CASE, weights)
    expected = by_hand(SMALL_CASE, weights)
    assert {r.key: float(r.total) for r in rows} == pytest.approx(expected)
    assert [r.key for r in rows] == ["ASB", "Shoplifting", "Violence", "Domestic abuse"]
    equal = [r.key for r in scoring.score_matrix(SMALL_CASE, EQUAL)]
    assert equal == ["Violence", "ASB", "Domestic abuse", "Shoplifting"]


def test_it_gives_tied_values_the_same_score_and_a_shared_rank():
    evidence = {"a": {"volume": D(10)}, "b": {"volume": D(10)}, "c": {"volume": D(5)}}
    rows = scoring.score_matrix(evidence, {"volume": D(1)})
    assert [(r.key, r.ranked.label) for r in rows] == [("a", "1="), ("b", "1="), ("c", "3")]
    assert rows[0].scores["volume"] == rows[1].scores["volume"] == 100


def test_it_scores_every_candidate_50_when_all_have_the_same_value():
    assert scoring.normalise({"a": D(3), "b": D(3)}) == {"a": 50, "b": 50}


def test_it_keeps_missing_evidence_missing_never_zero():
    evidence = {
        "a": {"volume": D(40), "concern": None},
        "b": {"volume": D(10), "concern": D(80)},
        "c": {"volume": None, "concern": D(20)},
    }
    rows = {r.key: r for r in scoring.score_matrix(evidence, {"volume": D(1), "concern": D(1)})}
    assert rows["a"].scores["concern"] is None
    assert rows["a"].raw["concern"] is None
    # Missing is left out of the total, not counted as 0: a's total is its volume score alone.
    assert rows["a"].total == 100
    assert rows["a"].criteria_used == 1
    assert rows["c"].total == 0  # the lowest concern, and no volume evidence
    assert rows["b"].total == 50  # volume 0 and concern 100, weighted equally


def test_it_leaves_a_candidate_without_any_evidence_unranked_and_last():
    rows = scoring.score_matrix({"a": {"volume": None}, "b": {"volume": D(1)}}, {"volume": D(1)})
    assert [r.key for r in rows] == ["b", "a"]
    assert rows[1].total is None and rows[1].ranked.label == "Not ranked"


def test_it_puts_negative_trends_on_the_same_scale():
    scores = scoring.normalise({"falling fast": D(-28), "falling": D("-2.2"), "rising": D(12)})
    assert scores["falling fast"] == 0
    assert scores["rising"] == 100
    assert float(scores["falling"]) == pytest.approx((-2.2 + 28) * 100 / 40)


def test_it_leaves_criteria_weighted_zero_out_of_the_total():
    total = scoring.weighted_total(
        {"volume": D(100), "trend": D(0)}, {"volume": D(0), "trend": D(1)}
    )
    assert total == 0
    assert scoring.weighted_total({"volume": D(100)}, {"volume": D(0)}) is None


def test_it_works_out_the_trend_of_counts_taken_together():
    # 90 + 30 now against 100 + 20 before: no change overall, whatever the published changes say.
    assert scoring.combined_change([(D(90), D(100)), (D(30), D(20))], [D(-10), D(50)]) == 0
    # Without both periods' counts: the average of the published changes.
    assert scoring.combined_change([(D(90), None)], [D(-10), D(-20)]) == -15
    assert scoring.combined_change([], []) is None


def test_it_works_out_shares_only_when_there_is_a_total():
    assert scoring.share_of(D(1618), D(16180)) == 10
    assert scoring.share_of(D(5), D(0)) is None
    assert scoring.share_of(None, D(10)) is None
