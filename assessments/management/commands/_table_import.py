"""Shared body of the Home Office and ONS import commands."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from assessments.models import ImportRun
from assessments.services import import_table_path


class TableImportCommand(BaseCommand):
    kind: str = ""

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A CSV, .xlsx or .ods file.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        bar = tqdm(total=None, unit=" rows", disable=options["no_progress"], file=self.stderr._out)

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            run = import_table_path(self.kind, options["path"], progress)
        finally:
            bar.close()
        if run.status == ImportRun.Status.FAILED:
            lines = [
                ", ".join(
                    [p["file"]]
                    + ([f"row {p['row']}"] if p.get("row") else [])
                    + ([f"column {p['column']}"] if p.get("column") else [])
                )
                + f": {p['reason']}"
                for p in run.report["errors"]
            ]
            more = run.report["errors_total"] - len(lines)
            if more > 0:
                lines.append(f"… and {more:,} more problems.")
            raise CommandError(f"Nothing was imported (import {run.pk}).\n  " + "\n  ".join(lines))
        for label, value in run.report["summary"]:
            self.stdout.write(f"  {label}: {value}")
        self.stdout.write(self.style.SUCCESS(f"Imported (import {run.pk})."))
