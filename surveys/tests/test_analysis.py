"""Distributions, net concern, "Don't know", rankings, comparisons and breakdowns."""

from collections import Counter
from decimal import Decimal

import pytest

from surveys import analysis, services
from surveys.analysis import FEWER_THAN_10, SHOWN, SUPPRESSED, Figure
from surveys.models import (
    Answer,
    AnswerOption,
    ComputedResult,
    ItemMapping,
    Question,
    Respondent,
    Survey,
)

SCALE = [
    ("Very big problem", True, False),
    ("Fairly big problem", True, False),
    ("Not a big problem", False, False),
    ("Not a problem at all", False, False),
    ("Don’t know", False, True),
]


def figures(counts=None, percentages=None, disclosures=None):
    out = []
    for k, (label, concern, dk) in enumerate(SCALE):
        out.append(
            Figure(
                label=label,
                count=None if counts is None else counts[k],
                percentage=None if percentages is None else Decimal(percentages[k]),
                concern=concern,
                dont_know=dk,
                disclosure=(disclosures or {}).get(k, SHOWN),
            )
        )
    return out


def test_it_keeps_published_percentages_and_their_row_sum():
    """Rounded published figures are kept; their sum shows the rounding."""
    dist = analysis.distribution(figures(percentages=[29, 42, 15, 3, 12]))
    assert [s.percentage for s in dist.shares] == [29, 42, 15, 3, 12]
    assert dist.row_sum == 101
    assert dist.net_concern == 71


def test_it_leaves_dont_know_out_of_the_base_when_asked_and_says_it_is_derived():
    """Rescaling rounded figures is approximate, so the result says it was derived."""
    dist = analysis.distribution(figures(percentages=[4, 15, 23, 13, 45]), exclude_dont_know=True)
    assert [s.label for s in dist.shares] == [label for label, _, _ in SCALE[:4]]
    assert dist.derived_from_percentages
    assert [s.percentage for s in dist.shares] == [
        Decimal("7.3"),
        Decimal("27.3"),
        Decimal("41.8"),
        Decimal("23.6"),
    ]
    assert dist.net_concern == Decimal("34.6")


def test_it_computes_percentages_from_counts_with_their_base():
    """Computed results carry their base, with or without "Don't know"."""
    dist = analysis.distribution(figures(counts=[30, 20, 25, 15, 10]), base=100)
    assert [s.percentage for s in dist.shares] == [30, 20, 25, 15, 10]
    assert dist.base == 100
    assert dist.net_concern == 50
    without = analysis.distribution(
        figures(counts=[30, 20, 25, 15, 10]), base=100, exclude_dont_know=True
    )
    assert without.base == 90
    assert without.net_concern == Decimal("55.6")


def test_it_never_shows_a_percentage_for_a_withheld_count():
    """A percentage (or a base without "Don't know") would give a withheld count away."""
    dist = analysis.distribution(
        figures(counts=[30, 20, 25, None, None], disclosures={3: FEWER_THAN_10, 4: SUPPRESSED}),
        base=100,
    )
    assert [s.percentage for s in dist.shares][3:] == [None, None]
    assert dist.row_sum is None
    without = analysis.distribution(
        figures(counts=[30, 20, 25, None, None], disclosures={3: FEWER_THAN_10, 4: SUPPRESSED}),
        base=100,
        exclude_dont_know=True,
    )
    assert without.base is None
    assert all(s.percentage is None for s in without.shares)
    assert "withheld" in without.unavailable_reason


def test_it_gives_no_net_concern_when_part_of_it_is_withheld():
    """Net concern minus a shown part would reveal the withheld part."""
    dist = analysis.distribution(
        figures(counts=[None, 20, 25, 15, 10], disclosures={0: FEWER_THAN_10}), base=100
    )
    assert dist.net_concern is None


def test_it_ranks_equal_values_as_ties_and_leaves_missing_ones_unranked():
    """Councillors read "7=" as a tie; an item with no figure must not look last."""
    ranked = analysis.rank(
        [
            ("a", Decimal(50)),
            ("b", Decimal(70)),
            ("c", Decimal(50)),
            ("d", None),
            ("e", Decimal(10)),
        ]
    )
    assert [(r.key, r.rank_label) for r in ranked] == [
        ("b", "1"),
        ("a", "2="),
        ("c", "2="),
        ("e", "4"),
        ("d", "Not ranked"),
    ]


