"""The data version moves with every committed write, however it is made (PostgreSQL)."""

import io

import pytest
from django.db import connection, transaction

from assessments.models import CrimeRecord
from platform_ops import data_version
from platform_ops.models import DataChange
from priorities.models import Action, Strategy

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The data version is kept by PostgreSQL triggers (set DATABASE_URL)",
)


def test_it_puts_a_trigger_on_every_tracked_table_and_no_other(db):
    triggered = data_version.triggered_tables()
    assert set(data_version.tracked_tables()) == triggered
    assert "priorities_action_focus_items" in triggered  # many-to-many tables too
    assert CrimeRecord._meta.db_table not in triggered  # imports' rows: not tracked


def test_it_moves_with_every_kind_of_write(seeded):
    action = Action.objects.first()
    writes = [
        lambda: action.save(),
        lambda: Action.objects.filter(pk=action.pk).update(description="Bulk"),
        lambda: action.focus_items.clear(),
        lambda: Strategy.objects.bulk_update(list(Strategy.objects.all()), ["title"]),
    ]
    seen = {data_version.current()}
    for write in writes:
        write()
        seen.add(data_version.current())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE priorities_priority SET why = why")  # SQL typed by hand
        seen.add(data_version.current())
        cursor.copy_expert(  # a bulk load
            "COPY partners_area (gss_code, name) FROM STDIN", io.StringIO("E07000999\tTest\n")
        )
        seen.add(data_version.current())
    assert len(seen) == 7


def test_reading_leaves_it_alone(seeded):
    before = data_version.current()
    list(Action.objects.all())
    assert data_version.current() == before


def test_a_write_rolled_back_and_another_in_its_place_give_a_new_version(seeded):
    before = data_version.current()
    with transaction.atomic():
        sid = transaction.savepoint()
        Action.objects.update(description="Never kept")
        discarded = data_version.current()
        transaction.savepoint_rollback(sid)
    assert data_version.current() == before
    Action.objects.update(description="Kept")
    assert data_version.current() not in (before, discarded)


def test_signing_in_leaves_it_alone_but_other_changes_to_a_person_do_not(client, officer):
    before = data_version.current()
    client.force_login(officer)  # sets last_login
    assert data_version.current() == before
    officer.first_name = "Renamed"
    officer.save()
    assert data_version.current() != before


def test_writes_to_untracked_tables_leave_it_alone(seeded):
    before = data_version.current()
    DataChange.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM assessments_crimerecord")
    assert data_version.current() == before


def test_folding_old_rows_keeps_the_version(seeded):
    for _ in range(data_version.COMPACT_AFTER + 1):
        DataChange.objects.create(stamp=7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(weight), SUM(stamp) FROM platform_ops_datachange")
        writes, stamps = cursor.fetchone()
    version = data_version.current()  # folds the rows as it reads them
    assert version.endswith(f":{writes}:{stamps}")
    assert DataChange.objects.count() == 1
    assert data_version.current() == version


@pytest.mark.django_db(transaction=True)
def test_another_session_sees_a_write_only_once_it_is_committed():
    import psycopg2

    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
    )
    other.autocommit = True

    def seen_by_other() -> tuple:
        with other.cursor() as cursor:
            cursor.execute("SELECT SUM(weight), SUM(stamp) FROM platform_ops_datachange")
            return cursor.fetchone()

    try:
        before = seen_by_other()
        with transaction.atomic():
            Strategy.objects.update(title="Renamed")
            assert seen_by_other() == before  # not yet committed
        assert seen_by_other() != before
    finally:
        other.close()
