"""Import data.police.uk street-level CSVs (files, folders or zips) with a progress bar."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from assessments.models import ImportRun
from assessments.services import import_police_paths
from partners.models import Partnership


class Command(BaseCommand):
    help = (
        "Import data.police.uk street-level crime files. All or nothing: any bad row stops the "
        "import and nothing is written. Importing a force-month again replaces it."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="CSV files, folders or zips.")
        parser.add_argument(
            "--partnership",
            help="Partnership key (e.g. dartford): the report counts rows inside and outside it.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        partnership = None
        if options["partnership"]:
            try:
                partnership = Partnership.objects.get(key=options["partnership"])
            except Partnership.DoesNotExist:
                keys = ", ".join(Partnership.objects.values_list("key", flat=True))
                raise CommandError(
                    f"No partnership {options['partnership']!r}. Known: {keys}."
                ) from None
        bar = tqdm(
            total=None,
            unit=" rows",
            unit_scale=True,
            disable=options["no_progress"],
            file=self.stderr._out,
        )

        def progress(done: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
                bar.refresh()
            bar.update(done - bar.n)

        try:
            run = import_police_paths(options["paths"], partnership, progress)
        finally:
            bar.close()
        report = run.report
        if run.status == ImportRun.Status.FAILED:
            lines = [_problem(p) for p in report["errors"]]
            more = report["errors_total"] - len(lines)
            if more > 0:
                lines.append(f"… and {more:,} more problems.")
            raise CommandError(f"Nothing was imported (import {run.pk}).\n  " + "\n  ".join(lines))
        for line in summary_lines(report):
            self.stdout.write(f"  {line}")
        self.stdout.write(
            self.style.SUCCESS(f"Imported {report['rows']:,} rows (import {run.pk}).")
        )


def _problem(p: dict) -> str:
    where = [p["file"]]
    if p.get("row") is not None:
        where.append(f"row {p['row']}")
    if p.get("column"):
        where.append(f"column {p['column']}")
    return f"{', '.join(where)}: {p['reason']}"


def summary_lines(report: dict) -> list[str]:
    lines = [
        f"{f['name']}: {f['rows']:,} rows, {f['encoding']}, months {', '.join(f['months'])}"
        for f in report["files"]
    ]
    lines += [f"{s['file']}: skipped, {s['reason']}" for s in report["skipped_files"]]
    lines.append(f"Crimes: {report['crimes']:,}; anti-social behaviour: {report['asb']:,}")
    for name, n in report["in_partnership"].items():
        lines.append(f"In {name}: {n:,}")
    for name, n in {**report["other_areas"], **report["unknown_districts"]}.items():
        lines.append(f"Outside the partnership, {name}: {n:,}")
    lines.append(f"No location: {report['no_location']:,}")
    for fm in report["force_months"]:
        replaced = f", replacing {fm['replaced_rows']:,}" if fm["replaced_rows"] else ""
        lines.append(f"{fm['force']} {fm['month']}: {fm['rows']:,} rows{replaced}")
    return lines