def test_it_matches_texts_that_differ_only_in_small_ways():
    """Suggestions must survive plurals, curly quotes and case; same texts go in order."""
    assert analysis.similarity("Theft of motor vehicles", "Theft of motor vehicle") > 0.95
    assert analysis.similarity("Don't know", "Don’t know") == 1.0
    assert analysis.similarity("Gun/knife crime", "Gun/Knife crime") == 1.0
    matches = analysis.best_matches(
        [("col1", "Robbery"), ("col2", "Robbery")],
        [("q-violent", "Robbery"), ("q-town", "Robbery"), ("q-other", "Litter")],
        threshold=0.8,
    )
    assert {matches["col1"][0], matches["col2"][0]} == {"q-violent", "q-town"}


def test_it_flags_published_percentages_against_their_counts():
    """The documents' quirks are named, not silently fixed."""
    check = analysis.check_published_percentage
    assert check(37, 407, Decimal(10), 0) == "disagrees"
    assert check(61, 154, Decimal(39), 0) == "rounded_down"
    assert check(65, 154, Decimal(42), 0) == ""
    assert check(299, 420, Decimal("71.19"), 2) == ""
    assert check(None, 29, Decimal(45), 0) == "no_count"


# --- with the seeded surveys ---------------------------------------------------------------


def test_it_ranks_the_2025_concerns_across_the_survey_and_within_each_section(surveys):
    """The ranked concerns are the evidence the strategy's priorities rest on."""
    rows = services.ranked_concerns(surveys["2025"])
    assert len(rows) == 43
    top = [(r.question.text, r.net_concern, r.rank.rank_label) for r in rows[:4]]
    assert top == [
        ("Theft of motor vehicle", 86, "1"),
        ("Nuisance vehicles / bikes", 85, "2"),
        ("Using or dealing of drugs", 83, "3"),
        ("Fly-tipping", 82, "4"),
    ]
    tied = {r.question.text: r.rank.rank_label for r in rows if r.net_concern == 79}
    assert tied == {"Shoplifting": "7=", "Drug dealing": "7="}
    firsts = {r.question.section.title: r.question.text for r in rows if r.section_rank.rank == 1}
    assert firsts == {
        "Violent Crime": "Drug trafficking and dealing related violence",
        "Property Crime": "Theft of motor vehicle",
        "Town Centre Safety": "Youth related ASB",
        "Anti-Social Behaviour / Environmental Crime": "Nuisance vehicles / bikes",
        "Substance Misuse": "Drug dealing",
    }


def test_it_suggests_the_2019_to_2025_match_and_compares_once_an_officer_confirms(surveys, officer):
    """Year-on-year comparison only through a match an officer confirmed, never a guess."""
    earlier, later = surveys["2019"], surveys["2025"]
    suggestions = services.suggested_mappings(earlier, later)
    pairs = {(a.label, b.label) for a, b, _ in suggestions}
    assert ("Theft of motor vehicles", "Theft of motor vehicle") in pairs
    assert services.comparison(earlier, later).rows == []  # nothing until an officer confirms
    a, b, _ = next(x for x in suggestions if x[0].label == "Theft of motor vehicles")
    services.confirm_mapping(officer, earlier, later, a.key, b.key)
    ((mapping, row, _, _),) = services.comparison(earlier, later).rows
    assert mapping.confirmed_by == officer
    assert row.earlier.kind == "chosen" and row.earlier.percentage == 57 and row.earlier.base == 85
    assert row.later.kind == "net_concern" and row.later.percentage == 86
    assert not row.like_for_like
    assert row.difference is None


def test_it_lets_only_officers_confirm_a_match(surveys, councillor):
    """A match changes what everyone sees, so only officers may make one."""
    earlier, later = surveys["2019"], surveys["2025"]
    a, b, _ = services.suggested_mappings(earlier, later)[0]
    with pytest.raises(PermissionError):
        services.confirm_mapping(councillor, earlier, later, a.key, b.key)
    assert ItemMapping.objects.count() == 0


