"""Small-number suppression: no withheld count can be worked out from what is shown.

The property tests check the suppression with a verifier written independently of it: a plain
search for another whole-number table that agrees with everything shown (every shown count,
every shown total, "fewer than 10" meaning 0-9 and "withheld" meaning 10 or more) but differs
in the withheld count. Finding one proves that count cannot be worked out.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.suppression import (
    FEWER_THAN_10,
    SHOWN,
    SUPPRESSED,
    Protected,
    protect,
    protect_item,
    protect_line,
    recoverable,
)

# --- the independent verifier --------------------------------------------------------------


def _equations(rows: int, cols: int) -> list[list[tuple[tuple[int, int], int]]]:
    """Every line of the table with its total: parts count +1, the total -1, summing to 0."""
    eqs = []
    for i in range(rows + 1):
        eqs.append([((i, j), 1) for j in range(cols)] + [((i, cols), -1)])
    for j in range(cols + 1):
        eqs.append([((i, j), 1) for i in range(rows)] + [((rows, j), -1)])
    return eqs


def _propagate(domains: dict, eqs, passes: int = 50) -> bool:
    """Narrow each unknown's interval from every equation; False when one becomes empty.

    Bounds can shrink slowly around a cycle of unknowns, so after `passes` rounds the search
    branches instead (narrowing is only ever an optimisation: it never drops a solution).
    """
    for _ in range(passes):
        changed = False
        for eq in eqs:
            # Each term's range: coef * x for x in [lo, hi].
            terms = [
                (
                    cell,
                    coef,
                    *(
                        (domains[cell][0], domains[cell][1])
                        if coef > 0
                        else (-domains[cell][1], -domains[cell][0])
                    ),
                )
                for cell, coef in eq
            ]
            total_lo = sum(t[2] for t in terms)
            total_hi = sum(t[3] for t in terms)
            for cell, coef, t_lo, t_hi in terms:
                rest_lo, rest_hi = total_lo - t_lo, total_hi - t_hi
                # coef * x = -rest
                lo, hi = (-rest_hi, -rest_lo) if coef > 0 else (rest_lo, rest_hi)
                old = domains[cell]
                new = (max(old[0], lo), min(old[1], hi))
                if new[0] > new[1]:
                    return False
                if new != old:
                    domains[cell] = new
                    changed = True
        if not changed:
            break
    return True


def _solve(domains: dict, eqs, budget: list[int]) -> bool:
    budget[0] -= 1
    if budget[0] < 0:
        raise RuntimeError("search budget exhausted")
    if not _propagate(domains, eqs):
        return False
    open_cells = [c for c, (lo, hi) in domains.items() if lo < hi]
    if not open_cells:
        return True
    cell = min(open_cells, key=lambda c: domains[c][1] - domains[c][0])
    lo, hi = domains[cell]
    mid = (lo + hi) // 2
    for part in ((lo, mid), (mid + 1, hi)):
        trial = dict(domains)
        trial[cell] = part
        if _solve(trial, eqs, budget):
            return True
    return False


def another_value_fits(table: Protected, cell: tuple[int, int]) -> bool:
    """Is there a table agreeing with everything shown where `cell` has a different count?"""
    rows, cols = table.rows, table.columns
    grand = table.values[rows][cols]
    ceiling = grand if table.status[rows][cols] == SHOWN else 3 * grand + 30
    domains = {}
    for i in range(rows + 1):
        for j in range(cols + 1):
            s, v = table.status[i][j], table.values[i][j]
            domains[(i, j)] = {SHOWN: (v, v), FEWER_THAN_10: (0, 9), SUPPRESSED: (10, ceiling)}[s]
    eqs = _equations(rows, cols)
    v = table.values[cell[0]][cell[1]]
    for part in ((domains[cell][0], v - 1), (v + 1, domains[cell][1])):
        if part[0] > part[1]:
            continue
        trial = dict(domains)
        trial[cell] = part
        if _solve(trial, eqs, [20_000]):
            return True
    return False


def assert_safe(table: Protected) -> None:
    for i, row in enumerate(table.values):
        for j, v in enumerate(row):
            s = table.status[i][j]
            if v < 10:
                assert s == FEWER_THAN_10, f"{v} at {(i, j)} must show as fewer than 10"
            else:
                assert s in (SHOWN, SUPPRESSED)
    for cell in table.withheld_cells():
        assert another_value_fits(table, cell), f"withheld count at {cell} can be worked out"


# --- examples ------------------------------------------------------------------------------


def test_it_shows_fewer_than_10_for_small_counts_zero_included():
    """Zero is a small number too: showing it reveals who is not in a group."""
    table = protect([[0, 25, 40], [30, 3, 50]])
    assert table.label(0, 0) == "fewer than 10"
    assert table.label(1, 1) == "fewer than 10"
    assert table.status[0][1] == SUPPRESSED or table.status[1][0] == SUPPRESSED
    assert_safe(table)


def test_it_withholds_a_second_count_so_a_row_total_cannot_give_the_first_away():
    """Row 12 + 30 + 5 = 47: with 47 and 42 shown, 5 would follow; so more is withheld."""
    table = protect([[12, 30, 5], [40, 41, 44]])
    assert table.status[0][2] == FEWER_THAN_10
    row_withheld = [j for j in range(3) if table.status[0][j] != SHOWN]
    col_withheld = [i for i in range(2) if table.status[i][2] != SHOWN]
    assert len(row_withheld) >= 2 and len(col_withheld) >= 2
    assert recoverable(table.values, table.status) == []
    assert_safe(table)


def test_it_does_not_let_the_known_limits_give_two_nines_away():
    """Two "fewer than 10" counts adding up to 18 can only be 9 and 9: more must go."""
    table = protect([[9, 9, 30], [20, 15, 40]])
    assert_safe(table)


def test_it_protects_an_overall_distribution_on_its_own():
    """An item's overall distribution is shown on its own pages too."""
    line = protect_line([120, 4, 60, 33])
    assert line.label(0, 1) == "fewer than 10"
    assert [line.status[0][j] for j in range(4)] == [line.status[1][j] for j in range(4)]
    assert sum(1 for j in range(4) if line.status[0][j] != SHOWN) >= 2
    assert_safe(line)


