"""Survey arithmetic as plain typed functions over plain data (no database access).

Figures come in as `Figure`s (one answer's count and/or percentage) grouped per item; the
functions here turn them into distributions, net concern, rankings and comparisons. Counts that
small-number suppression withholds arrive with `disclosure` set and no usable count, and every
function here keeps them withheld: nothing derived from them is ever shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from difflib import SequenceMatcher

SHOWN = "shown"
FEWER_THAN_10 = "fewer_than_10"
SUPPRESSED = "suppressed"

HUNDRED = Decimal(100)


# --- published percentages ------------------------------------------------------------------


def percent(count: int, base: int, places: int = 1) -> Decimal:
    """count / base as a percentage, rounded half up to `places` decimal places."""
    if base <= 0:
        raise ValueError("A percentage needs a base of at least 1.")
    exact = Decimal(count) * HUNDRED / Decimal(base)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def check_published_percentage(
    count: int | None, base: int | None, published: Decimal | None, places: int
) -> str:
    """How a published percentage relates to its count: '' agrees, or a flag naming the quirk.

    'rounded_down' when the document truncated (61 of 154 = 39.6%, published 39%);
    'disagrees' when neither rounding gives it (37 of 407 = 9.1%, published 10%);
    'no_count' when only the percentage is published.
    """
    if published is None:
        return ""
    if count is None:
        return "no_count" if base is not None else ""
    if not base:
        return ""
    exact = Decimal(count) * HUNDRED / Decimal(base)
    quantum = Decimal(1).scaleb(-places)
    if exact.quantize(quantum, rounding=ROUND_HALF_UP) == published:
        return ""
    if exact.quantize(quantum, rounding=ROUND_FLOOR) == published:
        return "rounded_down"
    return "disagrees"


# --- distributions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One answer's figure for one item, published or computed."""

    label: str
    count: int | None = None
    percentage: Decimal | None = None
    places: int = 0
    concern: bool = False
    dont_know: bool = False
    disclosure: str = SHOWN
    flag: str = ""
    chart_percentage: Decimal | None = None
    note: str = ""
    standard_label: str = ""

    @property
    def withheld(self) -> bool:
        return self.disclosure != SHOWN


@dataclass(frozen=True)
class Share:
    """One answer in a distribution: what is shown for it."""

    label: str
    count: int | None
    percentage: Decimal | None
    places: int
    disclosure: str
    concern: bool
    dont_know: bool
    computed_percentage: Decimal | None = None
    figure: Figure | None = None

    @property
    def withheld(self) -> bool:
        return self.disclosure != SHOWN


@dataclass(frozen=True)
class Distribution:
    """An item's answers in %, with the base they are of and their sum (published rows: 99-102)."""

    shares: tuple[Share, ...]
    base: int | None
    base_disclosure: str
    row_sum: Decimal | None
    excludes_dont_know: bool
    derived_from_percentages: bool
    unavailable_reason: str = ""

    @property
    def net_concern(self) -> Decimal | None:
        return net_concern(self)


def distribution(
    figures: Sequence[Figure],
    base: int | None = None,
    base_disclosure: str = SHOWN,
    exclude_dont_know: bool = False,
) -> Distribution:
    """Per-answer percentages of an item, optionally leaving "Don't know" out of the base.

    Published percentages are kept as published (with the percentage their count gives
    alongside, where there is one), and leaving "Don't know" out rescales them (marked
    `derived_from_percentages`). Counts without percentages (computed results) give
    percentages to 1 decimal place. A withheld count keeps its percentage withheld, and a
    base that would reveal a withheld count is not shown.
    """
    dk = [f for f in figures if f.dont_know]
    kept = [f for f in figures if not (exclude_dont_know and f.dont_know)]
    # Published percentages are kept as published; counts alone are turned into percentages.
    from_counts = (
        base is not None
        and all(f.percentage is None for f in figures)
        and all(f.count is not None or f.withheld for f in figures)
    )
    if from_counts:
        return _distribution_from_counts(
            figures, kept, dk, base, base_disclosure, exclude_dont_know
        )
    return _distribution_from_percentages(
        figures, kept, dk, base, base_disclosure, exclude_dont_know
    )


