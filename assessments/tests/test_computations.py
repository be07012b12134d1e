"""The assessment sums, checked against numbers worked out by hand."""

import datetime as dt
import zlib
from decimal import Decimal

import pytest

from assessments import computations as c
from assessments.models import ASB, CrimeRecord, ImportRun, OffenceCount, Place
from partners.models import Area, AreaPopulation

D = dt.date
VIOLENCE = "Violence and sexual offences"
PERIOD = (D(2023, 10, 1), D(2024, 9, 30))


def test_it_works_out_a_rate_per_1000_population():
    assert c.rate_per_1000(13_310, 107_860) == Decimal("123.4")


def test_it_refuses_a_rate_without_population():
    with pytest.raises(ValueError, match="population"):
        c.rate_per_1000(10, 0)


def test_it_works_out_change_and_share():
    assert c.change_percent(12_066, 12_337) == Decimal("-2.2")
    assert c.change_percent(11, 10) == Decimal("10.0")
    assert c.change_percent(5, 0) is None
    assert c.share_percent(7, 11) == Decimal("63.6")
    assert c.share_percent(1, 0) is None


def test_it_says_the_change_in_words_and_with_an_arrow():
    assert (c.change_in_words(Decimal("-2.2")), c.change_arrow(Decimal("-2.2"))) == (
        "down 2.2%",
        "↓",
    )
    assert (c.change_in_words(Decimal("3.5")), c.change_arrow(Decimal("3.5"))) == ("up 3.5%", "↑")
    assert c.change_in_words(Decimal("-28.0")) == "down 28%"  # as the document wrote it
    assert (c.change_in_words(Decimal("0")), c.change_arrow(Decimal("0"))) == ("no change", "→")
    assert c.change_in_words(None) == c.change_arrow(None) == ""


def test_it_ranks_with_ties_sharing_a_place():
    rates = {"A": Decimal(150), "B": Decimal("123.4"), "C": Decimal(160), "D": Decimal("123.4")}
    assert c.rank_of(rates, "B") == (3, 4)
    assert c.rank_of(rates, "C") == (1, 4)


def test_it_works_out_twelve_month_periods_and_the_one_before():
    assert c.twelve_months_ending(D(2024, 9, 1)) == PERIOD
    assert c.previous_period(*PERIOD) == (D(2022, 10, 1), D(2023, 9, 30))
    assert len(c.months_in(*PERIOD)) == 12
    assert c.quarters_in(*PERIOD) == [D(2023, 10, 1), D(2024, 1, 1), D(2024, 4, 1), D(2024, 7, 1)]


@pytest.fixture
def data(dartford):
    """A small hand-made year: 11 crimes and 4 ASB incidents now; 10 and 5 the year before."""
    run = ImportRun.objects.create(kind=ImportRun.Kind.POLICE_UK)
    dartford_area = Area.objects.get(name="Dartford")
    gravesham = Area.objects.get(name="Gravesham")

    def add(n, month, crime_type, location="On or near ", lsoa="Dartford 001A", area=None, **kw):
        for _ in range(n):
            CrimeRecord.objects.create(
                force="Kent Police",
                month=month,
                crime_type=crime_type,
                location=location,
                lsoa_name=lsoa,
                lsoa_code=f"E0{zlib.crc32(lsoa.encode()) % 10**7:07d}",
                area=area or dartford_area,
                import_run=run,
                **kw,
            )

    # this period
    add(3, D(2023, 10, 1), "Burglary", "On or near High Street")
    add(2, D(2023, 10, 1), VIOLENCE)  # no street named
    add(4, D(2023, 10, 1), ASB, "On or near Park")
    add(
        5,
        D(2024, 3, 1),
        VIOLENCE,
        "On or near Bluewater Parkway",
        "Dartford 006B",
        longitude=0.27,
        latitude=51.44,
    )
    add(1, D(2024, 9, 1), "Drugs", "On or near High Street", "Dartford 002A")
    # the period before
    add(4, D(2023, 1, 1), "Burglary")
    add(6, D(2023, 1, 1), VIOLENCE)
    add(5, D(2023, 1, 1), ASB)
    # outside both periods, and another area
    add(7, D(2024, 10, 1), VIOLENCE)
    add(9, D(2022, 9, 1), VIOLENCE)
    add(100, D(2024, 3, 1), VIOLENCE, lsoa="Gravesham 001A", area=gravesham)
    return [dartford_area.pk]


