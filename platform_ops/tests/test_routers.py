"""The read-replica router: replica reads only for safe API and dashboard requests, never for
sessions, accounts, tokens, the cache or the job queue, never in a transaction; writes and
migrations on the primary."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.signals import request_finished
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory, override_settings

from api.models import ApiToken
from assessments.models import CrimeRecord
from partners.models import Role, User
from platform_ops import routers
from platform_ops.routers import ReplicaReadsMiddleware, ReplicaRouter, replica_reads_enabled
from priorities.models import Action, IndicatorValue, Strategy


@pytest.fixture
def with_replica(monkeypatch):
    """As if settings.DATABASES had a "replica" alias (no query is made to it here)."""
    monkeypatch.setattr(routers, "replica_configured", lambda: True)


@pytest.fixture(autouse=True)
def _primary_between_tests():
    token = routers._replica_reads.set(False)
    yield
    routers._replica_reads.reset(token)


@pytest.fixture
def replica_reads():
    token = routers._replica_reads.set(True)
    yield
    routers._replica_reads.reset(token)


def seen_by_view(method: str, path: str, streaming: bool = False):
    """Whether replica reads were allowed inside the view, and after the middleware returned."""
    seen = []

    def view(request):
        seen.append(replica_reads_enabled())
        if streaming:
            return StreamingHttpResponse(iter(["a"]))
        return HttpResponse("ok")

    request = getattr(RequestFactory(), method.lower())(path)
    ReplicaReadsMiddleware(view)(request)
    return seen[0], replica_reads_enabled()


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/v1/actions/", True),
        ("HEAD", "/api/v1/actions/", True),
        ("GET", "/scrutiny/strategies/dartford-2025-2028/", True),
        ("POST", "/api/v1/progress-updates/", False),
        ("PATCH", "/api/v1/actions/1/", False),
        ("GET", "/actions/1/", False),  # read back after a save: the primary
        ("GET", "/sign-in/", False),
        ("POST", "/scrutiny/partnerships/dartford/public-dashboard/", False),
    ],
)
def test_middleware_allows_replica_reads_only_for_safe_api_and_dashboard_requests(
    method, path, allowed
):
    assert seen_by_view(method, path) == (allowed, False)


def test_a_streamed_export_keeps_replica_reads_until_the_request_finishes():
    assert seen_by_view("GET", "/api/v1/actions/?format=csv", streaming=True) == (True, True)
    # As the WSGI handler does when the last chunk has gone (the other receivers here would
    # touch the database: send_robust keeps their errors to themselves).
    request_finished.send_robust(sender=None)
    assert not replica_reads_enabled()


@override_settings(REPLICA_READ_PATHS=["/reports/"])
def test_read_paths_are_a_setting():
    assert seen_by_view("GET", "/reports/x/") == (True, False)
    assert seen_by_view("GET", "/api/v1/actions/") == (False, False)


@pytest.mark.parametrize("model", [Action, Strategy, IndicatorValue, CrimeRecord])
def test_portal_data_is_read_from_the_replica_when_allowed(model, with_replica, replica_reads):
    assert ReplicaRouter().db_for_read(model) == "replica"


@pytest.mark.parametrize("model", [Session, User, Role, ApiToken])
def test_sessions_accounts_roles_and_tokens_always_read_the_primary(
    model, with_replica, replica_reads
):
    assert ReplicaRouter().db_for_read(model) == "default"


def test_cache_and_job_queue_always_read_the_primary(with_replica, replica_reads):
    from django.core.cache.backends.db import DatabaseCache
    from django_tasks_db.models import DBTaskResult

    cache_model = DatabaseCache("csp_cache", {}).cache_model_class
    assert ReplicaRouter().db_for_read(cache_model) == "default"
    assert ReplicaRouter().db_for_read(DBTaskResult) == "default"


def test_reads_outside_a_safe_request_use_the_primary(with_replica):
    assert not replica_reads_enabled()
    assert ReplicaRouter().db_for_read(Action) == "default"


def test_without_a_replica_everything_reads_the_primary(replica_reads):
    assert not routers.replica_configured()  # the test settings have no "replica" alias
    assert ReplicaRouter().db_for_read(Action) == "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_use_the_primary(with_replica, replica_reads):
    with transaction.atomic():
        assert ReplicaRouter().db_for_read(Action) == "default"


def test_writes_and_migrations_go_to_the_primary_only(with_replica, replica_reads):
    router = ReplicaRouter()
    assert router.db_for_write(Action) == "default"
    assert router.db_for_write(Session) == "default"
    assert router.allow_migrate("default", "priorities") is True
    assert router.allow_migrate("replica", "priorities") is False


def test_objects_from_either_alias_may_be_related():
    a, b, c = Action(), Strategy(), Strategy()
    a._state.db, b._state.db, c._state.db = "default", "replica", "other"
    assert ReplicaRouter().allow_relation(a, b) is True
    assert ReplicaRouter().allow_relation(a, c) is False
