"""Small-number suppression for survey crosstabs, with secondary suppression that is checked.

A table is groups (rows) × answers (columns) of counts, shown with its row totals, column totals
and grand total. The rules:

1. **Primary.** Any count under 10 (zero included), margins included, is shown as
   "fewer than 10".
2. **Secondary.** More counts are withheld (shown as "withheld") until no withheld count can be
   worked out from what is shown. "Worked out" is exact: a reader knows every shown number, that
   rows and columns add up to their totals, that a "fewer than 10" count is 0-9 and that a
   "withheld" count is 10 or more (else it would say fewer than 10). A withheld count is safe
   when at least two values fit all of that.

The check (`recoverable`) is exact, not a rule of thumb: a table with its margins is a
transportation network (source → row → column → sink), every count is the flow on one edge with
the bounds above, and the values a count can take form a whole-number interval (the constraint
matrix is totally unimodular). So a count is safe exactly when its value ± 1 is still feasible,
which is a circulation-with-bounds feasibility test solved by max-flow.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 10
SHOWN = "shown"
FEWER_THAN_10 = "fewer_than_10"
SUPPRESSED = "suppressed"
UNBOUNDED = 10**12

Cell = tuple[int, int]


class CannotProtect(Exception):
    """Every cell the table may change is already withheld and a count is still recoverable."""

    def __init__(self, cell: Cell) -> None:
        self.cell = cell
        super().__init__(f"count at {cell} can still be worked out")


@dataclass(frozen=True)
class Protected:
    """A table with its margins and what is shown for each count.

    `values` and `status` are (rows + 1) × (columns + 1): the last row holds the column totals,
    the last column the row totals, and the bottom-right the grand total.
    """

    values: tuple[tuple[int, ...], ...]
    status: tuple[tuple[str, ...], ...]

    @property
    def rows(self) -> int:
        return len(self.values) - 1

    @property
    def columns(self) -> int:
        return len(self.values[0]) - 1

    def shown(self, i: int, j: int) -> int | None:
        """The count as shown, or None when it is withheld."""
        return self.values[i][j] if self.status[i][j] == SHOWN else None

    def label(self, i: int, j: int) -> str:
        s = self.status[i][j]
        if s == SHOWN:
            return str(self.values[i][j])
        return "fewer than 10" if s == FEWER_THAN_10 else "withheld"

    def withheld_cells(self) -> list[Cell]:
        return [
            (i, j) for i, row in enumerate(self.status) for j, s in enumerate(row) if s != SHOWN
        ]


def with_margins(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with row totals on the right and column totals (and grand total) below."""
    if not cells or not cells[0]:
        raise ValueError("A table needs at least one row and one column.")
    width = len(cells[0])
    if any(len(row) != width for row in cells):
        raise ValueError("Every row needs the same number of columns.")
    if any(v < 0 for row in cells for v in row):
        raise ValueError("Counts cannot be negative.")
    grid = [[*row, sum(row)] for row in cells]
    grid.append([sum(row[j] for row in grid) for j in range(width + 1)])
    return grid


def primary_status(value: int) -> str:
    return FEWER_THAN_10 if value < THRESHOLD else SHOWN


# --- the exact check -----------------------------------------------------------------------


def _bounds(values, status) -> tuple[list[list[int]], list[list[int]]]:
    rows, cols = len(values), len(values[0])
    grand_shown = status[-1][-1] == SHOWN
    upper = values[-1][-1] if grand_shown else UNBOUNDED
    lo = [[0] * cols for _ in range(rows)]
    hi = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            s = status[i][j]
            if s == SHOWN:
                lo[i][j] = hi[i][j] = values[i][j]
            elif s == FEWER_THAN_10:
                lo[i][j], hi[i][j] = 0, THRESHOLD - 1
            else:
                lo[i][j], hi[i][j] = THRESHOLD, upper
    return lo, hi