def test_it_totals_crime_without_asb_and_compares_with_the_year_before(data):
    assert c.total_with_change(data, *PERIOD) == c.Total(11, 10, Decimal("10.0"))
    assert c.total_with_change(data, *PERIOD, asb=True) == c.Total(4, 5, Decimal("-20.0"))


def test_it_breaks_crime_down_by_category_with_shares(data):
    rows = c.category_rows(
        c.counts_by_crime_type(data, *PERIOD),
        c.counts_by_crime_type(data, *c.previous_period(*PERIOD)),
    )
    assert rows == [
        c.CategoryRow(VIOLENCE, 7, 6, Decimal("16.7"), Decimal("63.6")),
        c.CategoryRow("Burglary", 3, 4, Decimal("-25.0"), Decimal("27.3")),
        c.CategoryRow("Drugs", 1, 0, None, Decimal("9.1")),
    ]
    assert ASB not in {r.crime_type for r in rows}


def test_it_counts_every_month_including_empty_ones(data):
    months = c.monthly_counts(data, *PERIOD)
    assert len(months) == 12
    assert months[0] == c.MonthCount(D(2023, 10, 1), 5, 4)
    assert months[5] == c.MonthCount(D(2024, 3, 1), 5, 0)
    assert months[11] == c.MonthCount(D(2024, 9, 1), 1, 0)
    assert sum(m.crimes for m in months) == 11
    assert c.months_without_data(data, *PERIOD) == [
        m.month for m in months if m.month not in (D(2023, 10, 1), D(2024, 3, 1), D(2024, 9, 1))
    ]


def test_it_finds_hotspot_streets_and_counts_rows_without_a_street(data):
    streets, unnamed = c.top_locations(data, *PERIOD)
    assert streets == [
        c.Hotspot("On or near Bluewater Parkway", "Dartford 006B", 5),
        c.Hotspot("On or near High Street", "Dartford 001A", 3),
        c.Hotspot("On or near High Street", "Dartford 002A", 1),
    ]
    assert unnamed == 2
    violent, unnamed_violent = c.top_locations(data, *PERIOD, crime_type=VIOLENCE)
    assert [(h.label, h.count) for h in violent] == [("On or near Bluewater Parkway", 5)]
    assert unnamed_violent == 2


def test_it_finds_hotspot_lsoas(data):
    assert [(h.lsoa_name, h.count) for h in c.top_lsoas(data, *PERIOD)] == [
        ("Dartford 001A", 5),
        ("Dartford 006B", 5),
        ("Dartford 002A", 1),
    ]
    assert [(h.lsoa_name, h.count) for h in c.top_lsoas(data, *PERIOD, crime_type=ASB)] == [
        ("Dartford 001A", 4)
    ]


def test_it_works_out_the_share_of_crime_at_a_place(data, dartford):
    bluewater = Place.objects.create(
        partnership=dartford,
        name="Bluewater",
        min_longitude=0.26,
        max_longitude=0.28,
        min_latitude=51.43,
        max_latitude=51.45,
    )
    assert c.place_share(bluewater, data, *PERIOD) == c.PlaceShare(
        "Bluewater", 5, 11, Decimal("45.5")
    )


def test_it_finds_the_latest_population_for_every_area(dartford):
    dartford_area = Area.objects.get(name="Dartford")
    gravesham = Area.objects.get(name="Gravesham")
    AreaPopulation.objects.create(area=dartford_area, year=2023, population=120_700)
    AreaPopulation.objects.create(area=gravesham, year=2022, population=107_860)
    AreaPopulation.objects.create(area=dartford_area, year=2022, population=118_000)
    assert c.population([dartford_area.pk], 2024) == (120_700, 2023)
    assert c.population([dartford_area.pk, gravesham.pk], 2024) == (225_860, 2022)
    assert c.population([gravesham.pk], 2015) is None


