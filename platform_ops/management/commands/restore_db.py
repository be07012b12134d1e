"""Restore a backup_db dump into an empty PostgreSQL database with pg_restore.

    createdb -h HOST -U USER csp_portal_restored
    manage.py restore_db csp-2026-01-31.dump \\
        --database-url postgres://USER:PASSWORD@HOST:5432/csp_portal_restored

Refuses a database that already holds tables, so it never mixes two copies or overwrites the
live one. Runs in one transaction: a failed restore leaves the database empty again.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import environ
import psycopg2
from django.core.management.base import BaseCommand, CommandError

from csp_portal import shared_cache

from ._pg import libpq_args, libpq_env, require_postgres, require_tool

USER_RELATIONS_SQL = """
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'
"""


def connect(settings_dict: dict):
    kwargs = {"dbname": settings_dict["NAME"]}
    for key, arg in (
        ("HOST", "host"),
        ("PORT", "port"),
        ("USER", "user"),
        ("PASSWORD", "password"),
    ):
        if settings_dict.get(key):
            kwargs[arg] = settings_dict[key]
    kwargs.update(settings_dict.get("OPTIONS") or {})
    return psycopg2.connect(**kwargs)


def count_user_relations(settings_dict: dict) -> int:
    conn = connect(settings_dict)
    try:
        with conn.cursor() as cur:
            cur.execute(USER_RELATIONS_SQL)
            return cur.fetchone()[0]
    finally:
        conn.close()


class Command(BaseCommand):
    help = "Restore a backup_db dump into an EMPTY PostgreSQL database named by --database-url."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A dump written by backup_db (pg_dump custom format).")
        parser.add_argument(
            "--database-url",
            required=True,
            help="postgres://user:password@host:port/name of an existing, empty database.",
        )
        parser.add_argument(
            "--jobs", type=int, default=1, help="Parallel pg_restore jobs (not with one txn)."
        )

    def handle(self, *args, file: str, database_url: str, jobs: int, **options):
        source = Path(file)
        if not source.is_file():
            raise CommandError(f"No dump at {source}.")
        try:
            settings_dict = environ.Env.db_url_config(database_url)
        except Exception as exc:
            raise CommandError(f"Cannot read --database-url: {exc}") from exc
        require_postgres(settings_dict, "restore_db")
        if not settings_dict.get("NAME"):
            raise CommandError("--database-url must name the database to restore into.")
        pg_restore = require_tool("pg_restore")
        try:
            existing = count_user_relations(settings_dict)
        except psycopg2.Error as exc:
            raise CommandError(
                f"Cannot connect to {settings_dict['NAME']}: {str(exc).strip()} "
                "(create it first, e.g. createdb)."
            ) from exc
        if existing:
            raise CommandError(
                f"Database {settings_dict['NAME']} is not empty ({existing} tables, views or "
                "sequences). restore_db only restores into an empty database: create a new one."
            )
        cmd = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--no-password"]
        cmd += ["--jobs", str(jobs)] if jobs > 1 else ["--single-transaction"]
        cmd += [*libpq_args(settings_dict), str(source)]
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from the command line
            cmd, env=libpq_env(settings_dict), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed ({result.returncode}): {result.stderr.strip()}")
        # Responses cached under the data version (platform_ops.data_version) may have been
        # built from writes made after this backup; the restored data starts from older
        # versions, so nothing cached may be served from it.
        shared_cache.clear()
        self.stdout.write(
            f"Restored {source} into database {settings_dict['NAME']} "
            f"({time.monotonic() - started:.1f} s). Check it with: "
            "DATABASE_URL=... manage.py migrate --check"
        )
