"""Load both published strategies from seed_data/; safe to run any number of times."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments.seed import load_assessment_seed
from priorities.seed import SeedError, load_seed
from surveys.seed import load_survey_seed


class Command(BaseCommand):
    help = "Load the partnerships, strategies, assessments and surveys in seed_data/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=None, help="Seed folder (default: SEED_DATA_DIR)."
        )

    def handle(self, *args, **options):
        directory = options["dir"] or Path(settings.SEED_DATA_DIR)
        try:
            # One transaction: a bad survey file must not leave the strategies half-updated.
            with transaction.atomic():
                # Strategies first: the assessments and surveys belong to their partnerships.
                report = load_seed(directory)
                load_assessment_seed(directory, report)
                load_survey_seed(directory, report)
        except SeedError as exc:
            raise CommandError(f"Nothing was loaded. {exc}") from exc
        for line in report.lines():
            self.stdout.write(f"  {line}")
        verdict = f"{report.changed} rows changed" if report.changed else "nothing changed"
        self.stdout.write(self.style.SUCCESS(f"Seed data loaded from {directory}: {verdict}."))