# --- computed results and breakdowns -------------------------------------------------------


def make_survey(partnership, n_groups=3) -> tuple[Survey, Question, Question]:
    survey = Survey.objects.create(partnership=partnership, slug="test-survey", title="Test survey")
    item = Question.objects.create(
        survey=survey, key="litter", kind="rating", text="Litter", order=1
    )
    for k, (label, concern, dk) in enumerate(SCALE):
        AnswerOption.objects.create(
            question=item, label=label, order=k, counts_as_concern=concern, is_dont_know=dk
        )
    age = Question.objects.create(survey=survey, key="age", kind="demographic", text="Age", order=2)
    for k in range(n_groups):
        AnswerOption.objects.create(question=age, label=f"Group {k}", order=k)
    return survey, item, age


def add_respondents(survey, item, age, people):
    options = list(item.options.all())
    groups = list(age.options.all())
    for n, (answer, group) in enumerate(people, start=2):
        r = Respondent.objects.create(survey=survey, row_number=n)
        if answer is not None:
            Answer.objects.create(respondent=r, question=item, option=options[answer])
        if group is not None:
            Answer.objects.create(respondent=r, question=age, option=groups[group])


def test_it_computes_counts_from_raw_responses_and_withholds_small_ones(seeded):
    """Computed results and breakdowns must agree with the raw data and hide small groups."""
    from partners.models import Partnership

    survey, item, age = make_survey(Partnership.objects.get(key="dartford"))
    matrix = [  # rows: Group 0-2, then people who did not give their age
        [20, 15, 12, 3, 11],
        [25, 18, 14, 11, 12],
        [30, 20, 16, 12, 13],
        [10, 11, 12, 10, 14],
    ]
    people = [
        (answer, group if group < 3 else None)
        for group, row in enumerate(matrix)
        for answer, n in enumerate(row)
        for _ in range(n)
    ] + [(None, 1)] * 5  # gave their age but skipped the item
    add_respondents(survey, item, age, people)
    services.compute_results(survey)
    (result,) = [r for r in services.item_results(survey) if r.question == item]
    assert result.computed
    assert [(f.label, f.count) for f in result.figures] == [
        ("Very big problem", 85),
        ("Fairly big problem", 64),
        ("Not a big problem", 54),
        ("Not a problem at all", 36),
        ("Don’t know", 50),
    ]
    assert result.base == 289
    assert result.distribution().net_concern == Decimal("51.6")
    table = services.breakdown(survey, item, age)
    assert [row.label for row in table.rows] == [
        "Group 0",
        "Group 1",
        "Group 2",
        "Did not say",
        "All who answered",
    ]
    small = table.rows[0].cells[3]
    assert (small.label, small.count, small.percentage) == ("fewer than 10", None, None)
    # 3 alone withheld would follow from Group 0's total: a second count in its row goes too.
    assert sum(1 for c in table.rows[0].cells if c.disclosure != SHOWN) >= 2
    assert sum(1 for row in table.rows[:-1] if row.cells[3].disclosure != SHOWN) >= 2
    shown = [(c, row.total) for row in table.rows for c in row.cells if c.disclosure == SHOWN]
    assert shown
    for c, total in shown:
        if total.disclosure == SHOWN:
            assert c.percentage == analysis.percent(c.count, total.count)
    overall = table.rows[-1]
    assert [c.disclosure for c in overall.cells] == [f.disclosure for f in result.figures]
    assert [c.count for c in overall.cells] == [85, 64, 54, 36, 50]


def test_it_stores_one_disclosure_that_every_output_reads(seeded):
    """Pages, downloads and the API read the stored disclosure; none recomputes its own."""
    from partners.models import Partnership

    survey, item, age = make_survey(Partnership.objects.get(key="dartford"), n_groups=2)
    people = [(k % 5, k % 2) for k in range(200)] + [(0, 0)] * 4
    add_respondents(survey, item, age, people)
    services.compute_results(survey)
    stored = Counter(
        ComputedResult.objects.filter(survey=survey).values_list("disclosure", flat=True)
    )
    assert stored[SHOWN] > 0
    assert set(stored) <= {SHOWN, FEWER_THAN_10, SUPPRESSED}