def _distribution_from_counts(figures, kept, dk, base, base_disclosure, exclude_dont_know):
    reason = ""
    effective_base: int | None = base
    effective_disclosure = base_disclosure
    if exclude_dont_know and dk:
        if any(f.withheld for f in dk) or base_disclosure != SHOWN:
            # base - "Don't know" would reveal a withheld number.
            effective_base, effective_disclosure = None, SUPPRESSED
            reason = (
                "Not shown without “Don’t know”: the number answering “Don’t know” is withheld."
            )
        else:
            effective_base = base - sum(f.count for f in dk)
    shares = []
    for f in kept:
        pct = None
        if not f.withheld and effective_disclosure == SHOWN and effective_base:
            pct = percent(f.count, effective_base)
        shares.append(
            Share(
                label=f.label,
                count=None if f.withheld else f.count,
                percentage=pct,
                places=1,
                disclosure=f.disclosure,
                concern=f.concern,
                dont_know=f.dont_know,
                computed_percentage=pct,
                figure=f,
            )
        )
    shown = [s.percentage for s in shares if s.percentage is not None]
    row_sum = sum(shown, Decimal(0)) if shown and len(shown) == len(shares) else None
    return Distribution(
        shares=tuple(shares),
        base=effective_base if effective_disclosure == SHOWN else None,
        base_disclosure=effective_disclosure,
        row_sum=row_sum,
        excludes_dont_know=exclude_dont_know and bool(dk),
        derived_from_percentages=False,
        unavailable_reason=reason,
    )


def _distribution_from_percentages(figures, kept, dk, base, base_disclosure, exclude_dont_know):
    scale = None
    derived = False
    if exclude_dont_know and dk:
        dk_total = sum((f.percentage or Decimal(0)) for f in dk)
        if dk_total < HUNDRED:
            scale = HUNDRED / (HUNDRED - dk_total)
            derived = True
    shares = []
    for f in kept:
        pct = f.percentage
        places = f.places
        if pct is not None and scale is not None:
            pct = (pct * scale).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            places = 1
        computed = None
        if f.count is not None and base:
            computed = percent(f.count, base)
        shares.append(
            Share(
                label=f.label,
                count=f.count,
                percentage=pct,
                places=places,
                disclosure=f.disclosure,
                concern=f.concern,
                dont_know=f.dont_know,
                computed_percentage=computed,
                figure=f,
            )
        )
    values = [s.percentage for s in shares]
    row_sum = sum(values, Decimal(0)) if values and all(v is not None for v in values) else None
    return Distribution(
        shares=tuple(shares),
        base=base,
        base_disclosure=base_disclosure,
        row_sum=row_sum,
        excludes_dont_know=derived,
        derived_from_percentages=derived,
    )


def net_concern(dist: Distribution) -> Decimal | None:
    """Very big + fairly big problem, in %; None if any part of it is withheld or missing."""
    parts = [s for s in dist.shares if s.concern]
    if not parts or any(s.withheld or s.percentage is None for s in parts):
        return None
    if not dist.derived_from_percentages and all(s.count is not None for s in parts) and dist.base:
        return percent(sum(s.count for s in parts), dist.base)
    return sum((s.percentage for s in parts), Decimal(0))


# --- rankings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """An item's place in a ranking; `rank_label` shows ties as "3=" (UK convention)."""

    key: str
    value: Decimal | None
    rank: int | None
    tied: bool

    @property
    def rank_label(self) -> str:
        if self.rank is None:
            return "Not ranked"
        return f"{self.rank}=" if self.tied else str(self.rank)


