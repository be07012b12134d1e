"""Street-level crime records: a BRIN index instead of a primary key and a b-tree on PostgreSQL.

A police.uk import writes up to a million rows in one COPY. Each b-tree on the table roughly
doubles what the database does per row (the primary key about 1 s a million rows, the (area,
month, crime type) index about 2 s), so on PostgreSQL the table keeps neither: `id` still comes
from its identity sequence (unique by construction, and nothing refers to a record by it), and
one BRIN index over (area, month, import) finds rows by the ranges of pages they lie in. It
works because police.uk files list their rows by LSOA, so a district's rows of a month lie
together; see docs/decisions/0018-crime-records-brin.md.

SQLite (development and tests) keeps its primary key, which costs nothing there (the rowid),
and gets the b-tree instead, since it has no BRIN.

Django's migration state is unchanged by the PostgreSQL part: an AlterField on `id` would look
for the primary-key constraint this drops, so do not alter that field without restoring it.
"""

from django.db import migrations

TABLE = "assessments_crimerecord"
BRIN = "crime_records_brin"
BTREE = "crime_area_month_type"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {TABLE}_pkey")
        # Small ranges (32 pages, about 1,000 rows) keep a district's month in few of them;
        # autosummarize lets autovacuum summarise ranges as imports fill them.
        schema_editor.execute(
            f"CREATE INDEX {BRIN} ON {TABLE} USING brin (area_id, month, import_run_id) "
            "WITH (pages_per_range = 32, autosummarize = on)"
        )
    else:
        schema_editor.execute(f"CREATE INDEX {BTREE} ON {TABLE} (area_id, month, crime_type)")


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {BRIN}")
        schema_editor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)")
    else:
        schema_editor.execute(f"DROP INDEX IF EXISTS {BTREE}")
    schema_editor.execute(f"CREATE INDEX {BTREE} ON {TABLE} (area_id, month, crime_type)")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_figure_crime_type_and_versions"),
    ]

    operations = [
        # The index leaves the models' state (no Meta index: it differs by database) and the
        # database, then comes back in the form that suits each database.
        migrations.RemoveIndex(model_name="crimerecord", name=BTREE),
        migrations.RunPython(forwards, backwards),
    ]
