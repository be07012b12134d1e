"""Who may read an assessment, and the rules the models keep."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from assessments.models import Assessment, CrimeRecord, CrimeTypeMapping, Figure, ImportRun, Place


def visible_slugs(user) -> set[str]:
    return set(Assessment.objects.visible_to(user).values_list("slug", flat=True))


def test_it_shows_published_assessments_to_everyone(published, draft):
    assert visible_slugs(AnonymousUser()) == {"dartford-published"}


def test_it_shows_drafts_to_every_member_of_the_partnership(
    published, draft, officer, partner_lead, councillor
):
    for person in (officer, partner_lead, councillor):
        assert visible_slugs(person) == {"dartford-published", "dartford-draft"}


def test_it_hides_drafts_from_other_partnerships(published, draft, outsider):
    assert visible_slugs(outsider) == {"dartford-published"}


def test_it_refuses_a_figure_without_value_or_change(published):
    figure = published.figures.first()
    figure.value = None
    figure.change_percent = None
    with pytest.raises(IntegrityError), transaction.atomic():
        figure.save()


def test_it_keeps_asb_out_of_crime_totals(dartford):
    run = ImportRun.objects.create(kind=ImportRun.Kind.POLICE_UK)
    for crime_type in ("Anti-social behaviour", "Burglary", "Drugs"):
        CrimeRecord.objects.create(
            force="Kent Police", month=dt.date(2023, 2, 1), crime_type=crime_type, import_run=run
        )
    assert CrimeRecord.objects.crimes().count() == 2
    assert CrimeRecord.objects.asb().count() == 1


def test_it_finds_records_at_a_place_by_lsoa_or_box(dartford):
    run = ImportRun.objects.create(kind=ImportRun.Kind.POLICE_UK)
    common = {"force": "Kent Police", "month": dt.date(2023, 2, 1), "import_run": run}
    in_lsoa = CrimeRecord.objects.create(crime_type="Shoplifting", lsoa_code="E01024000", **common)
    in_box = CrimeRecord.objects.create(
        crime_type="Shoplifting", longitude=0.27, latitude=51.44, **common
    )
    CrimeRecord.objects.create(crime_type="Shoplifting", longitude=0.1, latitude=51.4, **common)
    place = Place.objects.create(
        partnership=dartford,
        name="Bluewater",
        lsoa_codes=["E01024000"],
        min_longitude=0.26,
        max_longitude=0.28,
        min_latitude=51.43,
        max_latitude=51.45,
    )
    assert set(CrimeRecord.objects.filter(place.records_q())) == {in_lsoa, in_box}


def test_it_starts_with_the_usual_crime_type_mapping(db):
    groups = set(
        CrimeTypeMapping.objects.filter(crime_type="Violence and sexual offences").values_list(
            "offence_group", flat=True
        )
    )
    assert groups == {"Violence against the person", "Sexual offences"}


def test_it_describes_where_a_figure_is(published):
    figure: Figure = published.figures.first()
    assert figure.where == "Dartford CSP"
    figure.geography = "Kent (county average)"
    assert figure.where == "Kent (county average)"
