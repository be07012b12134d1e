"""The sums a strategic assessment needs, as plain typed functions over the imported data.

Arithmetic helpers take and return plain numbers; the query helpers take area ids and a period and
return plain data, so each can be checked against figures worked out by hand. Anti-social
behaviour is never part of a crime total: every crime count excludes it, and ASB has its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from partners.models import AreaPopulation

from .models import ASB, CrimeRecord, CrimeTypeMapping, OffenceCount, Place

ONE_PLACE = Decimal("0.1")
# police.uk locations that name no street: "On or near " with nothing after, or none at all.
NO_STREET = ["On or near ", "On or near", "No Location", ""]


# --- arithmetic ------------------------------------------------------------------------------


def round1(value: Decimal) -> Decimal:
    """Half up to one decimal place, as published statistics round."""
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def rate_per_1000(count: int, population: int) -> Decimal:
    """Offences per 1,000 population: 13,310 offences among 107,860 people is 123.4."""
    if population <= 0:
        raise ValueError("population must be positive")
    return round1(Decimal(count) * 1000 / Decimal(population))


def change_percent(current: int | Decimal, previous: int | Decimal | None) -> Decimal | None:
    """Percentage change on the previous value; None when there is nothing to compare with."""
    if previous is None or previous == 0:
        return None
    return round1((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous))


def share_percent(part: int | Decimal, total: int | Decimal) -> Decimal | None:
    """`part` as a percentage of `total`, or None when the total is nothing."""
    if not total:
        return None
    return round1(Decimal(part) * 100 / Decimal(total))


def change_in_words(percent: Decimal | None) -> str:
    """ "down 2.2%", "up 3.0%" or "no change"; empty when there is no comparison."""
    if percent is None:
        return ""
    if percent == 0:
        return "no change"
    size = format(abs(percent).normalize(), "f")
    return f"{'up' if percent > 0 else 'down'} {size}%"


def change_arrow(percent: Decimal | None) -> str:
    if percent is None:
        return ""
    return "↑" if percent > 0 else "↓" if percent < 0 else "→"


def rank_of(values: dict[str, Decimal], subject: str) -> tuple[int, int]:
    """Rank of `subject` (1 = highest) among `values`, ties sharing a rank; and how many."""
    mine = values[subject]
    return 1 + sum(1 for v in values.values() if v > mine), len(values)


# --- periods ---------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(day, 1) - dt.timedelta(days=1)


def months_in(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month from `start`'s month to `end`'s, inclusive."""
    out, month = [], month_start(start)
    while month <= end:
        out.append(month)
        month = add_months(month, 1)
    return out