def test_it_shows_a_table_with_no_small_counts_in_full():
    """Suppression must not hide more than it has to."""
    table = protect([[12, 30, 15], [40, 41, 44]])
    assert table.withheld_cells() == []


# --- properties ----------------------------------------------------------------------------

counts = st.one_of(st.integers(0, 12), st.integers(0, 60))
tables = st.integers(1, 4).flatmap(
    lambda rows: st.integers(2, 4).flatmap(
        lambda cols: st.lists(
            st.lists(counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows
        )
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_it_never_lets_a_withheld_count_in_a_generated_crosstab_be_worked_out(cells):
    """Property: whatever the counts, every withheld count (totals included) is uncertain."""
    assert_safe(protect(cells))


@st.composite
def item_with_breakdowns(draw):
    """Respondents answering one item, split by two demographic questions (blanks included)."""
    answers = draw(st.integers(2, 4))
    n = draw(st.integers(1, 160))
    groups_a = draw(st.integers(1, 3))
    groups_b = draw(st.integers(1, 3))
    people = draw(
        st.lists(
            st.tuples(
                st.integers(0, answers - 1),
                st.integers(0, groups_a),  # the last group is "did not say"
                st.integers(0, groups_b),
            ),
            min_size=n,
            max_size=n,
        )
    )
    overall = [sum(1 for a, _, _ in people if a == k) for k in range(answers)]
    by_a = [
        [sum(1 for a, g, _ in people if a == k and g == row) for k in range(answers)]
        for row in range(groups_a + 1)
    ]
    by_b = [
        [sum(1 for a, _, g in people if a == k and g == row) for k in range(answers)]
        for row in range(groups_b + 1)
    ]
    return overall, {"a": by_a, "b": by_b}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item_with_breakdowns())
def test_it_shows_an_items_overall_distribution_the_same_way_in_every_breakdown(item):
    """Property: each breakdown is safe, and its totals row is the overall distribution as shown."""
    overall, breakdowns = item
    line, tables = protect_item(overall, breakdowns)
    assert_safe(line)
    for key, table in tables.items():
        assert_safe(table)
        rows = len(breakdowns[key])
        for j in range(len(overall) + 1):
            assert table.values[rows][j] == line.values[0][j]
            assert table.status[rows][j] == line.status[0][j]


@pytest.mark.parametrize(
    "cells",
    [
        [[9, 9, 9], [9, 9, 9]],
        [[0, 0], [0, 0]],
        [[100, 0], [0, 100]],
        [[10, 10], [10, 9]],
        [[3]],
        [[50, 50, 50, 1]],
    ],
)
def test_it_protects_awkward_tables(cells):
    """Tables of zeros, nines and a single count are where rules of thumb fail."""
    assert_safe(protect(cells))


def test_it_has_a_verifier_that_catches_a_count_its_total_gives_away():
    """The check is not vacuous: primary suppression alone leaves 5 = 47 - 12 - 30."""
    values = ((12, 30, 5, 47), (40, 41, 44, 125), (52, 71, 49, 172))
    status = tuple(tuple(FEWER_THAN_10 if v < 10 else SHOWN for v in row) for row in values)
    naive = Protected(values=values, status=status)
    assert not another_value_fits(naive, (0, 2))
    assert recoverable(values, status) == [(0, 2)]
