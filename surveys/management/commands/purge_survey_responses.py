"""Delete raw survey responses kept longer than their survey's retention period.

Aggregate results are computed once more and kept; only the personal data goes. Run it daily
(cron or a scheduled task): `python manage.py purge_survey_responses`.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from surveys.services import purge_expired_responses


class Command(BaseCommand):
    help = "Delete raw survey responses past each survey's retention period, keeping the results."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )
        parser.add_argument("--today", help="Treat this date (YYYY-MM-DD) as today.")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(
                    f"--today must be a date like 2026-03-01, not {options['today']!r}"
                ) from exc
        outcomes = purge_expired_responses(today=today, dry_run=options["dry_run"])
        if not outcomes:
            self.stdout.write("No raw responses are past their retention period.")
            return
        verb = "Would delete" if options["dry_run"] else "Deleted"
        for o in outcomes:
            self.stdout.write(
                f"{verb} {o.respondents} raw responses of “{o.survey.title}” "
                f"(kept until {o.deadline:%-d %B %Y}); its results are kept."
            )