def test_it_ranks_csps_of_a_force_by_rate_leaving_unassigned_out(db):
    run = ImportRun.objects.create(kind=ImportRun.Kind.HOME_OFFICE)

    def add(csp, count, quarter_start, force="Kent", unassigned=False):
        OffenceCount.objects.create(
            financial_year="2023/24",
            quarter=1,
            quarter_start=quarter_start,
            force=force,
            csp_name=csp,
            is_unassigned=unassigned,
            offence_description="x",
            offence_group="Robbery",
            count=count,
            import_run=run,
        )

    add("Dartford", 6000, D(2023, 10, 1))
    add("DARTFORD", 7310, D(2024, 7, 1))  # same CSP, other capitals
    add("Gravesham", 9000, D(2024, 1, 1))
    add("Unassigned", 500, D(2024, 1, 1), unassigned=True)
    add("Dartford", 999, D(2023, 7, 1))  # the quarter before the period
    add("Medway", 999, D(2024, 1, 1), force="Essex")
    totals = c.csp_totals("kent", *PERIOD)
    assert totals == {"Dartford": 13_310, "Gravesham": 9000}
    rates = c.csp_rates(totals, {"dartford": 107_860, "gravesham": 120_000})
    assert [(r.csp, r.rate) for r in rates] == [
        ("Dartford", Decimal("123.4")),
        ("Gravesham", Decimal("75.0")),
    ]
    assert c.rank_of({r.csp: r.rate for r in rates}, "Gravesham") == (2, 2)


def test_it_maps_home_office_offence_groups_to_police_uk_crime_types(db):
    rows = [
        ("Violence against the person", "Violence with injury", 10),
        ("Sexual offences", "Rape", 2),
        ("THEFT OFFENCES", "Shoplifting", 5),
        ("Theft offences", "Residential burglary", 3),
        ("Fraud offences", "", 1),
    ]
    assert c.home_office_by_crime_type(rows) == {
        VIOLENCE: 12,
        "Shoplifting": 5,
        "Burglary": 3,
        "Not mapped": 1,
    }


def test_a_draft_stores_the_hand_worked_figures(data, dartford, officer):
    from assessments.services import draft_from_data

    Place.objects.create(
        partnership=dartford,
        name="Bluewater",
        min_longitude=0.26,
        max_longitude=0.28,
        min_latitude=51.43,
        max_latitude=51.45,
    )
    draft = draft_from_data(dartford, *PERIOD, officer)
    headline = {f.measure.key: f for f in draft.figures.filter(section="headline")}
    crime = headline["total-recorded-crime"]
    assert (crime.value, crime.comparison_value, crime.change_percent) == (11, 10, Decimal("10.0"))
    asb = headline["asb-incidents"]
    assert (asb.value, asb.comparison_value, asb.change_percent) == (4, 5, Decimal("-20.0"))
    assert headline["violent-crime-share"].value == Decimal("63.6")
    bluewater = headline["share-of-crime-at-bluewater"]
    assert (bluewater.value, bluewater.comparison_value) == (Decimal("45.5"), Decimal("0.0"))
    assert draft.figures.filter(section="trend").count() == 24  # crime and ASB, 12 months
    assert [f.label for f in draft.figures.filter(section="hotspot_location")] == [
        "On or near Bluewater Parkway (Dartford 006B)",
        "On or near High Street (Dartford 001A)",
        "On or near High Street (Dartford 002A)",
    ]
    assert draft.findings.first().text == (
        "Police recorded 11 crimes in Dartford CSP, up 10% on the previous period (10)."
    )
    assert any("No population estimate" in note for note in draft.data_notes)
    assert draft.status == "draft" and draft.period_end == PERIOD[1]


def test_a_draft_lists_hotspots_for_each_major_crime_type_and_asb(data, dartford, officer):
    from assessments.services import draft_from_data

    draft = draft_from_data(dartford, *PERIOD, officer)
    streets = [
        (f.crime_type, f.label, int(f.value))
        for f in draft.figures.filter(section="type_hotspot_street").order_by("order")
    ]
    assert streets == [
        (VIOLENCE, "On or near Bluewater Parkway (Dartford 006B)", 5),
        ("Burglary", "On or near High Street (Dartford 001A)", 3),
        ("Drugs", "On or near High Street (Dartford 002A)", 1),
        (ASB, "On or near Park (Dartford 001A)", 4),
    ]
    lsoas = [
        (f.crime_type, f.label.split(" (")[0], int(f.value))
        for f in draft.figures.filter(section="type_hotspot_lsoa").order_by("order")
    ]
    assert lsoas[:2] == [(VIOLENCE, "Dartford 006B", 5), (VIOLENCE, "Dartford 001A", 2)]


def test_it_picks_the_largest_crime_types_never_asb():
    from assessments.services import major_crime_types

    counts = {ASB: 99, "Drugs": 3, "Burglary": 7, "Robbery": 7, "Shoplifting": 0}
    assert major_crime_types(counts, limit=2) == ["Burglary", "Robbery"]
    assert major_crime_types(counts) == ["Burglary", "Robbery", "Drugs"]