class _Network:
    """A small max-flow network (Edmonds-Karp); enough for tables of a few dozen counts."""

    def __init__(self, size: int) -> None:
        self.graph: list[list[int]] = [[] for _ in range(size)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def add(self, u: int, v: int, capacity: int) -> None:
        self.graph[u].append(len(self.to))
        self.to.append(v)
        self.cap.append(capacity)
        self.graph[v].append(len(self.to))
        self.to.append(u)
        self.cap.append(0)

    def max_flow(self, source: int, sink: int) -> int:
        total = 0
        while True:
            parent_edge = [-1] * len(self.graph)
            parent_edge[source] = -2
            queue = deque([source])
            while queue and parent_edge[sink] == -1:
                u = queue.popleft()
                for e in self.graph[u]:
                    v = self.to[e]
                    if self.cap[e] > 0 and parent_edge[v] == -1:
                        parent_edge[v] = e
                        queue.append(v)
            if parent_edge[sink] == -1:
                return total
            push = UNBOUNDED * 1000
            v = sink
            while v != source:
                e = parent_edge[v]
                push = min(push, self.cap[e])
                v = self.to[e ^ 1]
            v = sink
            while v != source:
                e = parent_edge[v]
                self.cap[e] -= push
                self.cap[e ^ 1] += push
                v = self.to[e ^ 1]
            total += push


def _feasible(lo: list[list[int]], hi: list[list[int]]) -> bool:
    """Is there a whole-number table within the bounds whose rows and columns add up?"""
    rows, cols = len(lo) - 1, len(lo[0]) - 1
    source, sink = 0, 1
    row_node = [2 + i for i in range(rows)]
    col_node = [2 + rows + j for j in range(cols)]
    super_source, super_sink = 2 + rows + cols, 3 + rows + cols
    net = _Network(4 + rows + cols)
    excess = [0] * (4 + rows + cols)

    def edge(u: int, v: int, low: int, high: int) -> bool:
        if low > high:
            return False
        net.add(u, v, high - low)
        excess[v] += low
        excess[u] -= low
        return True

    ok = True
    for i in range(rows):
        ok &= edge(source, row_node[i], lo[i][cols], hi[i][cols])
        for j in range(cols):
            ok &= edge(row_node[i], col_node[j], lo[i][j], hi[i][j])
    for j in range(cols):
        ok &= edge(col_node[j], sink, lo[rows][j], hi[rows][j])
    ok &= edge(sink, source, lo[rows][cols], hi[rows][cols])
    if not ok:
        return False
    needed = 0
    for node, amount in enumerate(excess):
        if amount > 0:
            net.add(super_source, node, amount)
            needed += amount
        elif amount < 0:
            net.add(node, super_sink, -amount)
    return net.max_flow(super_source, super_sink) == needed


def _determined(values, status, lo, hi, cell: Cell) -> bool:
    i, j = cell
    v = values[i][j]
    for other in (v - 1, v + 1):
        if other < lo[i][j] or other > hi[i][j]:
            continue
        saved = lo[i][j], hi[i][j]
        lo[i][j] = hi[i][j] = other
        ok = _feasible(lo, hi)
        lo[i][j], hi[i][j] = saved
        if ok:
            return False
    return True


def recoverable(
    values: Sequence[Sequence[int]],
    status: Sequence[Sequence[str]],
    first_only: bool = False,
) -> list[Cell]:
    """Withheld counts (margins included) whose exact value follows from what is shown."""
    lo, hi = _bounds(values, status)
    found = []
    for i, row in enumerate(status):
        for j, s in enumerate(row):
            if s != SHOWN and _determined(values, status, lo, hi, (i, j)):
                found.append((i, j))
                if first_only:
                    return found
    return found


# --- choosing what to withhold -------------------------------------------------------------


def protect(
    cells: Sequence[Sequence[int]],
    locked: Mapping[Cell, str] | None = None,
    forced: Iterable[Cell] = (),
) -> Protected:
    """Primary and secondary suppression of a table of counts.

    `locked` fixes how some cells (usually the column totals and grand total, which another
    page already shows as the item's overall distribution) are shown: secondary suppression
    leaves them alone, and raises CannotProtect if it could only succeed by changing them.
    `forced` cells are withheld from the start. A table of one row is an item's overall
    distribution: its column totals are its cells, and they are always shown alike.
    """
    values = with_margins(cells)
    rows, cols = len(values) - 1, len(values[0]) - 1
    single = rows == 1
    locked = dict(locked or {})
    status = [[primary_status(v) for v in row] for row in values]
    for (i, j), s in locked.items():
        if s == SHOWN and values[i][j] < THRESHOLD:
            raise ValueError(f"the count at {(i, j)} is under {THRESHOLD} and cannot be shown")
        if s != SHOWN and status[i][j] == SHOWN:
            status[i][j] = SUPPRESSED
        elif s == SHOWN:
            status[i][j] = SHOWN

    def mirror(i: int, j: int) -> list[Cell]:
        # In a single row, column totals are the cells and the grand total is the row total.
        if single:
            return [(0, j), (1, j)]
        return [(i, j)]

    def withhold(i: int, j: int) -> None:
        for a, b in mirror(i, j):
            if status[a][b] == SHOWN:
                status[a][b] = SUPPRESSED

    for i, j in forced:
        withhold(i, j)
    if single:
        for j in range(cols + 1):
            if status[0][j] != SHOWN or status[1][j] != SHOWN:
                withhold(0, j)
    editable = {
        (i, j)
        for i in range(rows + 1)
        for j in range(cols + 1)
        if (i, j) not in locked and not (single and i == 1)
    }
    while True:
        bad = recoverable(values, status, first_only=True)
        if not bad:
            return Protected(
                values=tuple(tuple(r) for r in values), status=tuple(tuple(r) for r in status)
            )
        bi, bj = bad[0]
        if single:
            bi = 0
        candidates = [
            (i, j) for (i, j) in editable if status[i][j] == SHOWN and (i == bi or j == bj)
        ] or [(i, j) for (i, j) in editable if status[i][j] == SHOWN]
        if not candidates:
            raise CannotProtect(bad[0])
        # Least information lost first: cells before totals, small counts before large ones.
        i, j = min(candidates, key=lambda c: (c[0] == rows or c[1] == cols, values[c[0]][c[1]], c))
        withhold(i, j)


def protect_line(counts: Sequence[int], forced: Iterable[int] = ()) -> Protected:
    """One item's overall distribution: counts per answer and their total."""
    return protect([list(counts)], forced=[(0, j) for j in forced])


def protect_item(
    overall: Sequence[int], breakdowns: Mapping[str, Sequence[Sequence[int]]]
) -> tuple[Protected, dict[str, Protected]]:
    """An item's overall distribution and its breakdowns, protected together.

    Each breakdown's column totals are the overall distribution, so they must be shown the
    same way everywhere. When a breakdown can only be protected by withholding one of them,
    it is withheld in the overall distribution too and everything is protected again.
    """
    forced: set[int] = set()
    while True:
        line = protect_line(overall, forced)
        cols = len(overall)
        locked = {(-1, j): line.status[0][j] for j in range(cols)}
        locked[(-1, cols)] = line.status[0][cols]
        results: dict[str, Protected] = {}
        retry = False
        for key, cells in breakdowns.items():
            rows = len(cells)
            table_locked = {(rows, j): s for (_, j), s in locked.items()}
            try:
                results[key] = protect(cells, locked=table_locked)
            except CannotProtect as exc:
                shown = [j for j in range(cols + 1) if line.status[0][j] == SHOWN]
                if not shown:
                    raise
                _, bad_col = exc.cell
                pick = bad_col if bad_col in shown else min(shown, key=lambda j: line.values[0][j])
                forced.add(pick)
                retry = True
                break
        if not retry:
            return line, results
