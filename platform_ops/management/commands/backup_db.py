"""Take a backup of the configured PostgreSQL database with pg_dump (custom format).

    manage.py backup_db /var/backups/csp-portal/csp-$(date +%F).dump

The file restores with `manage.py restore_db FILE --database-url postgres://.../EMPTY_DB`
(or pg_restore directly). Custom format is compressed and lets pg_restore pick objects.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from ._pg import libpq_args, libpq_env, require_postgres, require_tool


class Command(BaseCommand):
    help = "Back up the PostgreSQL database with pg_dump --format=custom into FILE."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the dump (refuses to overwrite).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")
        parser.add_argument(
            "--overwrite", action="store_true", help="Replace FILE if it already exists."
        )

    def handle(self, *args, file: str, database: str, overwrite: bool, **options):
        settings_dict = connections[database].settings_dict
        require_postgres(settings_dict, "backup_db")
        pg_dump = require_tool("pg_dump")
        target = Path(file)
        if target.exists() and not overwrite:
            raise CommandError(f"{target} exists; choose a new name or pass --overwrite.")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        cmd = [pg_dump, "--format=custom", "--no-password", "--file", str(partial)]
        cmd += libpq_args(settings_dict)
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            cmd, env=libpq_env(settings_dict), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed ({result.returncode}): {result.stderr.strip()}")
        # Only a complete dump gets the final name, so a cron job never leaves a torn file there.
        partial.replace(target)
        size = target.stat().st_size
        self.stdout.write(
            f"Backed up database {settings_dict['NAME']} to {target} "
            f"({size:,} bytes, {time.monotonic() - started:.1f} s)."
        )
