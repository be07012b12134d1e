"""Import ONS mid-year population estimates by local authority."""

from assessments.models import ImportRun

from ._table_import import TableImportCommand


class Command(TableImportCommand):
    help = (
        "Import ONS mid-year population estimates (columns: code, name, population, year) as CSV, "
        "XLSX or ODS. All or nothing; an area's year imported again is replaced."
    )
    kind = ImportRun.Kind.ONS_POPULATION
