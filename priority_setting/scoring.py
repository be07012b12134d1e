"""The matrix's arithmetic as plain typed functions over plain numbers (no database access).

Each criterion is put on a common 0-100 scale by min-max normalisation across the candidates
that have evidence for it; a candidate without evidence for a criterion stays None (missing,
never zero) and that criterion is left out of its weighted total, which is the weighted mean of
the criteria it has evidence for. The page states the same rules in words (METHOD).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

HUNDRED = Decimal(100)
# When every candidate with evidence has the same value the criterion separates nobody:
# each gets the middle of the scale rather than all 0 or all 100.
TIE_SCORE = Decimal(50)

METHOD = (
    "Each criterion is put on a scale of 0 to 100 across the candidates that have evidence for "
    "it: the lowest value scores 0, the highest 100, and the rest in proportion (min-max "
    "normalisation). When every candidate has the same value, each scores 50. A higher value "
    "always means a stronger case for a priority: more crime, more harm, more concern, more "
    "the partnership adds, and a rising trend (a fall of 28% scores below a fall of 2%). "
    "Missing evidence is shown as missing, never as 0: the total is the weighted average of "
    "the criteria a candidate has evidence for, and the matrix says how many that is."
)


def round1(value: Decimal) -> Decimal:
    """Half up to one decimal place, as the rest of the portal rounds."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- evidence per criterion --------------------------------------------------------------------


def share_of(part: Decimal | None, total: Decimal | None) -> Decimal | None:
    """`part` as a percentage of `total`; None when either is unknown or the total is nothing."""
    if part is None or not total:
        return None
    return Decimal(part) * HUNDRED / Decimal(total)


def combined_change(
    pairs: Sequence[tuple[Decimal | None, Decimal | None]], published: Sequence[Decimal | None]
) -> Decimal | None:
    """Percentage change of several figures taken together.

    With both periods' counts for every figure: the change of their sums. Otherwise the average
    of the published percentage changes there are; None when there are none.
    """
    if pairs and all(now is not None and before for now, before in pairs):
        now_total = sum((Decimal(n) for n, _ in pairs), Decimal(0))
        before_total = sum((Decimal(b) for _, b in pairs), Decimal(0))
        return (now_total - before_total) * HUNDRED / before_total
    return mean(published)


def mean(values: Iterable[Decimal | None]) -> Decimal | None:
    """The average of the values there are; None when there are none."""
    present = [Decimal(v) for v in values if v is not None]
    if not present:
        return None
    return sum(present, Decimal(0)) / len(present)


# --- normalisation and totals ------------------------------------------------------------------


def normalise(values: Mapping[K, Decimal | None]) -> dict[K, Decimal | None]:
    """Min-max to 0-100 across the present values; missing stays None, all-equal gives 50."""
    present = [Decimal(v) for v in values.values() if v is not None]
    if not present:
        return dict.fromkeys(values)
    low, high = min(present), max(present)
    out: dict[K, Decimal | None] = {}
    for key, value in values.items():
        if value is None:
            out[key] = None
        elif high == low:
            out[key] = TIE_SCORE
        else:
            out[key] = (Decimal(value) - low) * HUNDRED / (high - low)
    return out


def weighted_total(
    scores: Mapping[str, Decimal | None], weights: Mapping[str, Decimal]
) -> Decimal | None:
    """Weighted average of the scores present; criteria weighted 0 or missing are left out."""
    used = [(scores[c], Decimal(w)) for c, w in weights.items() if scores.get(c) is not None and w]
    total_weight = sum((w for _, w in used), Decimal(0))
    if not used or total_weight <= 0:
        return None
    return sum((s * w for s, w in used), Decimal(0)) / total_weight


@dataclass(frozen=True)
class Ranked:
    """A place in the ranking: ties share a rank and show as "3=" (UK convention)."""

    rank: int | None
    tied: bool

    @property
    def label(self) -> str:
        if self.rank is None:
            return "Not ranked"
        return f"{self.rank}=" if self.tied else str(self.rank)


def rank(totals: Mapping[K, Decimal | None], places: int = 1) -> dict[K, Ranked]:
    """Highest first, compared as shown (to `places` decimals); None last and unranked."""
    shown = {
        k: (None if v is None else v.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
        for k, v in totals.items()
    }
    present = sorted((v for v in shown.values() if v is not None), reverse=True)
    out: dict[K, Ranked] = {}
    for key, value in shown.items():
        if value is None:
            out[key] = Ranked(None, False)
        else:
            out[key] = Ranked(present.index(value) + 1, present.count(value) > 1)
    return out


@dataclass(frozen=True)
class Row:
    """One candidate's line of the matrix: evidence, scores, total and rank."""

    key: Hashable
    raw: dict[str, Decimal | None]
    scores: dict[str, Decimal | None]
    total: Decimal | None
    ranked: Ranked

    @property
    def criteria_used(self) -> int:
        return sum(1 for v in self.scores.values() if v is not None)


def score_matrix(
    evidence: Mapping[K, Mapping[str, Decimal | None]], weights: Mapping[str, Decimal]
) -> list[Row]:
    """Normalise each criterion, total each candidate, rank; best first, missing totals last."""
    criteria = list(weights)
    normalised = {c: normalise({k: ev.get(c) for k, ev in evidence.items()}) for c in criteria}
    totals: dict[K, Decimal | None] = {}
    scores: dict[K, dict[str, Decimal | None]] = {}
    for key in evidence:
        scores[key] = {c: normalised[c][key] for c in criteria}
        totals[key] = weighted_total(scores[key], weights)
    ranks = rank(totals)
    rows = [
        Row(
            key=key,
            raw={c: evidence[key].get(c) for c in criteria},
            scores=scores[key],
            total=totals[key],
            ranked=ranks[key],
        )
        for key in evidence
    ]
    order = {key: i for i, key in enumerate(evidence)}
    rows.sort(key=lambda r: (r.ranked.rank is None, r.ranked.rank or 0, order[r.key]))
    return rows
