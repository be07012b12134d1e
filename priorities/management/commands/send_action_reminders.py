"""E-mail each owner their overdue actions and those due in the next 14 days (run daily)."""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from priorities.models import Action, ReminderLog

DUE_SOON_DAYS = 14


class Command(BaseCommand):
    help = (
        "Send each action owner one e-mail listing their overdue actions and those due in the "
        f"next {DUE_SOON_DAYS} days. Safe to run from cron daily: nobody gets two in one day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            default=None,
            help="Run as if today were this date (YYYY-MM-DD).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say who would be e-mailed; send nothing."
        )

    def handle(self, *args, **options):
        today = options["date"] or dt.date.today()
        horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
        actions = (
            Action.objects.current()
            .filter(owner__isnull=False, owner__is_active=True, due_date__lte=horizon)
            .exclude(status=Action.Status.COMPLETED)
            .select_related("owner", "priority__strategy")
            .order_by("due_date", "pk")
        )
        by_owner = defaultdict(list)
        for action in actions:
            by_owner[action.owner].append(action)
        sent = skipped = 0
        for owner, owned in by_owner.items():
            if not owner.email:
                self.stdout.write(
                    f"  {owner.username}: no e-mail address; {len(owned)} actions not sent"
                )
                skipped += 1
                continue
            if ReminderLog.objects.filter(user=owner, sent_on=today).exists():
                skipped += 1
                continue
            overdue = [a for a in owned if a.due_date < today]
            due_soon = [a for a in owned if a.due_date >= today]
            if options["dry_run"]:
                self.stdout.write(
                    f"  would e-mail {owner.email}: "
                    f"{len(overdue)} overdue, {len(due_soon)} due soon"
                )
                continue
            try:
                with transaction.atomic():
                    # The log row is written first, so a second run the same day sends nothing.
                    ReminderLog.objects.create(user=owner, sent_on=today, actions=len(owned))
                    context = {
                        "owner": owner,
                        "overdue": overdue,
                        "due_soon": due_soon,
                        "today": today,
                        "days": DUE_SOON_DAYS,
                    }
                    send_mail(
                        subject=f"CSP Portal: {len(overdue)} overdue and {len(due_soon)} due soon",
                        message=render_to_string("priorities/email/reminder.txt", context),
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        recipient_list=[owner.email],
                    )
            except IntegrityError:
                skipped += 1
                continue
            sent += 1
        self.stdout.write(self.style.SUCCESS(f"Reminders sent: {sent}; skipped: {skipped}."))
