"""Create one account per role on a fresh database, each with a generated password."""

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from partners.models import Organisation, Partnership, Role, User

ACCOUNTS = [
    # username, role, organisation key, full name
    ("officer", Role.Name.OFFICER, "dartford-borough-council", "Olivia", "Officer"),
    ("partner.lead", Role.Name.PARTNER_LEAD, "kent-police", "Priya", "Lead"),
    ("councillor", Role.Name.COMMITTEE, "dartford-borough-council", "Colin", "Councillor"),
    ("admin", Role.Name.ADMINISTRATOR, "dartford-borough-council", "Ada", "Administrator"),
]


class Command(BaseCommand):
    help = (
        "On a database with no accounts, create one account per role in a partnership and "
        "print each generated password once. Does nothing if any account exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partnership", default="dartford", help="Partnership key.")

    def handle(self, *args, **options):
        if User.objects.exists():
            self.stdout.write("Accounts already exist; none created.")
            return
        try:
            partnership = Partnership.objects.get(key=options["partnership"])
        except Partnership.DoesNotExist as exc:
            raise CommandError(
                f"No partnership {options['partnership']!r}: run load_seed_data first."
            ) from exc
        orgs = {o.key: o for o in Organisation.objects.all()}
        created = []
        with transaction.atomic():
            for username, role, org_key, first, last in ACCOUNTS:
                password = secrets.token_urlsafe(12)
                user = User.objects.create_user(
                    username=username,
                    password=password,
                    first_name=first,
                    last_name=last,
                    organisation=orgs.get(org_key),
                    is_staff=role == Role.Name.ADMINISTRATOR,
                    is_superuser=role == Role.Name.ADMINISTRATOR,
                )
                Role.objects.create(user=user, partnership=partnership, role=role)
                created.append((username, Role.Name(role).label, password))
        self.stdout.write(
            self.style.WARNING(
                "Accounts created. These passwords are shown once only; note them now."
            )
        )
        for username, label, password in created:
            self.stdout.write(f"  {label:32} username: {username:14} password: {password}")