def twelve_months_ending(last_month: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months ending with `last_month`: 2024-09 gives 1 Oct 2023 to 30 Sep 2024."""
    return add_months(last_month, -11), month_end(last_month)


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same number of whole months just before [start, end]."""
    length = len(months_in(start, end))
    return add_months(start, -length), month_start(start) - dt.timedelta(days=1)


# --- police.uk data --------------------------------------------------------------------------


def _records(area_ids: Iterable[int], start: dt.date, end: dt.date):
    return CrimeRecord.objects.filter(
        area_id__in=list(area_ids), month__gte=month_start(start), month__lte=end
    )


def crime_total(area_ids: Iterable[int], start: dt.date, end: dt.date) -> int:
    """Recorded crime in the areas over the period, ASB excluded."""
    return _records(area_ids, start, end).crimes().count()


def asb_total(area_ids: Iterable[int], start: dt.date, end: dt.date) -> int:
    return _records(area_ids, start, end).asb().count()


@dataclass(frozen=True)
class Total:
    """A total for a period with the previous period's and the change between them."""

    current: int
    previous: int
    change: Decimal | None


def total_with_change(
    area_ids: Sequence[int], start: dt.date, end: dt.date, asb: bool = False
) -> Total:
    """This period's total (crime, or ASB) against the same length of time just before."""
    count = asb_total if asb else crime_total
    prev_start, prev_end = previous_period(start, end)
    current, previous = count(area_ids, start, end), count(area_ids, prev_start, prev_end)
    return Total(current, previous, change_percent(current, previous))


def counts_by_crime_type(area_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[str, int]:
    """Crimes per police.uk crime type, ASB excluded."""
    rows = (
        _records(area_ids, start, end)
        .crimes()
        .values("crime_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["crime_type"]: r["n"] for r in rows}


@dataclass(frozen=True)
class CategoryRow:
    crime_type: str
    count: int
    previous: int
    change: Decimal | None
    share: Decimal | None


def category_rows(current: dict[str, int], previous: dict[str, int]) -> list[CategoryRow]:
    """Each crime type's count, change on the previous period and share of all crime."""
    total = sum(current.values())
    rows = [
        CategoryRow(
            crime_type=t,
            count=current.get(t, 0),
            previous=previous.get(t, 0),
            change=change_percent(current.get(t, 0), previous.get(t, 0)),
            share=share_percent(current.get(t, 0), total),
        )
        for t in set(current) | set(previous)
    ]
    return sorted(rows, key=lambda r: (-r.count, r.crime_type))


@dataclass(frozen=True)
class MonthCount:
    month: dt.date
    crimes: int
    asb: int


def monthly_counts(area_ids: Iterable[int], start: dt.date, end: dt.date) -> list[MonthCount]:
    """Crime and ASB per month, with a zero for every month without data."""
    rows = (
        _records(area_ids, start, end)
        .values("month")
        .annotate(asb=Count("pk", filter=Q(crime_type=ASB)), all=Count("pk"))
        .order_by()
    )
    by_month = {r["month"]: (r["all"] - r["asb"], r["asb"]) for r in rows}
    return [MonthCount(m, *by_month.get(m, (0, 0))) for m in months_in(start, end)]


def months_without_data(area_ids: Iterable[int], start: dt.date, end: dt.date) -> list[dt.date]:
    have = set(_records(area_ids, start, end).values_list("month", flat=True).distinct())
    return [m for m in months_in(start, end) if m not in have]


@dataclass(frozen=True)
class Hotspot:
    label: str
    lsoa_name: str
    count: int


def top_locations(
    area_ids: Iterable[int],
    start: dt.date,
    end: dt.date,
    crime_type: str | None = None,
    limit: int = 10,
) -> tuple[list[Hotspot], int]:
    """The streets with most crime (or most of one type), and how many had no street named.

    A street is its police.uk location within an LSOA ("On or near High Street" in two LSOAs
    is two places). Rows whose location names no street are counted, not ranked.
    """
    records = _filter_type(_records(area_ids, start, end), crime_type)
    unnamed = records.filter(location__in=NO_STREET).count()
    rows = (
        records.exclude(location__in=NO_STREET)
        .values("location", "lsoa_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "location", "lsoa_name")[:limit]
    )
    return [Hotspot(r["location"], r["lsoa_name"], r["n"]) for r in rows], unnamed


def top_lsoas(
    area_ids: Iterable[int],
    start: dt.date,
    end: dt.date,
    crime_type: str | None = None,
    limit: int = 10,
) -> list[Hotspot]:
    """The LSOAs with most crime (or most of one type)."""
    rows = (
        _filter_type(_records(area_ids, start, end), crime_type)
        .exclude(lsoa_code="")
        .values("lsoa_code", "lsoa_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "lsoa_name")[:limit]
    )
    return [Hotspot(r["lsoa_code"], r["lsoa_name"], r["n"]) for r in rows]


def _filter_type(records, crime_type: str | None):
    """One crime type (ASB included if asked for by name), or all crime without ASB."""
    return records.filter(crime_type=crime_type) if crime_type else records.crimes()


@dataclass(frozen=True)
class PlaceShare:
    place: str
    at_place: int
    total: int
    share: Decimal | None


def place_share(place: Place, area_ids: Iterable[int], start: dt.date, end: dt.date) -> PlaceShare:
    """How much of the areas' crime happened at an officer-defined place (e.g. Bluewater)."""
    records = _records(area_ids, start, end).crimes()
    total = records.count()
    at_place = records.filter(place.records_q()).count()
    return PlaceShare(place.name, at_place, total, share_percent(at_place, total))


# --- population ------------------------------------------------------------------------------


def population(area_ids: Sequence[int], year: int, look_back: int = 5) -> tuple[int, int] | None:
    """The areas' combined mid-year population for `year`, or the latest earlier year that has
    one for every area; with the year used. None when no year has them all."""
    wanted = set(area_ids)
    rows = AreaPopulation.objects.filter(
        area_id__in=wanted, year__lte=year, year__gte=year - look_back
    ).values_list("year", "area_id", "population")
    by_year: dict[int, dict[int, int]] = {}
    for y, area_id, people in rows:
        by_year.setdefault(y, {})[area_id] = people
    for y in sorted(by_year, reverse=True):
        if set(by_year[y]) == wanted:
            return sum(by_year[y].values()), y
    return None


# --- Home Office CSP tables ------------------------------------------------------------------


def quarters_in(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the quarters (Jan, Apr, Jul, Oct) wholly inside [start, end]."""
    out = []
    for m in months_in(start, end):
        if m.month in (1, 4, 7, 10) and month_end(add_months(m, 2)) <= end and m >= start:
            out.append(m)
    return out


def csp_totals(force: str, start: dt.date, end: dt.date) -> dict[str, int]:
    """Home Office recorded offences per CSP of a force over the period's quarters.

    "Unassigned" pseudo-CSPs are left out: they belong to the force, not to a partnership.
    CSP names are matched whatever their capitals.
    """
    rows = (
        OffenceCount.objects.filter(
            force__iexact=force, quarter_start__in=quarters_in(start, end), is_unassigned=False
        )
        .values("csp_name")
        .annotate(n=Sum("count"))
        .order_by()
    )
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    for r in sorted(rows, key=lambda r: (r["csp_name"].isupper(), r["csp_name"])):
        key = " ".join(r["csp_name"].split()).casefold()
        names.setdefault(key, " ".join(r["csp_name"].split()))  # prefer a spelling not in capitals
        counts[key] = counts.get(key, 0) + r["n"]
    return {names[k]: n for k, n in counts.items()}


@dataclass(frozen=True)
class CspRate:
    csp: str
    offences: int
    population: int | None
    rate: Decimal | None


def csp_rates(totals: dict[str, int], populations: dict[str, int]) -> list[CspRate]:
    """Each CSP's rate per 1,000 population, highest first; CSPs with no population last."""
    rows = [
        CspRate(
            csp,
            n,
            populations.get(csp.casefold()),
            rate_per_1000(n, populations[csp.casefold()])
            if populations.get(csp.casefold())
            else None,
        )
        for csp, n in totals.items()
    ]
    return sorted(rows, key=lambda r: (r.rate is None, -(r.rate or 0), r.csp))


def home_office_by_crime_type(
    rows: Iterable[tuple[str, str, int]], mapping: Iterable[CrimeTypeMapping] | None = None
) -> dict[str, int]:
    """Home Office counts (offence group, subgroup, count) per police.uk crime type.

    A subgroup-level mapping wins over a group-level one; unmapped rows go to "Not mapped".
    """
    mapping = list(mapping if mapping is not None else CrimeTypeMapping.objects.all())
    by_sub = {
        (m.offence_group.casefold(), m.offence_subgroup.casefold()): m.crime_type
        for m in mapping
        if m.offence_subgroup
    }
    by_group = {m.offence_group.casefold(): m.crime_type for m in mapping if not m.offence_subgroup}
    out: dict[str, int] = {}
    for group, subgroup, count in rows:
        key = by_sub.get((group.casefold(), subgroup.casefold())) or by_group.get(
            group.casefold(), "Not mapped"
        )
        out[key] = out.get(key, 0) + count
    return out
