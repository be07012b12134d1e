"""Reads for the API and the dashboards from a PostgreSQL read replica; everything else primary.

Off unless settings define a "replica" database (settings.py adds it, this router and the
middleware only when REPLICA_DATABASE_URL is set). With it on:

- `ReplicaReadsMiddleware` allows replica reads for GET and HEAD requests under
  REPLICA_READ_PATHS (default /api/ and /scrutiny/); every other request reads the primary.
- `ReplicaRouter` then sends reads of the portal's data (strategies, actions, indicators,
  assessments, surveys, history) to the replica, but never: sessions, accounts and roles (who
  may see what is decided on fresh data), API tokens, the cache table (throttle counts),
  the job queue, or any read inside a transaction (a read that a write depends on).
- Every write goes to the primary; migrations run on the primary only (the replica copies them).

A replica lags the primary by a moment, so a page that has just been saved is read back from
the primary (the save is a POST, and its redirect goes to an HTML page outside /scrutiny/).
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
DEFAULT_READ_PATHS = ("/api/", "/scrutiny/")
# Never from the replica: sign-in and access rules, tokens, the cache, the job queue.
PRIMARY_ONLY_APPS = frozenset(
    {
        "admin",
        "auth",
        "contenttypes",
        "sessions",
        "partners",
        "api",
        "django_cache",
        "django_tasks_database",
    }
)

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_reads_enabled() -> bool:
    return _replica_reads.get()


class ReplicaRouter:
    """Route reads of portal data to the replica while a safe request allows it."""

    def db_for_read(self, model, **hints):
        if (
            not replica_reads_enabled()
            or not replica_configured()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data: objects read from either may be related.
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        return obj1._state.db in aliases and obj2._state.db in aliases

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Allow replica reads for the rest of a GET or HEAD request under the read paths."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = tuple(getattr(settings, "REPLICA_READ_PATHS", DEFAULT_READ_PATHS))

    def __call__(self, request):
        allowed = request.method in ("GET", "HEAD") and request.path.startswith(self.paths)
        token = _replica_reads.set(allowed)
        response = self.get_response(request)
        if not getattr(response, "streaming", False):
            _replica_reads.reset(token)
        # A streamed export reads while it streams: request_finished switches it off after.
        return response


def _end_of_request(**kwargs) -> None:
    _replica_reads.set(False)


request_finished.connect(_end_of_request, dispatch_uid="platform_ops.routers.end_of_request")
