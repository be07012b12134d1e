"""How street-level crime records are stored on PostgreSQL (decision 0018), pinned.

A police.uk import of a million rows is as fast as it is because the table has no b-tree at all:
a BRIN index over (area, month, import) replaces the primary key and the (area, month, crime
type) index. These tests fail if a migration brings a b-tree back, or if the queries the
assessment computations make could no longer use the BRIN index.
"""

import datetime as dt

import pytest
from django.db import connection

from assessments import computations as c
from assessments.imports import import_police_uk
from assessments.models import CrimeRecord, ImportRun
from assessments.tests.conftest import POLICE_NO_LOCATION, POLICE_SAMPLE

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="BRIN indexes are PostgreSQL's (set DATABASE_URL)"
)
TABLE = CrimeRecord._meta.db_table
FEBRUARY = (dt.date(2023, 2, 1), dt.date(2023, 2, 28))


def indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [TABLE])
        return dict(cursor.fetchall())


def plan(queryset) -> str:
    """The plan PostgreSQL would use if reading the whole table were not an option."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.fixture
def imported(dartford):
    run = ImportRun.objects.create(kind=ImportRun.Kind.POLICE_UK, partnership=dartford)
    import_police_uk([POLICE_SAMPLE, POLICE_NO_LOCATION], run, dartford)
    return list(dartford.areas.values_list("pk", flat=True))


def test_it_keeps_crime_records_under_one_brin_index_and_no_b_tree(db):
    found = indexes()
    assert list(found) == ["crime_records_brin"]
    assert "USING brin (area_id, month, import_run_id)" in found["crime_records_brin"]


def test_the_computations_find_an_areas_months_through_the_brin_index(imported):
    records = c._records(imported, *FEBRUARY)
    assert "crime_records_brin" in plan(records.crimes().values("crime_type"))


def test_replacing_a_force_month_finds_its_rows_through_the_brin_index(imported):
    rows = CrimeRecord.objects.filter(force="Kent Police", month=FEBRUARY[0])
    assert "crime_records_brin" in plan(rows)


def test_the_brin_index_answers_as_the_table_does(imported):
    """Counts read through the index equal counts read by scanning every row."""
    through_index = c.counts_by_crime_type(imported, *FEBRUARY)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    assert c.counts_by_crime_type(imported, *FEBRUARY) == through_index
    assert sum(through_index.values()) > 0