def rank(values: Iterable[tuple[str, Decimal | None]]) -> list[Ranked]:
    """Highest first; equal values share a rank (1, 2=, 2=, 4); missing ones last, unranked."""
    items = list(values)
    present = sorted(
        ((k, v) for k, v in items if v is not None), key=lambda kv: kv[1], reverse=True
    )
    counts: dict[Decimal, int] = {}
    for _, v in present:
        counts[v] = counts.get(v, 0) + 1
    out: list[Ranked] = []
    previous: Decimal | None = None
    current_rank = 0
    for position, (k, v) in enumerate(present, start=1):
        if v != previous:
            current_rank = position
            previous = v
        out.append(Ranked(key=k, value=v, rank=current_rank, tied=counts[v] > 1))
    out.extend(Ranked(key=k, value=None, rank=None, tied=False) for k, v in items if v is None)
    return out


# --- matching texts --------------------------------------------------------------------------

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def normalise_text(text: str) -> str:
    """Case, accents, curly quotes, dashes, punctuation and spacing folded away for matching."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES).casefold()
    text = re.sub(r"[^\w\s']", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def similarity(a: str, b: str) -> float:
    """0-1 similarity of two texts after normalising ("Theft of motor vehicles" ~ "...vehicle")."""
    na, nb = normalise_text(a), normalise_text(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    return SequenceMatcher(None, na, nb).ratio()


def best_matches(
    targets: Sequence[tuple[str, str]], candidates: Sequence[tuple[str, str]], threshold: float
) -> dict[str, tuple[str, float]]:
    """For each target (key, text), the most similar candidate (key, text) above `threshold`.

    Each candidate is used at most once, best pairs first, so two targets with the same text
    (two "Robbery" columns) go to two different candidates in order.
    """
    pairs = []
    for ti, (tk, tt) in enumerate(targets):
        for ci, (ck, ct) in enumerate(candidates):
            score = similarity(tt, ct)
            if score >= threshold:
                pairs.append((-score, ti, ci, tk, ck))
    pairs.sort()
    used_t: set[str] = set()
    used_c: set[str] = set()
    out: dict[str, tuple[str, float]] = {}
    for neg, _ti, _ci, tk, ck in pairs:
        if tk in used_t or ck in used_c:
            continue
        used_t.add(tk)
        used_c.add(ck)
        out[tk] = (ck, -neg)
    return out


# --- comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """What one survey says about an item, in words and as a percentage."""

    kind: str  # "net_concern" | "chosen"
    percentage: Decimal | None
    description: str
    base: int | None = None
    count: int | None = None


@dataclass(frozen=True)
class ComparisonRow:
    earlier_label: str
    later_label: str
    earlier: Measure
    later: Measure
    like_for_like: bool
    difference: Decimal | None = field(default=None)


def compare(
    earlier_label: str, earlier: Measure, later_label: str, later: Measure
) -> ComparisonRow:
    """Two surveys' measures of one item; a difference only when both asked the same way."""
    same = earlier.kind == later.kind == "net_concern"
    diff = None
    if same and earlier.percentage is not None and later.percentage is not None:
        diff = later.percentage - earlier.percentage
    return ComparisonRow(
        earlier_label=earlier_label,
        later_label=later_label,
        earlier=earlier,
        later=later,
        like_for_like=same,
        difference=diff,
    )


def tidy(value: Decimal | None, places: int | None = None) -> Decimal | None:
    """29.00 → 29, 9.10 → 9.1; with places, as published: 27.00 → 27.0."""
    if value is None:
        return None
    if places is not None:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def format_percentage(value: Decimal | None, places: int | None = None) -> str:
    """'9.1%' / '10%' / '' — as published when `places` is given."""
    if value is None:
        return ""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    else:
        value = value.normalize()
        if value == value.to_integral():
            value = value.quantize(Decimal(1))
    return f"{value}%"
