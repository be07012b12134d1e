"""Shared by backup_db and restore_db: libpq arguments from Django's database settings."""

from __future__ import annotations

import os
import shutil

from django.core.management.base import CommandError

POSTGRES_ENGINES = {"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"}


def require_postgres(settings_dict: dict, what: str) -> None:
    engine = settings_dict.get("ENGINE", "")
    if engine not in POSTGRES_ENGINES:
        raise CommandError(
            f"{what} needs PostgreSQL, but the database is {engine or 'not configured'} "
            "(SQLite is for development: copy the db.sqlite3 file instead). "
            "Set DATABASE_URL=postgres://user@host:5432/name."
        )


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CommandError(
            f"{name} was not found on PATH: install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client), the same major version as the server "
            "or newer."
        )
    return path


def libpq_args(settings_dict: dict) -> list[str]:
    """--host/--port/--username/--dbname; the password goes in the environment, not argv."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    args += ["--dbname", str(settings_dict["NAME"])]
    return args


def libpq_env(settings_dict: dict) -> dict[str, str]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env
