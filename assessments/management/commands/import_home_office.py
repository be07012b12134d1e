"""Import the Home Office police recorded crime open data table at CSP level."""

from assessments.models import ImportRun

from ._table_import import TableImportCommand


class Command(TableImportCommand):
    help = (
        "Import a Home Office CSP-level recorded crime table (CSV, XLSX or ODS; a sheet per "
        "financial year). All or nothing; a force's financial quarter imported again is replaced."
    )
    kind = ImportRun.Kind.HOME_OFFICE
