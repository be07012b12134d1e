"""backup_db and restore_db: a drill on PostgreSQL, and clear refusals everywhere."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from platform_ops.management.commands.backup_db import Command as BackupDb
from platform_ops.management.commands.restore_db import Command as RestoreDb
from priorities.seed import load_seed

ROOT = Path(settings.BASE_DIR)
on_postgres = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(
    not on_postgres, reason="pg_dump/pg_restore drill needs PostgreSQL (set DATABASE_URL)"
)


def _url(settings_dict: dict, name: str) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name}"


def _admin_conn(settings_dict: dict):
    """A connection to the maintenance database, autocommit, for CREATE/DROP DATABASE."""
    kwargs = {"dbname": "postgres"}
    for key, arg in (
        ("HOST", "host"),
        ("PORT", "port"),
        ("USER", "user"),
        ("PASSWORD", "password"),
    ):
        if settings_dict.get(key):
            kwargs[arg] = settings_dict[key]
    conn = psycopg2.connect(**kwargs)
    conn.autocommit = True
    return conn


def _table_counts_here() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cur:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the ORM
            counts[table] = cur.fetchone()[0]
    return counts


def _table_counts_in(settings_dict: dict, name: str) -> dict[str, int]:
    kwargs = {"dbname": name}
    for key, arg in (
        ("HOST", "host"),
        ("PORT", "port"),
        ("USER", "user"),
        ("PASSWORD", "password"),
    ):
        if settings_dict.get(key):
            kwargs[arg] = settings_dict[key]
    conn = psycopg2.connect(**kwargs)
    try:
        counts = {}
        with conn.cursor() as cur:
            for model in apps.get_models(include_auto_created=True):
                table = model._meta.db_table
                cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608
                counts[table] = cur.fetchone()[0]
        return counts
    finally:
        conn.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_backup_restore_drill_same_counts_and_migrations_clean(tmp_path):
    load_seed(Path(settings.SEED_DATA_DIR))
    expected = _table_counts_here()
    assert sum(expected.values()) > 100, "the seed should give the drill something to carry"

    dump = tmp_path / "csp.dump"
    call_command(BackupDb(), str(dump))
    assert dump.stat().st_size > 0
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump custom format

    settings_dict = connections["default"].settings_dict
    name = f"csp_restore_{secrets.token_hex(4)}"
    admin = _admin_conn(settings_dict)
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        url = _url(settings_dict, name)
        call_command(RestoreDb(), str(dump), database_url=url)

        assert _table_counts_in(settings_dict, name) == expected

        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "restore-drill-" + secrets.token_urlsafe(32),
            "DJANGO_SETTINGS_MODULE": "csp_portal.settings",
        }
        check = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr

        # The restored database is no longer empty: a second restore into it is refused.
        with pytest.raises(CommandError, match="not empty"):
            call_command(RestoreDb(), str(dump), database_url=url)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@postgres_only
@pytest.mark.django_db
def test_restore_refuses_a_non_empty_database(tmp_path):
    dump = tmp_path / "any.dump"
    dump.write_bytes(b"PGDMP")
    live = _url(connections["default"].settings_dict, connections["default"].settings_dict["NAME"])
    with pytest.raises(CommandError, match="not empty"):
        call_command(RestoreDb(), str(dump), database_url=live)


@postgres_only
@pytest.mark.django_db
def test_backup_refuses_to_overwrite(tmp_path):
    dump = tmp_path / "exists.dump"
    dump.write_text("keep me")
    with pytest.raises(CommandError, match="exists"):
        call_command(BackupDb(), str(dump))
    assert dump.read_text() == "keep me"


def test_backup_on_sqlite_is_a_clear_error(tmp_path):
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "x.sqlite3")}
    with (
        mock.patch.dict(connections["default"].settings_dict, sqlite),
        pytest.raises(CommandError, match="needs PostgreSQL"),
    ):
        call_command(BackupDb(), str(tmp_path / "out.dump"))
    assert not (tmp_path / "out.dump").exists()


def test_restore_needs_a_postgres_url(tmp_path):
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command(RestoreDb(), str(dump), database_url=f"sqlite:///{tmp_path}/y.sqlite3")


def test_restore_needs_the_file(tmp_path):
    with pytest.raises(CommandError, match="No dump"):
        call_command(RestoreDb(), str(tmp_path / "missing.dump"), database_url="postgres://u@h/db")
